/**
 * Temporal helpers for the integration tests: a client and worker against the
 * real dev server (TEMPORAL_ADDRESS), one shared workflow bundle per test file,
 * a unique task queue per test, and the Java time-skipping test server
 * (io.temporal:temporal-test-server from Maven Central) when its classpath is
 * installed in `.tools/temporal-test-server/lib`.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, writeFileSync, chmodSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { randomUUID } from "node:crypto"
import { Client, Connection } from "@temporalio/client"
import { NativeConnection, Runtime, type Worker, type WorkflowBundleWithSourceMap } from "@temporalio/worker"
import { isCI, type ServiceLookup } from "@autodialer/testkit"
import { bundleWorkflows } from "../../src/Worker.ts"

let installedRuntime = false
/** Quieter core logs: the default logger prints every worker state change. */
export const quietRuntime = (): void => {
  if (installedRuntime) return
  installedRuntime = true
  try {
    Runtime.install({ logger: new (class {
      log() {}
      trace() {}
      debug() {}
      info() {}
      warn(message: string, meta?: unknown) { console.warn(message, meta ?? "") }
      error(message: string, meta?: unknown) { console.error(message, meta ?? "") }
    })() })
  } catch {
    // Already installed by an earlier test in this process.
  }
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined
export const sharedBundle = (): Promise<WorkflowBundleWithSourceMap> => (bundle ??= bundleWorkflows())

export const uniqueTaskQueue = (label: string): string => `test-${label}-${randomUUID().slice(0, 8)}`

export interface TemporalHandles {
  readonly client: Client
  readonly nativeConnection: NativeConnection
  close(): Promise<void>
}

export const connectTemporal = async (address: string): Promise<TemporalHandles> => {
  quietRuntime()
  const connection = await Connection.connect({ address, connectTimeout: 10_000 })
  const nativeConnection = await NativeConnection.connect({ address })
  return {
    client: new Client({ connection, namespace: "default" }),
    nativeConnection,
    close: async () => {
      await connection.close()
      await nativeConnection.close()
    }
  }
}

/** Runs `worker` while `body` runs, then shuts it down and waits for it. */
export const withWorker = async <A>(worker: Worker, body: () => Promise<A>): Promise<A> => {
  const running = worker.run()
  try {
    return await body()
  } finally {
    if (worker.getState() === "RUNNING") worker.shutdown()
    await running
  }
}

/** Polls `probe` until it returns a value satisfying `ok`, or fails after `timeoutMs`. */
export const eventually = async <A>(probe: () => Promise<A>, ok: (a: A) => boolean, timeoutMs = 15_000, what = "condition"): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last: A | undefined
  for (;;) {
    last = await probe()
    if (ok(last)) return last
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const repoRoot = resolve(import.meta.dirname, "../../../..")

const hasJava = (): boolean => {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

/**
 * The Java time-skipping server's classpath directory. `.ci/run` fetches it with
 * `mvn dependency:copy-dependencies` into `.tools/temporal-test-server/lib`.
 */
export const timeSkippingServer = (): ServiceLookup => {
  const lib = process.env["TEMPORAL_TEST_SERVER_LIB"] ?? join(repoRoot, ".tools/temporal-test-server/lib")
  if (existsSync(join(lib, "temporal-test-server-1.31.0.jar")) && hasJava()) return { value: lib, skip: false }
  const message = "The Temporal time-skipping test server is not installed. Run `bash .ci/run`, or fetch " +
    "io.temporal:temporal-test-server with `mvn dependency:copy-dependencies -DoutputDirectory=.tools/temporal-test-server/lib` " +
    "(see packages/workflows/README.md) and install a JRE."
  if (isCI) throw new Error(`[CI] ${message}`)
  console.warn(`skipping: ${message}`)
  return { value: undefined, skip: true }
}

/**
 * A wrapper script that `exec`s the Java server (the SDK kills its direct
 * child, so the JVM must replace the shell). Returns the path and a cleanup.
 */
export const timeSkippingExecutable = (lib: string): { path: string; cleanup: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), "temporal-test-server-"))
  const path = join(dir, "temporal-test-server")
  writeFileSync(path, `#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -cp '${lib}/*' io.temporal.testserver.TestServer "$@"\n`)
  chmodSync(path, 0o755)
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}
