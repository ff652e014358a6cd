/**
 * The done-when of CRM sync, end to end on the real Temporal dev server and
 * Postgres, against the HubSpot loopback fake of `@autodialer/crm-sync`
 * (HubSpot's documented wire format). CRM runs are started by a real
 * Temporal Schedule; the calls come from the real campaign workflow.
 *
 * 1. A scheduled run pulls the contacts (refreshing an expired token) into
 *    `contacts`; the DNC contact arrives as do_not_call and on the DNC list.
 * 2. A campaign over the pulled contacts (plus one contact no CRM knows) runs
 *    to the end: the campaign workflow with the real dialing-session activity,
 *    the simulated carrier and simulated agents (the session test rig,
 *    support/SessionHarness.ts). The DNC contact is never dialled.
 * 3. The next run pushes each finished call to the HubSpot contact it was
 *    dialled from (the id the pull stored, never a phone lookup). The first
 *    batch's HTTP response is lost on the way back (HubSpot created the
 *    calls), so the push activity fails and Temporal retries it: the retry
 *    finds those calls by idempotency key and logs them as duplicates in
 *    `crm_sync_logs`. A further run pushes nothing. Every call is in HubSpot
 *    exactly once, with its agent's HubSpot owner.
 * 4. A follow-up campaign, then two sync runs at once with HubSpot's search
 *    lagging its writes: one pushes, the other finds the connection busy.
 * 5. The analytics ETL over the campaigns' calls equals a direct SQL
 *    aggregate over `calls`.
 * 6. Credentials: with the refresh token revoked the run fails as
 *    `CrmConnectionUnusable`; no credential appears in the failure, the
 *    workflow histories, the captured logs, or any table.
 */
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as http from "node:http"
import { fileURLToPath } from "node:url"
import type { AddressInfo } from "node:net"
import { CallQueueRepo } from "@autodialer/domain/CallQueueRepo"
import { CampaignRepo } from "@autodialer/domain/CampaignRepo"
import { ContactRepo } from "@autodialer/domain/ContactRepo"
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { DialingSessionRepo } from "@autodialer/domain/DialingSessionRepo"
import { DncRepo } from "@autodialer/domain/DncRepo"
import type { Contact } from "@autodialer/domain/Contact"
import type { CampaignId, CrmConnectionId, OrganizationId, UserId } from "@autodialer/domain/Ids"
import type { IanaTimeZone } from "@autodialer/domain/TimeZone"
import { UserRepo } from "@autodialer/domain/UserRepo"
import { withSystem } from "@autodialer/domain/Tenancy"
import { postgres, temporal, temporalCli } from "@autodialer/testkit"
import { ActivityFailure, ApplicationFailure, type Client, WorkflowFailedError } from "@temporalio/client"
import { Worker } from "@temporalio/worker"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { createAnalyticsEtlActivities } from "../src/activities/AnalyticsEtlActivities.ts"
import { createCrmSyncActivities } from "../src/activities/CrmSyncActivities.ts"
import { createIntegrationsWorker } from "../src/IntegrationsWorker.ts"
import { crmSyncScheduleId, deleteCrmSyncSchedule, triggerCrmSync, upsertCrmSyncSchedule } from "../src/Schedules.ts"
import type { AnalyticsEtlWorkflowResult } from "../src/workflows/AnalyticsEtlWorkflow.ts"
import type { CrmSyncWorkflowResult } from "../src/workflows/CrmSyncWorkflow.ts"
import { rollupChecks } from "./AnalyticsEtlSupport.ts"
import { type Run, createOrganization, localContact, makeRuntimeOn, newAgent, newCampaign } from "./CrmSyncSupport.ts"
import { type Seeded, query } from "./support/Campaign.ts"
import { fastCarrier } from "./support/Carrier.ts"
import { middayZone } from "./support/Config.ts"
import { type TestDatabase, createTestDatabase } from "./support/Database.ts"
import * as Rig from "./support/SessionHarness.ts"
import { type TemporalHandles, connectTemporal, eventually, sharedBundle, uniqueTaskQueue, withWorker } from "./support/Temporal.ts"

