/**
 * The CRM endpoints end to end, through the server as `autodialer serve`
 * boots it (App.start with DATABASE_URL, TEMPORAL_ADDRESS and
 * AUTODIALER_SECRET_KEY): real Postgres (a database of its own), the Temporal
 * dev server running the integrations worker, and the HubSpot loopback fake.
 * Connect stores the credentials sealed (the table is read to prove it), a
 * sync pulls the fake's contacts, the sync log pages with a keyset cursor, an
 * agent may not connect (403), and another organization sees nothing (404).
 * Pause and resume reach the connection's Temporal schedule, for managers of
 * the connection's own organization only, through the API and the CLI.
 */
import { PgClient } from "@effect/sql-pg"
import { Database, Tenancy } from "@autodialer/domain"
import { postgres, temporal } from "@autodialer/testkit"
import { Client, Connection } from "@temporalio/client"
import { Effect, Exit, ManagedRuntime, Option, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql"
import { Reactivity } from "effect/reactivity"
import { execFile } from "node:child_process"
import { randomBytes, randomUUID } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as App from "../src/App.ts"
import * as Provisioning from "../src/Provisioning.ts"
import type { ServerConfig } from "../src/ServerConfig.ts"
import { api } from "./support/TestServer.ts"

interface FakeHubSpot {
  readonly url: string
  readonly close: () => Promise<void>
  readonly state: { accessToken: string }
}
const fakesDir = new URL("../../crm-sync/test/fakes/", import.meta.url)
const { startFakeHubSpot } = (await import(new URL("FakeHubSpot.ts", fakesDir).href)) as { readonly startFakeHubSpot: () => Promise<FakeHubSpot> }
const { seedContacts } = (await import(new URL("Loopback.ts", fakesDir).href)) as { readonly seedContacts: (state: FakeHubSpot["state"]) => void }

const pg = postgres()
const tp = temporal()
const TOKEN = "pat-na1-SERVER-CRM-41c2e0-token"

const admin = (url: string, statement: string) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const client = yield* PgClient.make({ url: Redacted.make(url), maxConnections: 1 })
    yield* client.unsafe(statement)
  })).pipe(Effect.provide(Reactivity.layer)))

const cliMain = new URL("../src/cli/main.ts", import.meta.url).pathname

/** Runs the `autodialer` CLI in a child process; resolves with its exit code and output. */
const cli = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number; out: string }>((done) => {
    execFile(process.execPath, ["--conditions=@autodialer/source", cliMain, ...args], { timeout: 30_000, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, out: `${stdout}${stderr}` }))
  })

const eventually = async <A>(f: () => Promise<A>, ok: (a: A) => boolean, ms: number, what: string): Promise<A> => {
  const deadline = Date.now() + ms
  let last = await f()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 250))
    last = await f()
  }
  return last
}

