/**
 * API fuzzing with schemathesis (PyPI) against the served OpenAPI document:
 * every operation with generated inputs, checking for no 5xx, status codes
 * the document declares, and bodies that match the declared schemas.
 *
 * The binary is SCHEMATHESIS_BIN, or `.tools/schemathesis/bin/st`. `.ci/run`
 * installs a pinned version there once per machine and exports
 * SCHEMATHESIS_BIN, so in CI a missing binary is a failure (the testkit rule),
 * never a skip. On a developer machine the test is skipped with the command
 * that installs it.
 *
 * The CRM endpoints are fuzzed against a real `CrmSyncControl` on the
 * Temporal dev server (their schedules target a task queue no worker polls,
 * and are deleted afterwards); without Temporal they can only answer 503, so
 * they are left out of the run.
 */
import { makeKey } from "@autodialer/domain/Secrets"
import { isCI, postgres, temporal } from "@autodialer/testkit"
import { crmSyncScheduleId, crmSyncWorkflowId } from "@autodialer/workflows/Schedules"
import { Client, Connection } from "@temporalio/client"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { execFile } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CrmIntegration } from "../src/CrmIntegration.ts"
import { start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()
const tp = temporal()
const installHint = "`python3 -m venv .tools/schemathesis && .tools/schemathesis/bin/pip install schemathesis==4.32.5` (bash .ci/run does this)"
const findSchemathesis = (): string | undefined => {
  const configured = process.env["SCHEMATHESIS_BIN"]
  if (configured !== undefined && configured !== "") {
    if (existsSync(configured)) return configured
    // A configured path that does not exist is a broken setup, not an absent tool.
    throw new Error(`SCHEMATHESIS_BIN=${configured} does not exist; install it with ${installHint}`)
  }
  const local = resolve(".tools/schemathesis/bin/st")
  if (existsSync(local)) return local
  if (isCI) throw new Error(`[CI] schemathesis is not installed (no SCHEMATHESIS_BIN, no .tools/schemathesis/bin/st). Install it with ${installHint}`)
  console.warn(`skipping schemathesis: install it with ${installHint}`)
  return undefined
}
const st = findSchemathesis()

describe.skipIf(pg.skip || st === undefined)("schemathesis against /openapi.json", () => {
  let server: TestServer
  let key: string
  // schemathesis writes its cassettes/reports under the working directory: keep them out of the checkout.
  const workDir = mkdtempSync(join(tmpdir(), "autodialer-schemathesis-"))

  let client: Client | undefined

  beforeAll(async () => {
    client = tp.skip ? undefined : new Client({ connection: await Connection.connect({ address: tp.value! }) })
    const keyring = { current: await Effect.runPromise(makeKey("fuzz", randomBytes(32).toString("base64"))), previous: [] }
    server = await start({
      databaseUrl: pg.value!, label: "server_fuzz",
      ...(client === undefined ? {} : { crm: CrmIntegration.layer({ client, keyring, taskQueue: `test-fuzz-crm-${randomUUID().slice(0, 8)}` }) })
    })
    key = (await server.provision("fuzz")).apiKey
  }, 60_000)
  afterAll(async () => {
    if (client !== undefined && server !== undefined) {
      // The fuzzed connections' schedules and triggered runs must not outlive the test on the shared server.
      const ids = await server.run(Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly id: string }>`SELECT id FROM crm_connections`))
      for (const { id } of ids) {
        await client.schedule.getHandle(crmSyncScheduleId(id)).delete().catch(() => undefined)
        await client.workflow.getHandle(crmSyncWorkflowId(id)).terminate("fuzz test done").catch(() => undefined)
      }
      await client.connection.close()
    }
    await server?.close()
    rmSync(workDir, { recursive: true, force: true })
  })

  it("finds no server errors and no responses outside the document", async () => {
    const output = await new Promise<{ code: number; text: string }>((done) => {
      execFile(st!, [
        "run", `${server.url}/openapi.json`, "-H", `Authorization: Bearer ${key}`,
        // No 5xx, only documented status codes, documented content types, bodies matching the schemas.
        "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        // Bounded: a few examples per operation, one worker, fixed seed; < 60 s on a busy 2-core machine.
        "-n", "5", "--phases", "fuzzing", "-w", "1", "--seed", "20261125",
        "--request-timeout", "10",
        // Revoking the key under test would turn the rest of the run into 401s.
        "--exclude-path", "/api-keys/{id}",
        ...(client === undefined ? ["--exclude-path-regex", "^/crm/"] : [])
      ], { cwd: workDir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, text: `${stdout}\n${stderr}` }))
    })
    // It really exercised the API: a run that generated nothing would pass trivially.
    expect(output.text).toMatch(/generated/)
    expect(output.text).not.toMatch(/No operations/i)
    expect(output.code, output.text.slice(-4000)).toBe(0)
  }, 150_000)
})
