/**
 * Finds the external services that integration tests need (Postgres, the
 * Temporal dev server, SIPp/Kamailio, Chromium). `.ci/run` starts them and
 * exports their addresses. In CI a missing service is a failure, never a skip;
 * on a developer machine the test is skipped with a message saying how to get it.
 */
import { existsSync } from "node:fs"
import { execFileSync } from "node:child_process"

export const isCI = process.env["CI"] === "true" || process.env["CI"] === "1"

export interface ServiceLookup {
  /** The address, URL or path; undefined when absent outside CI. */
  readonly value: string | undefined
  /** True when the tests that need it should be skipped (never in CI). */
  readonly skip: boolean
}

const missing = (what: string, howTo: string): ServiceLookup => {
  const message = `${what} is not available. ${howTo}`
  if (isCI) throw new Error(`[CI] ${message}`)
  console.warn(`skipping: ${message}`)
  return { value: undefined, skip: true }
}

const fromEnv = (variable: string, what: string, howTo: string): ServiceLookup => {
  const value = process.env[variable]
  return value ? { value, skip: false } : missing(what, howTo)
}

export const postgres = (): ServiceLookup =>
  fromEnv("DATABASE_URL", "Postgres (DATABASE_URL)",
    "Run `bash .ci/run`, or start Postgres and export DATABASE_URL=postgres://user@127.0.0.1:5432/db.")

export const temporal = (): ServiceLookup =>
  fromEnv("TEMPORAL_ADDRESS", "The Temporal dev server (TEMPORAL_ADDRESS)",
    "Run `bash .ci/run`, or build the CLI with `CGO_ENABLED=0 GOBIN=$PWD/.tools/bin go install github.com/temporalio/cli/cmd/temporal@v1.5.1`, start `.tools/bin/temporal server start-dev --headless` and export TEMPORAL_ADDRESS=127.0.0.1:7233.")

export const temporalCli = (): ServiceLookup => {
  const path = process.env["TEMPORAL_CLI_PATH"] ?? ".tools/bin/temporal"
  return existsSync(path) ? { value: path, skip: false }
    : missing("The Temporal CLI binary", "Build it with `CGO_ENABLED=0 GOBIN=$PWD/.tools/bin go install github.com/temporalio/cli/cmd/temporal@v1.5.1`.")
}

const binary = (name: string, what: string, howTo: string): ServiceLookup => {
  try {
    const path = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim()
    if (path) return { value: path, skip: false }
  } catch { /* not on PATH */ }
  return missing(what, howTo)
}

export const sipp = (): ServiceLookup => binary("sipp", "SIPp", "Install it with `apt-get install -y sip-tester`.")
export const kamailio = (): ServiceLookup =>
  binary("kamailio", "Kamailio", "Install it with `apt-get install -y kamailio kamailio-websocket-modules`.")

export const chromium = (): ServiceLookup => {
  const path = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"
  return existsSync(path) ? { value: path, skip: false }
    : missing("Chromium", "Install it with `apt-get install -y chromium` or export CHROMIUM_PATH.")
}