// The HubSpot loopback fake of @autodialer/crm-sync's contract suite, loaded at run time: it
// belongs to that package's tests, so it is not part of this project's build.
const fakesDir = new URL("../../crm-sync/test/fakes/", import.meta.url)
interface FakeHubSpot {
  readonly url: string
  readonly control: { searchLag: boolean }
  readonly close: () => Promise<void>
  readonly state: {
    accessToken: string
    refreshToken: string
    refreshes: number
    readonly contacts: Array<{ readonly id: string; company: string | null; phone: string | null; modifiedAt: number }>
    readonly calls: ReadonlyArray<{ readonly id: string; readonly key: string; readonly contactId: string; readonly fields: Record<string, unknown> }>
    expireAccessToken(): void
    revokeRefreshToken(): void
  }
}
const { CLIENT, startFakeHubSpot } = (await import(new URL("FakeHubSpot.ts", fakesDir).href)) as {
  readonly CLIENT: { readonly clientId: string; readonly clientSecret: string }
  readonly startFakeHubSpot: () => Promise<FakeHubSpot>
}
const { seedContacts } = (await import(new URL("Loopback.ts", fakesDir).href)) as { readonly seedContacts: (state: FakeHubSpot["state"]) => void }

const pg = postgres()
const server = temporal()

const ACCESS = "pat-na1-ACCESS-7f3a9c-live-token"
const REFRESH = "hs-refresh-REFRESH-51d0e2-secret"

/** A proxy in front of the fake that, when armed, forwards a batch create and loses its response. */
const startLossyProxy = async (target: string) => {
  const state = { loseNextBatch: false, lost: 0, delayBatchMs: 0 }
  const proxy = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const lose = state.loseNextBatch && req.method === "POST" && (req.url ?? "").startsWith("/crm/v3/objects/calls/batch/create")
      if (lose) state.loseNextBatch = false
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks)
      const isBatch = req.method === "POST" && (req.url ?? "").startsWith("/crm/v3/objects/calls/batch/create")
      new Promise((resolve) => setTimeout(resolve, isBatch ? state.delayBatchMs : 0))
        .then(() => fetch(`${target}${req.url ?? "/"}`, { method: req.method ?? "GET", headers, ...(body === undefined ? {} : { body }) }))
        .then(async (upstream) => {
          const text = await upstream.text()
          if (lose) {
            state.lost++
            res.writeHead(502, { "content-type": "text/plain" })
            res.end("Bad Gateway: upstream connection reset")
            return
          }
          const out: Record<string, string> = {}
          upstream.headers.forEach((v, k) => {
            if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection") out[k] = v
          })
          res.writeHead(upstream.status, out)
          res.end(text)
        })
        .catch((e: unknown) => {
          res.writeHead(500)
          res.end(String(e))
        })
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve))
  const { port } = proxy.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () => new Promise<void>((resolve) => {
      proxy.closeAllConnections()
      proxy.close(() => resolve())
    })
  }
}

/** Triggers the connection's schedule and returns the result of the run it started. */
const runScheduled = async (client: Client, connectionId: string): Promise<CrmSyncWorkflowResult> => {
  const schedule = client.schedule.getHandle(crmSyncScheduleId(connectionId))
  const before = (await schedule.describe()).info.recentActions.length
  await triggerCrmSync(client, connectionId)
  const actions = await eventually(
    async () => (await schedule.describe()).info.recentActions,
    (a) => a.length > before,
    20_000,
    "the schedule to start a run"
  )
  const started = actions[actions.length - 1]!.action.workflow
  return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()
}

/** A finished or abandoned call of a campaign, with the CRM record of the contact it was dialled from. */
interface CampaignCall {
  readonly id: string
  readonly status: string
  readonly outcome: string | null
  readonly contact_id: string
  readonly crm_id: string | null
  readonly agent_crm_user_id: string | null
  readonly talk_duration_seconds: number | null
  readonly ended: boolean
}

/** The calls the campaign workflow wrote, read back from Postgres (plain client: snake_case columns). */
const campaignCalls = (db: TestDatabase, campaignId: string) => query<CampaignCall>(db.layer, `
  SELECT c.id::text, c.status, c.outcome, c.contact_id::text, ct.crm_id, u.crm_user_id AS agent_crm_user_id, c.talk_duration_seconds,
    c.ended_at IS NOT NULL AS ended
  FROM calls c JOIN contacts ct ON ct.id = c.contact_id LEFT JOIN users u ON u.id = c.agent_id
  WHERE c.campaign_id = $1 ORDER BY c.created_at, c.id`, [campaignId])

/** Statuses the outbox pushes (a cancelled dial reached nobody). */
const pushable = (c: CampaignCall) => ["completed", "busy", "no_answer", "failed"].includes(c.status)

