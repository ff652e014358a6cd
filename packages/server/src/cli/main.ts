/** Entry point of the `autodialer` binary. */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { loggerLayer } from "../App.ts"
import { run } from "./Cli.ts"

run.pipe(Effect.provide(NodeServices.layer), Effect.provide(loggerLayer), NodeRuntime.runMain)
