/**
 * `npm start`: the embedded default in one process (PGlite in ./data, the
 * simulated carrier with simulated agents, the in-process campaign loop, the
 * HTTP server) with a seeded demo campaign. Ctrl-C interrupts the program;
 * every resource (HTTP server, carrier fibers, PGlite) is released in order.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import * as App from "./App.ts"
import * as ServerConfig from "./ServerConfig.ts"

const program = Effect.gen(function*() {
  const config = yield* ServerConfig.load
  return yield* App.run(config, "embedded")
}).pipe(Effect.scoped, Effect.provide(App.loggerLayer))

NodeRuntime.runMain(program)