describe.skipIf(pg.skip || server.skip)("CRM sync workflow over a simulated campaign (Temporal dev server, Postgres, HubSpot fake)", () => {
  let db: TestDatabase
  let crm: ReturnType<typeof makeRuntimeOn>
  const consoleLines: Array<string> = []
  let t: TemporalHandles

  beforeAll(async () => {
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      const original = console[level].bind(console)
      vi.spyOn(console, level).mockImplementation((...args: Array<unknown>) => {
        consoleLines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "))
        original(...args)
      })
    }
    db = await createTestDatabase(pg.value!, "crm_e2e")
    crm = makeRuntimeOn(db.url)
    t = await connectTemporal(server.value!)
    await Promise.all([sharedBundle(), crm.runtime.context()])
  }, 60_000)
  afterAll(async () => {
    await t?.close()
    await crm?.runtime.dispose()
    await db?.drop()
    vi.restoreAllMocks()
  })

  /**
   * Enrols `contacts` in a new campaign with `agents` assigned (ready), as the campaign API does. Each
   * contact is first placed in the zone where it is about noon now: the engine's legal calling hours
   * (08:00-21:00 in the contact's zone, else the number's) would otherwise hold a +44 or a 415 number
   * back at some hours of the day, and the campaign would wait for its window.
   */
  const newDialingCampaign = (orgId: OrganizationId, name: string, contacts: ReadonlyArray<Contact>, agents: ReadonlyArray<UserId>) =>
    crm.runtime.runPromise(Effect.gen(function*() {
      const zone = middayZone() as IanaTimeZone
      yield* Effect.forEach(contacts, (c) =>
        Effect.flatMap(ContactRepo, (repo) => repo.update(orgId, c.id, { timeZone: zone, timeZoneSource: "user" })))
      const campaign = yield* Effect.flatMap(CampaignRepo, (repo) => repo.create(orgId, newCampaign({ name })))
      const now = new Date()
      yield* Effect.flatMap(CallQueueRepo, (queue) => queue.enqueue(orgId, campaign.id, contacts.map((c) => ({ contactId: c.id })), now))
      yield* Effect.flatMap(DialingSessionRepo, (repo) => repo.assignAgents(orgId, campaign.id, agents, "available", now))
      return { orgId, campaignId: campaign.id as CampaignId, agentIds: agents }
    }))

  /**
   * The session tests' carrier with fewer answering machines, so that over two attempts per contact some
   * call almost surely reaches an agent (about 1 run in 10^5 has none), which the owner check needs.
   */
  const humanCarrier = { profile: { ...fastCarrier.profile, machine: 0.1 } }

  /** Runs the campaign workflow with the real dialing session until the queue is exhausted. */
  const dial = (label: string, seeded: Seeded) =>
    Rig.runCampaign(t, db, label, Rig.makeHarness(db, { carrier: humanCarrier }), Rig.config(), async (handle) => {
      const final = await handle.result()
      expect(final.lifecycle).toBe("completed")
      expect(final.lastSession?.outcome).toBe("exhausted")
    }, seeded)

  it("dials the pulled contacts in a campaign and pushes each call back exactly once, across a retried push and repeated runs; the ETL matches the calls", async () => {
    const run: Run = (effect) => crm.runtime.runPromise(effect)
    const fake = await startFakeHubSpot()
    const proxy = await startLossyProxy(fake.url)
    const taskQueue = uniqueTaskQueue("crm-sync")
    try {
      seedContacts(fake.state)
      fake.state.accessToken = ACCESS
      fake.state.refreshToken = REFRESH
      fake.state.expireAccessToken() // the stored token is stale: the connector must refresh it

      const org = await run(createOrganization("Acme Sales", "America/New_York"))
      const orgId: OrganizationId = org.id
      const connection = await run(Effect.flatMap(CrmConnectionRepo, (repo) =>
        repo.create(orgId, {
          crmType: "hubspot",
          name: "HubSpot",
          externalAccountId: "portal-1",
          instanceUrl: null,
          credentials: JSON.stringify({ accessToken: ACCESS, refreshToken: REFRESH, ...CLIENT })
        })))
      const connectionId: CrmConnectionId = connection.id

      const activities = {
        ...createCrmSyncActivities({ runtime: crm.runtime, settings: () => ({ hubspotBaseUrl: proxy.url }) }),
        ...createAnalyticsEtlActivities({ runtime: crm.runtime })
      }
      const worker = await createIntegrationsWorker({
        connection: t.nativeConnection, taskQueue, activities, workflowBundle: await sharedBundle()
      })

      await withWorker(worker, async () => {
        expect(await upsertCrmSyncSchedule(t.client, { orgId, connectionId, every: "1 hour", taskQueue })).toBe("created")
        // A second upsert (new cadence) updates the same schedule.
        expect(await upsertCrmSyncSchedule(t.client, { orgId, connectionId, every: "2 hours", taskQueue, pushBatchSize: 3 })).toBe("updated")
        const described = await t.client.schedule.getHandle(crmSyncScheduleId(connectionId)).describe()
        expect(described.spec.intervals?.map((i) => Number(i.every))).toEqual([2 * 3_600_000])
        expect(described.policies.overlap).toBe("SKIP")
        expect(described.action.args).toEqual([{ orgId, connectionId, pushBatchSize: 3 }])
        try {
          // 1. Pull.
          const first = await runScheduled(t.client, connectionId)
          expect(first).toMatchObject({ pulled: 5, created: 5, rejected: 0, pullComplete: true, pullError: null, pushed: 0 })
          expect(fake.state.refreshes).toBe(1)
          const contacts = await run(Effect.flatMap(ContactRepo, (repo) => repo.list(orgId, { limit: 50 })))
          expect(contacts.items).toHaveLength(5)
          const byCrmId = new Map(contacts.items.map((c) => [c.crmId!, c]))
          expect(byCrmId.get("103")!.status).toBe("do_not_call")
          // ... and its phone is on the organization's DNC list, which every dial checks.
          const blocking = await run(Effect.flatMap(DncRepo, (dnc) => dnc.blocking(orgId, byCrmId.get("103")!.phone, null, new Date())))
          expect(blocking.map((e) => [e.scope, e.reason])).toEqual([["organization", "requested"]])
          expect(new Set(contacts.items.map((c) => c.sourceCrm))).toEqual(new Set(["hubspot"]))

          // 2. A campaign over every pulled contact, the DNC one included, and one contact no CRM knows.
          const agents = await run(Effect.forEach([["ada", "hs-owner-7"], ["bo", "hs-owner-8"]] as const, ([name, owner]) =>
            Effect.flatMap(UserRepo, (users) =>
              users.create(orgId, { ...newAgent(`${name}@example.com`, `${name} Agent`), crmUserId: owner }))))
          const local = await run(Effect.flatMap(ContactRepo, (repo) => repo.create(orgId, localContact("+14155550177"))))
          const winter = await newDialingCampaign(orgId, "Winter renewals", [...contacts.items, local], agents.map((a) => a.id))
          await dial("crm-winter", winter)
          const winterCalls = await campaignCalls(db, winter.campaignId)
          expect(winterCalls.every((c) => c.ended)).toBe(true)
          expect(winterCalls.some((c) => c.contact_id === byCrmId.get("103")!.id), "the DNC contact was dialled").toBe(false)
          const crmCalls = winterCalls.filter((c) => c.crm_id !== null && pushable(c))
          // Every dialable CRM contact was called at least once; some calls reached an agent.
          expect(new Set(crmCalls.map((c) => c.crm_id))).toEqual(new Set(["101", "102", "104", "105"]))
          expect(crmCalls.some((c) => c.agent_crm_user_id !== null)).toBe(true)
          expect(winterCalls.some((c) => c.contact_id === local.id)).toBe(true)

          // A contact the dialer's user moved to "callback" is changed in HubSpot: the next pull refreshes its
          // fields but keeps the dialer's status.
          await run(Effect.flatMap(ContactRepo, (repo) => repo.update(orgId, byCrmId.get("101")!.id, { status: "callback" })))
          const changed = fake.state.contacts.find((c) => c.id === "101")!
          changed.company = "Acme Renamed"
          changed.modifiedAt = Date.parse("2026-01-02T00:00:00Z")

          // HubSpot now holds 104's number on record 102 too (edited without a new modification time, so it
          // is not pulled again): a push that looked the record up by phone could not tell them apart.
          fake.state.contacts.find((c) => c.id === "102")!.phone = fake.state.contacts.find((c) => c.id === "104")!.phone

          // 3. Push, with the first batch's response lost after HubSpot created the calls.
          proxy.state.loseNextBatch = true
          const second = await runScheduled(t.client, connectionId)
          expect(proxy.state.lost).toBe(1)
          expect(second.pushError).toBeNull()
          expect(second.pulled).toBe(1)
          const refreshed = await run(Effect.flatMap(ContactRepo, (repo) => repo.findById(orgId, byCrmId.get("101")!.id)))
          expect([refreshed.company, refreshed.status]).toEqual(["Acme Renamed", "callback"])
          expect(second.pushed + second.duplicates).toBe(crmCalls.length)
          expect(second.duplicates).toBeGreaterThanOrEqual(1) // found by key after the lost response
          expect(fake.state.calls).toHaveLength(crmCalls.length)

          const third = await runScheduled(t.client, connectionId)
          expect(third).toMatchObject({ pulled: 0, pushBatches: 0, pushed: 0, duplicates: 0 })
          expect(fake.state.calls).toHaveLength(crmCalls.length)
          expect(fake.state.refreshes).toBe(1) // the refreshed token was stored: no run refreshed again

          // Each call exactly once, against the HubSpot record it was dialled from, with its agent as owner.
          for (const call of crmCalls) {
            const inCrm = fake.state.calls.filter((c) => c.key === call.id)
            expect(inCrm, `call ${call.id} in HubSpot`).toHaveLength(1)
            expect(inCrm[0]!.contactId, `call ${call.id}`).toBe(call.crm_id)
            expect(inCrm[0]!.fields["hubspot_owner_id"], `owner of call ${call.id}`).toBe(call.agent_crm_user_id ?? undefined)
            expect(inCrm[0]!.fields["hs_call_duration"], `duration of call ${call.id}`).toBe(String((call.talk_duration_seconds ?? 0) * 1000))
          }
          expect(fake.state.calls.some((c) => c.fields["hs_call_to_number"] === "+14155550177")).toBe(false)
          // One settled log row per call; the retry's duplicates are logged as skipped duplicates.
          const logs = await run(withSystem(Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ localId: string; status: string; reason: string | null }>`
            SELECT local_id, status, details->>'reason' AS reason FROM crm_sync_logs
            WHERE connection_id = ${connectionId} AND object_type = 'call' AND action = 'push' ORDER BY created_at`)))
          for (const call of crmCalls) {
            const settled = logs.filter((l) => l.localId === call.id && (l.status === "success" || l.status === "skipped"))
            expect(settled, `settled log rows of ${call.id}`).toHaveLength(1)
          }
          const duplicates = logs.filter((l) => l.status === "skipped")
          expect(duplicates).toHaveLength(second.duplicates)
          expect(duplicates.every((l) => l.reason === "duplicate")).toBe(true)
          // The duplicates are calls whose first push failed when the response was lost.
          for (const d of duplicates) expect(logs.some((l) => l.localId === d.localId && l.status === "failed")).toBe(true)

          // 4. A follow-up campaign, then two runs at once (a tick and a manual start) with HubSpot's search
          //    lagging its writes, so the CRM cannot catch a double push: one run pushes, the other finds the
          //    connection busy.
          const followUp = await newDialingCampaign(orgId, "Follow-up", contacts.items.filter((c) => c.status !== "do_not_call"), agents.map((a) => a.id))
          await dial("crm-follow-up", followUp)
          const followUpCalls = (await campaignCalls(db, followUp.campaignId)).filter(pushable)
          expect(followUpCalls.length).toBeGreaterThanOrEqual(4)
          fake.control.searchLag = true
          proxy.state.delayBatchMs = 1_500
          const concurrent = await Promise.all([1, 2].map((n) =>
            t.client.workflow.execute("crmSyncWorkflow", {
              taskQueue, workflowId: `crm-sync-concurrent-${n}-${connectionId}`, args: [{ orgId, connectionId }]
            }) as Promise<CrmSyncWorkflowResult>))
          proxy.state.delayBatchMs = 0
          fake.control.searchLag = false
          expect(concurrent.map((r) => r.pushed).sort((a, b) => a - b)).toEqual([0, followUpCalls.length])
          expect(concurrent.filter((r) => r.pushBusy)).toHaveLength(1)
          for (const call of followUpCalls) {
            const inCrm = fake.state.calls.filter((c) => c.key === call.id)
            expect(inCrm, `call ${call.id}`).toHaveLength(1)
            expect(inCrm[0]!.contactId).toBe(call.crm_id)
          }
          expect(fake.state.calls).toHaveLength(crmCalls.length + followUpCalls.length)

          // 5. The analytics ETL over the campaigns' calls equals a direct SQL aggregate over `calls`.
          const etl = await t.client.workflow.execute("analyticsEtlWorkflow", {
            taskQueue, workflowId: `analytics-etl-crm-${connectionId}`, args: [{ lookbackDays: 2, orgIds: [orgId] }]
          }) as AnalyticsEtlWorkflowResult
          expect(etl.callsCounted).toBe(winterCalls.length + (await campaignCalls(db, followUp.campaignId)).length)
          const rollups = rollupChecks((text) => run(withSystem(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Record<string, unknown>>(text)))))
          const got = await rollups.expectMatchesCalls()
          expect(got.campaigns.map((r) => r["campaignId"]).sort()).toEqual([winter.campaignId, followUp.campaignId].sort())
          expect(got.agents.length).toBeGreaterThanOrEqual(1)

          // The histories replay deterministically on the current workflow code.
          const scheduled = (await t.client.schedule.getHandle(crmSyncScheduleId(connectionId)).describe()).info.recentActions
          for (const action of scheduled) {
            const history = await t.client.workflow.getHandle(action.action.workflow.workflowId).fetchHistory()
            await Worker.runReplayHistory({ workflowBundle: await sharedBundle() }, history, action.action.workflow.workflowId)
          }
          if (process.env["RECORD_CRM_SYNC_HISTORY"] === "1") {
            // The run with the lost response and the retried push (see CrmSync.replay.test.ts).
            writeFileSync(fileURLToPath(new URL("./fixtures/crm-sync-history.json", import.meta.url)), execFileSync(temporalCli().value!, [
              "workflow", "show", "--address", server.value!, "--namespace", "default",
              "--workflow-id", scheduled[1]!.action.workflow.workflowId, "--output", "json"
            ], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }))
          }

          // 6. The user disconnects the app in HubSpot: the run fails and says what to do.
          fake.state.revokeRefreshToken()
          fake.state.expireAccessToken()
          const failed = await t.client.workflow.execute("crmSyncWorkflow", {
            taskQueue, workflowId: `crm-sync-revoked-${connectionId}`, args: [{ orgId, connectionId }]
          }).catch((e: unknown) => e)
          expect(failed).toBeInstanceOf(WorkflowFailedError)
          const activityFailure = (failed as WorkflowFailedError).cause
          expect(activityFailure).toBeInstanceOf(ActivityFailure)
          const cause = (activityFailure as ActivityFailure).cause
          expect(cause).toBeInstanceOf(ApplicationFailure)
          expect((cause as ApplicationFailure).type).toBe("CrmConnectionUnusable")
          expect((cause as ApplicationFailure).message).toContain("reconnect the HubSpot account")
          const failure = [activityFailure?.message, activityFailure?.stack, cause?.message, cause?.stack].join("\n")

          // Credentials: nowhere in clear.
          const histories = await Promise.all(
            (await t.client.schedule.getHandle(crmSyncScheduleId(connectionId)).describe()).info.recentActions.map((a) =>
              t.client.workflow.getHandle(a.action.workflow.workflowId).fetchHistory().then((h) => JSON.stringify(h)))
          )
          histories.push(JSON.stringify(await t.client.workflow.getHandle(`crm-sync-revoked-${connectionId}`).fetchHistory()))
          const dump = await run(withSystem(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT
            (SELECT coalesce(json_agg(c)::text, '') FROM crm_connections c) AS connections,
            (SELECT coalesce(json_agg(l)::text, '') FROM crm_sync_logs l) AS logs,
            (SELECT coalesce(json_agg(ct)::text, '') FROM contacts ct) AS contacts`)))
          const everything = [JSON.stringify(dump), failure, ...histories, ...crm.logLines, ...consoleLines].join("\n")
          expect(crm.logLines.some((l) => l.includes("crm call activities pushed"))).toBe(true)
          expect(everything).toContain(connectionId)
          const secrets = [ACCESS, REFRESH, CLIENT.clientSecret, "access-2", "access-3"]
          for (const secret of secrets) expect(everything, `"${secret}" leaked`).not.toContain(secret)
        } finally {
          await deleteCrmSyncSchedule(t.client, connectionId)
        }
      })
      expect(await deleteCrmSyncSchedule(t.client, connectionId)).toBe(false)
    } finally {
      await proxy.close()
      await fake.close()
    }
  }, 180_000)
})