describe.skipIf(pg.skip || tp.skip)("CRM endpoints (Postgres, Temporal dev server, HubSpot fake)", () => {
  const dbName = `t_server_crm_${randomBytes(4).toString("hex")}`
  const dataDir = mkdtempSync(join(tmpdir(), "autodialer-crm-"))
  const scope = Effect.runSync(Scope.make())
  let url = ""
  let dbUrl = ""
  let fake: FakeHubSpot
  let db: ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown>
  let client: Client

  beforeAll(async () => {
    const u = new URL(pg.value!)
    u.pathname = `/${dbName}`
    dbUrl = u.toString()
    await admin(pg.value!, `CREATE DATABASE ${dbName}`)
    fake = await startFakeHubSpot()
    seedContacts(fake.state)
    fake.state.accessToken = TOKEN
    const config: ServerConfig = {
      port: 0, host: "127.0.0.1", publicUrl: "http://127.0.0.1", databaseUrl: Option.some(Redacted.make(dbUrl)), dataDir,
      secretKey: Option.some(Redacted.make(randomBytes(32).toString("base64"))),
      temporalAddress: Option.some(tp.value!), temporalNamespace: "default", temporalCliPath: Option.none(),
      twilioAccountSid: Option.none(), twilioAuthToken: Option.none(), plivoAuthToken: Option.none(), webDir: "/nonexistent"
    }
    const started = await Effect.runPromise(Scope.provide(App.start(config, "serve", {
      taskQueue: `test-crm-campaign-${randomUUID().slice(0, 8)}`,
      integrationsTaskQueue: `test-crm-${randomUUID().slice(0, 8)}`,
      crmSettings: () => ({ hubspotBaseUrl: fake.url })
    }), scope))
    url = started.url
    db = ManagedRuntime.make(Database.layerPg(Redacted.make(dbUrl), { maxConnections: 2 }))
    client = new Client({ connection: await Connection.connect({ address: tp.value! }) })
  }, 90_000)

  afterAll(async () => {
    await client?.connection.close()
    await db?.dispose()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await fake?.close()
    await admin(pg.value!, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
    rmSync(dataDir, { recursive: true, force: true })
  }, 60_000)

  it("connects (credentials sealed), syncs contacts from HubSpot, pages the sync log, checks roles and tenants", async () => {
    const org = await db.runPromise(Provisioning.createOrganization({ name: "CRM Co", slug: "crm-co", admin: { email: "admin@crm.test", fullName: "Admin" } }))
    const agent = await db.runPromise(Provisioning.addUser(org.orgId, { email: "agent@crm.test", fullName: "Agent", role: "agent" }))
    const other = await db.runPromise(Provisioning.createOrganization({ name: "Other Co", slug: "other-co", admin: { email: "admin@other.test", fullName: "Other" } }))
    const asAdmin = api(url, org.apiKey)
    const asAgent = api(url, agent.apiKey)
    const asOther = api(url, other.apiKey)
    const body = { crmType: "hubspot", name: "HubSpot", externalAccountId: "portal-7", credentials: { accessToken: TOKEN }, every: "1 hour" }

    // An agent may not connect a CRM, and a bad credential set is refused naming the key, never echoing the value.
    const refused = await asAgent("POST", "/crm/connections", body)
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ _tag: "Forbidden", requiredRole: "manager" })
    const invalid = await asAdmin("POST", "/crm/connections", { ...body, credentials: { refreshToken: "r-SECRET-77" } })
    expect(invalid.status).toBe(400)
    expect(invalid.body).toMatchObject({ _tag: "InvalidRequest", field: "credentials.accessToken" })
    expect(invalid.text).not.toContain("r-SECRET-77")

    const connected = await asAdmin("POST", "/crm/connections", body)
    expect(connected.status).toBe(201)
    expect(connected.body).toMatchObject({ crmType: "hubspot", name: "HubSpot", externalAccountId: "portal-7", status: "active" })
    expect(connected.text).not.toContain(TOKEN)
    const id = connected.body.id as string
    expect((await asAdmin("POST", "/crm/connections", body)).status).toBe(409)

    // Stored sealed: the row holds an AES-GCM envelope, not the token.
    const stored = await db.runPromise(Tenancy.withSystem(SqlClient.SqlClient.pipe(Effect.flatMap((sql) =>
      sql<{ readonly credentialsEncrypted: string }>`SELECT credentials_encrypted FROM crm_connections WHERE id = ${id}`))))
    expect(stored).toHaveLength(1)
    expect(stored[0]!.credentialsEncrypted).toMatch(/^v1\.default\./)
    expect(stored[0]!.credentialsEncrypted).not.toContain(TOKEN)
    expect(stored[0]!.credentialsEncrypted).not.toContain(Buffer.from(TOKEN).toString("base64"))

    // Sync now: the integrations worker pulls the fake's five contacts and logs it.
    const synced = await asAdmin("POST", `/crm/connections/${id}/sync`)
    expect(synced.status).toBe(200)
    const logs = await eventually(
      () => asAdmin("GET", `/crm/connections/${id}/logs?status=success`),
      (r) => r.status === 200 && (r.body.items as Array<{ action: string }>).some((l) => l.action === "pull"),
      30_000, "the pull to be logged"
    )
    expect(logs.body.items.find((l: { action: string }) => l.action === "pull").message).toBe("5 contacts pulled (5 new), 0 rejected; caught up")
    const contacts = await asAdmin("GET", "/contacts?limit=50")
    expect(contacts.status).toBe(200)
    expect((contacts.body.items as Array<{ firstName: string }>).map((c) => c.firstName).sort()).toEqual(["Ana", "Bo", "Cy", "Di", "Ed"])
    expect((await asAdmin("GET", "/crm/connections")).body[0]).toMatchObject({ id, status: "active" })
    expect((await asAdmin("GET", "/crm/connections")).body[0].lastSyncedAt).not.toBeNull()

    // Keyset pagination over the log: pages of one, no entry twice, the last page has no cursor.
    const all = (await asAdmin("GET", `/crm/connections/${id}/logs?limit=500`)).body.items as Array<{ id: string }>
    expect(all.length).toBeGreaterThanOrEqual(1)
    const seen: Array<string> = []
    let cursor: string | null = null
    do {
      const page: { status: number; body: { items: Array<{ id: string }>; nextCursor: string | null } } =
        await asAgent("GET", `/crm/connections/${id}/logs?limit=1${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`)
      expect(page.status).toBe(200)
      expect(page.body.items.length).toBeLessThanOrEqual(1)
      seen.push(...page.body.items.map((l) => l.id))
      cursor = page.body.nextCursor
    } while (cursor !== null && seen.length <= all.length)
    expect(seen).toEqual(all.map((l) => l.id))
    expect((await asAdmin("GET", `/crm/connections/${id}/logs?cursor=not-a-cursor`)).status).toBe(400)
    expect(JSON.stringify(all)).not.toContain(TOKEN)

    // Another organization: the connection does not exist for it.
    expect((await asOther("GET", "/crm/connections")).body).toEqual([])
    for (const [method, path] of [["GET", `/crm/connections/${id}/logs`], ["POST", `/crm/connections/${id}/sync`], ["DELETE", `/crm/connections/${id}`]] as const) {
      const r = await asOther(method, path)
      expect(r.status, `${method} ${path}`).toBe(404)
      expect(r.body).toMatchObject({ _tag: "NotFound" })
    }
    expect((await asAgent("POST", `/crm/connections/${id}/sync`)).status).toBe(403)
    expect((await asAgent("DELETE", `/crm/connections/${id}`)).status).toBe(403)

    // The CLI speaks to the same endpoints.
    const flags = ["--url", url, "--token", org.apiKey]
    const listed = await cli(["crm", "list", ...flags])
    expect(listed.code, listed.out).toBe(0)
    expect(listed.out).toContain(`${id}  hubspot`)
    const logged = await cli(["crm", "logs", id, "--status", "success", "--limit", "1", ...flags])
    expect(logged.code, logged.out).toBe(0)
    expect(logged.out).toMatch(/success +pull/)
    const resynced = await cli(["crm", "sync", id, ...flags])
    expect(resynced.code, resynced.out).toBe(0)
    expect(resynced.out).toContain(`autodialer crm logs ${id}`)
    const credentialsFile = join(dataDir, "creds.json")
    writeFileSync(credentialsFile, JSON.stringify({ refreshToken: "r-CLI-SECRET-5" }))
    const badConnect = await cli(["crm", "connect", "--type", "hubspot", "--name", "Second", "--credentials-file", credentialsFile, ...flags])
    expect(badConnect.code).not.toBe(0)
    expect(badConnect.out).toContain("HTTP 400")
    expect(badConnect.out).toContain("credentials.accessToken")
    expect(badConnect.out).not.toContain("r-CLI-SECRET-5")
    const agentConnect = await cli(["crm", "connect", "--type", "hubspot", "--name", "Second", "--credentials-file", credentialsFile, "--url", url, "--token", agent.apiKey])
    expect(agentConnect.out).toContain("HTTP 403")

    // Disconnect: revoked, its schedule gone, a sync now refused.
    expect((await asAdmin("DELETE", `/crm/connections/${id}`)).status).toBe(204)
    expect((await asAdmin("GET", "/crm/connections")).body[0]).toMatchObject({ id, status: "revoked" })
    await expect(client.schedule.getHandle(connected.body.scheduleId).describe()).rejects.toThrow()
    expect((await asAdmin("POST", `/crm/connections/${id}/sync`)).body).toMatchObject({ _tag: "InvalidRequest", field: "connectionId" })
  }, 120_000)

  it("pauses and resumes a connection's scheduled syncs (manager only, own organization only), through the API and the CLI", async () => {
    const org = await db.runPromise(Provisioning.createOrganization({ name: "Pause Co", slug: "pause-co", admin: { email: "admin@pause.test", fullName: "Admin" } }))
    const manager = await db.runPromise(Provisioning.addUser(org.orgId, { email: "manager@pause.test", fullName: "Manager", role: "manager" }))
    const agent = await db.runPromise(Provisioning.addUser(org.orgId, { email: "agent@pause.test", fullName: "Agent", role: "agent" }))
    const other = await db.runPromise(Provisioning.createOrganization({ name: "Rival Co", slug: "rival-co", admin: { email: "admin@rival.test", fullName: "Rival" } }))
    const asAdmin = api(url, org.apiKey)
    const asManager = api(url, manager.apiKey)
    const asAgent = api(url, agent.apiKey)
    const asOther = api(url, other.apiKey)
    const connected = await asAdmin("POST", "/crm/connections", {
      crmType: "hubspot", name: "HubSpot EU", externalAccountId: "portal-pause", credentials: { accessToken: TOKEN }, every: "1 hour"
    })
    expect(connected.status).toBe(201)
    const id = connected.body.id as string
    const schedule = client.schedule.getHandle(connected.body.scheduleId as string)
    const paused = async () => (await schedule.describe()).state.paused

    // An agent may not pause or resume; another organization does not see the connection at all.
    for (const action of ["pause", "resume"] as const) {
      const r = await asAgent("POST", `/crm/connections/${id}/${action}`)
      expect(r.status, `agent ${action}`).toBe(403)
      expect(r.body).toMatchObject({ _tag: "Forbidden", requiredRole: "manager" })
      const foreign = await asOther("POST", `/crm/connections/${id}/${action}`)
      expect(foreign.status, `other org ${action}`).toBe(404)
      expect(foreign.body).toMatchObject({ _tag: "NotFound" })
    }
    expect((await asAdmin("POST", `/crm/connections/${randomUUID()}/pause`)).status).toBe(404)
    expect(await paused()).toBe(false)
    expect((await asAdmin("GET", "/crm/connections")).body.find((c: { id: string }) => c.id === id)).toMatchObject({ status: "active" })

    // A manager pauses: the Temporal schedule is paused and the connection says so; "sync now" is refused.
    const pausedResponse = await asManager("POST", `/crm/connections/${id}/pause`)
    expect(pausedResponse.status).toBe(200)
    expect(pausedResponse.body).toMatchObject({ id, status: "paused" })
    expect(await paused()).toBe(true)
    expect((await schedule.describe()).state.note).toBe("paused by a user")
    const refusedSync = await asAdmin("POST", `/crm/connections/${id}/sync`)
    expect(refusedSync.status).toBe(400)
    expect(refusedSync.body).toMatchObject({ _tag: "InvalidRequest", field: "connectionId" })
    expect(refusedSync.body.message).toContain("resume it first")
    // Pausing twice is harmless.
    expect((await asAdmin("POST", `/crm/connections/${id}/pause`)).body).toMatchObject({ status: "paused" })
    // The other organization's requests changed nothing.
    expect((await asOther("POST", `/crm/connections/${id}/resume`)).status).toBe(404)
    expect(await paused()).toBe(true)

    // Resume: the schedule runs again, and a sync now is accepted and pulls.
    const resumed = await asManager("POST", `/crm/connections/${id}/resume`)
    expect(resumed.status).toBe(200)
    expect(resumed.body).toMatchObject({ id, status: "active" })
    expect(await paused()).toBe(false)
    expect((await asAdmin("POST", `/crm/connections/${id}/sync`)).status).toBe(200)
    await eventually(
      () => asAdmin("GET", `/crm/connections/${id}/logs?status=success`),
      (r) => r.status === 200 && (r.body.items as Array<{ action: string }>).some((l) => l.action === "pull"),
      30_000, "the pull after resume to be logged"
    )

    // Temporal lost the schedule (deleted by an operator): resume recreates it, unpaused.
    await schedule.delete()
    expect((await asAdmin("POST", `/crm/connections/${id}/resume`)).status).toBe(200)
    expect(await paused()).toBe(false)

    // The CLI speaks to the same endpoints; an agent's CLI gets the 403.
    const flags = ["--url", url, "--token", org.apiKey]
    const cliPause = await cli(["crm", "pause", id, ...flags])
    expect(cliPause.code, cliPause.out).toBe(0)
    expect(cliPause.out).toContain(`autodialer crm resume ${id}`)
    expect(await paused()).toBe(true)
    expect((await cli(["crm", "list", ...flags])).out).toContain(`${id}  hubspot    paused`)
    const agentResume = await cli(["crm", "resume", id, "--url", url, "--token", agent.apiKey])
    expect(agentResume.code).not.toBe(0)
    expect(agentResume.out).toContain("HTTP 403")
    expect(await paused()).toBe(true)
    const cliResume = await cli(["crm", "resume", id, ...flags])
    expect(cliResume.code, cliResume.out).toBe(0)
    expect(await paused()).toBe(false)

    // A disconnected connection cannot be paused or resumed: it has to be connected again.
    expect((await asAdmin("DELETE", `/crm/connections/${id}`)).status).toBe(204)
    const afterDisconnect = await asAdmin("POST", `/crm/connections/${id}/resume`)
    expect(afterDisconnect.status).toBe(400)
    expect(afterDisconnect.body).toMatchObject({ _tag: "InvalidRequest", field: "connectionId" })
    await expect(schedule.describe()).rejects.toThrow()
  }, 120_000)
})
