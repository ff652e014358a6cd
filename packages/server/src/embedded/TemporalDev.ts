/**
 * The local Temporal dev server of the embedded default: found at
 * `TEMPORAL_CLI_PATH` or `.tools/bin/temporal`, started on a free loopback
 * port with its state in `<data dir>/temporal.db`, stopped with the process.
 * When the binary is missing, `locate` says exactly how to build it.
 */
import { Effect, Schedule } from "effect"
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createServer } from "node:net"
import { resolve } from "node:path"
import { Connection } from "@temporalio/client"

export const buildHint =
  "CGO_ENABLED=0 GOBIN=$PWD/.tools/bin go install github.com/temporalio/cli/cmd/temporal@v1.5.1   (needs Go >= 1.25)"

/** The CLI binary, or undefined. */
export const locate = (configured: string | undefined): string | undefined => {
  const candidates = [configured, resolve(".tools/bin/temporal")].filter((p): p is string => p !== undefined && p !== "")
  return candidates.find((p) => existsSync(p))
}

const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Starts `temporal server start-dev` and waits until it answers; the scope stops it. */
export const start = (binary: string, dataDir: string) =>
  Effect.gen(function*() {
    const port = yield* freePort
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(binary, [
          "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", String(port), "--namespace", "default",
          "--db-filename", resolve(dataDir, "temporal.db"), "--log-level", "error"
        // Its own process group: Ctrl-C reaches only us, so the workers drain before the scope stops the server.
        ], { stdio: ["ignore", "ignore", "pipe"], detached: true })),
      (child) => Effect.sync(() => child.kill("SIGTERM"))
    )
    const address = `127.0.0.1:${port}`
    // The dev server takes a few seconds to accept connections.
    yield* Effect.tryPromise(async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 })
      await connection.close()
    }).pipe(
      Effect.retry({ times: 60, schedule: Schedule.spaced("1 second") }),
      Effect.timeout("60 seconds"),
      Effect.mapError(() => new Error(`the Temporal dev server at ${binary} did not start on ${address} within 60 s (exit code ${child.exitCode ?? "none"})`))
    )
    return address
  })
