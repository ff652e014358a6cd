/**
 * The served OpenAPI document is enough to build a working client: types are
 * generated from `/openapi.json` with openapi-typescript, a small client
 * module written against those types (openapi-fetch) is type-checked with the
 * TypeScript compiler API and emitted, and then that module creates a
 * contact, a campaign, enrols the contact and starts the campaign on the real
 * server (fresh Postgres database) whose start goes through the campaign
 * workflow on the Temporal dev server. Nothing here uses the Effect contract.
 */
import { postgres, temporal } from "@autodialer/testkit"
import { Client, Connection } from "@temporalio/client"
import { Context } from "@temporalio/activity"
import { NativeConnection, type Worker } from "@temporalio/worker"
import { Queries, campaignWorkflowId } from "@autodialer/workflows/Names"
import { createCampaignWorker } from "@autodialer/workflows/Worker"
import type { CampaignActivities } from "@autodialer/workflows/CampaignActivities"
import openapiTS, { astToString } from "openapi-typescript"
import ts from "typescript"
import { randomUUID } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CampaignControl } from "../src/CampaignControl.ts"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()
const tp = temporal()

// The lifecycle is the point here, not dialing: the session activity only heartbeats until cancelled.
const idleActivities: CampaignActivities = {
  async runDialingSession() {
    const ctx = Context.current()
    for (;;) {
      ctx.heartbeat()
      const cancelled = await Promise.race([ctx.cancelled.then(() => false, () => true), new Promise<false>((r) => setTimeout(() => r(false), 200))])
      if (cancelled) break
    }
    return { outcome: "cancelled", dialsPlaced: 0, callsFinished: 0, contactsRemaining: 1, abandon: { liveAnswers: 0, abandoned: 0 } }
  }
}

/**
 * A user's client, written only against the generated `paths`. The
 * `@ts-expect-error` lines prove the generated types are precise: if they
 * were `any`, the directive itself would be reported as unused.
 */
const clientSource = `
import createClient from "openapi-fetch"
import type { paths } from "./api.js"

export const createAndStart = async (baseUrl: string, token: string) => {
  const client = createClient<paths>({ baseUrl, headers: { authorization: "Bearer " + token } })
  const contact = await client.POST("/contacts", { body: { phone: "+14155550123", firstName: "Ada", lastName: "Lovelace" } })
  if (contact.data === undefined) return { step: "contact", status: contact.response.status, error: contact.error }
  const campaign = await client.POST("/campaigns", {
    body: { name: "Generated-client campaign", mode: "progressive", windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:59" }] }
  })
  if (campaign.data === undefined) return { step: "campaign", status: campaign.response.status, error: campaign.error }
  const id: string = campaign.data.id
  const enrol = await client.POST("/campaigns/{id}/contacts", { params: { path: { id } }, body: { contactIds: [contact.data.id] } })
  if (enrol.data === undefined) return { step: "enrol", status: enrol.response.status, error: enrol.error }
  const enrolled: number = enrol.data.enrolled
  const started = await client.POST("/campaigns/{id}/start", { params: { path: { id } } })
  if (started.data === undefined) return { step: "start", status: started.response.status, error: started.error }
  return {
    step: "done",
    contactId: contact.data.id,
    campaignId: id,
    createdStatus: campaign.response.status,
    statusAfterCreate: campaign.data.status,
    enrolled,
    startStatus: started.response.status,
    statusAfterStart: started.data.status
  }
}

export const misuse = (client: ReturnType<typeof createClient<paths>>) => {
  // @ts-expect-error: the document names the campaign modes; this is not one of them
  void client.POST("/campaigns", { body: { name: "x", mode: "not-a-mode" } })
  // @ts-expect-error: start needs the campaign id in its path
  void client.POST("/campaigns/{id}/start", {})
  // @ts-expect-error: no such path in the document
  void client.GET("/campaignz")
}
`

