/** Entry point of the `autodialer` binary. */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { run } from "./Cli.ts"

run.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