/** Type-checks `file` against the generated types and emits JavaScript next to it; returns the diagnostics. */
const compile = (file: string): ReadonlyArray<string> => {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    types: [],
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"]
  })
  const emitted = program.emit()
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) =>
    `${d.file?.fileName ?? ""}:${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)
}

describe.skipIf(pg.skip || tp.skip)("a client generated from /openapi.json", () => {
  let server: TestServer
  let worker: Worker
  let running: Promise<void>
  let temporalClient: Client
  let key: string
  let generated = ""
  const taskQueue = `server-openapi-${randomUUID().slice(0, 8)}`
  // Under node_modules so the emitted module resolves openapi-fetch like a user's project would; ignored by git, tsc and eslint.
  const base = resolve("packages/server/node_modules/.cache")
  mkdirSync(base, { recursive: true })
  const workDir = mkdtempSync(join(base, "openapi-client-"))

  beforeAll(async () => {
    const connection = await Connection.connect({ address: tp.value! })
    temporalClient = new Client({ connection })
    const native = await NativeConnection.connect({ address: tp.value! })
    worker = await createCampaignWorker({ connection: native, taskQueue, activities: idleActivities })
    running = worker.run()
    server = await start({ databaseUrl: pg.value!, label: "server_openapi_client", control: CampaignControl.layerTemporal({ connection, taskQueue }) })
    key = (await server.provision("openapi-co")).apiKey
  }, 90_000)
  afterAll(async () => {
    await server?.close()
    worker?.shutdown()
    await running
    rmSync(workDir, { recursive: true, force: true })
  })

  it("generates TypeScript types from the served document", async () => {
    const response = await fetch(`${server.url}/openapi.json`)
    expect(response.status).toBe(200)
    const document = await response.json() as { openapi: string; paths: Record<string, unknown> }
    expect(document.openapi).toMatch(/^3\./)
    generated = astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]))
    expect(generated).toContain("export interface paths")
    for (const path of ["/campaigns", "/campaigns/{id}", "/campaigns/{id}/contacts", "/campaigns/{id}/start", "/contacts"]) {
      expect(generated).toContain(`"${path}": {`)
    }
    writeFileSync(join(workDir, "api.d.ts"), generated)
    writeFileSync(join(workDir, "package.json"), JSON.stringify({ type: "module" }))
  }, 30_000)

  it("type-checks a client written against the generated types", () => {
    expect(generated).not.toBe("")
    const file = join(workDir, "client.ts")
    writeFileSync(file, clientSource)
    expect(compile(file)).toEqual([])
  }, 60_000)

  it("creates a campaign, enrols a contact and starts it through that client", async () => {
    const { createAndStart } = await import(/* @vite-ignore */ pathToFileURL(join(workDir, "client.js")).href) as {
      createAndStart: (baseUrl: string, token: string) => Promise<Record<string, unknown>>
    }
    const result = await createAndStart(server.url, key)
    expect(result, JSON.stringify(result)).toMatchObject({
      step: "done", createdStatus: 201, statusAfterCreate: "draft", enrolled: 1, startStatus: 200, statusAfterStart: "running"
    })
    const campaignId = result["campaignId"] as string

    // The resulting state, read back through the API and from the workflow itself.
    const asAdmin = api(server.url, key)
    const read = await asAdmin("GET", `/campaigns/${campaignId}`)
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ id: campaignId, status: "running" })
    const stats = await asAdmin("GET", `/campaigns/${campaignId}/stats`)
    expect(stats.status).toBe(200)
    expect(stats.body.status).toBe("running")
    expect(stats.body.queue.pending + stats.body.queue.inProgress + stats.body.queue.done).toBe(1)
    const handle = temporalClient.workflow.getHandle(campaignWorkflowId(campaignId))
    expect((await handle.query(Queries.status)).lifecycle).toBe("running")

    // Leave nothing running on the shared Temporal server.
    const stopped = await asAdmin("POST", `/campaigns/${campaignId}/stop`, { reason: "test over" })
    expect(stopped.status).toBe(200)
    expect((await handle.query(Queries.status)).lifecycle).toBe("stopped")
  }, 60_000)
})
