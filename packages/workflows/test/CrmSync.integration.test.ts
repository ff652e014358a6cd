/**
 * The CRM sync workflow on the real Temporal dev server and Postgres, against
 * the HubSpot loopback fake of `@autodialer/crm-sync` (HubSpot's documented
 * wire format). Runs are started by a real Temporal Schedule.
 *
 * 1. A scheduled run pulls the contacts (refreshing an expired token) into
 *    `contacts`; the DNC contact arrives as do_not_call.
 * 2. A simulated campaign dials them: each call's fate is drawn by the
 *    simulated carrier's seeded generator and written to `calls` through the
 *    domain repository as the dialing session does (placed, then finished).
 * 3. The next run pushes each finished call to the contact it was dialled
 *    from. The first batch's HTTP response is lost on the way back (the CRM
 *    created the calls), so the push activity fails and Temporal retries it:
 *    the retry finds the calls by idempotency key and logs duplicates.
 *    A further run pushes nothing. Every call is in HubSpot exactly once.
 * 4. Credentials: with the refresh token revoked the run fails as
 *    `CrmConnectionUnusable`; no credential appears in the failure, the
 *    workflow histories, the captured logs, or any table.
 */
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as http from "node:http"
import { fileURLToPath } from "node:url"
import type { AddressInfo } from "node:net"
import { SimulatedCarrier } from "@autodialer/telephony"
import { CallRepo } from "@autodialer/domain/CallRepo"
import { CampaignRepo } from "@autodialer/domain/CampaignRepo"
import { ContactRepo } from "@autodialer/domain/ContactRepo"
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { DncRepo } from "@autodialer/domain/DncRepo"
import type { Contact } from "@autodialer/domain/Contact"
import type { CrmConnectionId, OrganizationId, UserId } from "@autodialer/domain/Ids"
import { type NewUser, UserRepo } from "@autodialer/domain/UserRepo"
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
import type { CrmSyncWorkflowResult } from "../src/workflows/CrmSyncWorkflow.ts"
import { type Run, createOrganization, localContact, makeRuntime, newCampaign, placedCall } from "./CrmSyncSupport.ts"
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
    readonly contacts: Array<{ readonly id: string; company: string | null; modifiedAt: number }>
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

describe.skipIf(pg.skip || server.skip)("CRM sync workflow (Temporal dev server, Postgres, HubSpot fake)", () => {
  const { runtime, logLines } = makeRuntime(pg.value ?? "", "crm_sync_wf")
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
    t = await connectTemporal(server.value!)
    await Promise.all([sharedBundle(), runtime.context()])
  })
  afterAll(async () => {
    await t?.close()
    await runtime.dispose()
    vi.restoreAllMocks()
  })

  it("pulls contacts, dials them, pushes each call back exactly once across a retried push and repeated runs, and never leaks credentials", async () => {
    const run: Run = (effect) => runtime.runPromise(effect)
    const fake = await startFakeHubSpot()
    const proxy = await startLossyProxy(fake.url)
    const taskQueue = uniqueTaskQueue("crm-sync")
    try {
      seedContacts(fake.state)
      fake.state.accessToken = ACCESS
      fake.state.refreshToken = REFRESH
      fake.state.expireAccessToken() // the stored token is stale: the connector must refresh it

      const org = await runtime.runPromise(createOrganization("Acme Sales", "America/New_York"))
      const orgId: OrganizationId = org.id
      const connection = await runtime.runPromise(Effect.flatMap(CrmConnectionRepo, (repo) =>
        repo.create(orgId, {
          crmType: "hubspot",
          name: "HubSpot",
          externalAccountId: "portal-1",
          instanceUrl: null,
          credentials: JSON.stringify({ accessToken: ACCESS, refreshToken: REFRESH, ...CLIENT })
        })))
      const connectionId: CrmConnectionId = connection.id

      const activities = {
        ...createCrmSyncActivities({ runtime, settings: () => ({ hubspotBaseUrl: proxy.url }) }),
        ...createAnalyticsEtlActivities({ runtime })
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
          expect(fake.state.refreshes).toBeGreaterThanOrEqual(1)
          const contacts = await run(Effect.flatMap(ContactRepo, (repo) => repo.list(orgId, { limit: 50 })))
          expect(contacts.items).toHaveLength(5)
          const byCrmId = new Map(contacts.items.map((c) => [c.crmId!, c]))
          expect(byCrmId.get("103")!.status).toBe("do_not_call")
          // ... and its phone is on the organization's DNC list, which every dial checks.
          const blocking = await run(Effect.flatMap(DncRepo, (dnc) =>
            dnc.blocking(orgId, byCrmId.get("103")!.phone, null, new Date("2026-11-20T12:00:00Z"))))
          expect(blocking.map((e) => [e.scope, e.reason])).toEqual([["organization", "requested"]])
          expect(await run(Effect.flatMap(DncRepo, (dnc) =>
            dnc.blocking(orgId, byCrmId.get("101")!.phone, null, new Date("2026-11-20T12:00:00Z"))))).toEqual([])
          expect(new Set(contacts.items.map((c) => c.sourceCrm))).toEqual(new Set(["hubspot"]))

          // 2. A simulated campaign over the pulled contacts (the DNC one is never dialled).
          const agent = await run(Effect.flatMap(UserRepo, (users) =>
            users.create(orgId, {
              teamId: null, email: "ada@example.com" as NewUser["email"], fullName: "Ada Agent" as NewUser["fullName"],
              role: "agent", crmUserId: "hs-owner-7", passwordHash: null, twoFactorEnabled: false,
              twoFactorSecretEncrypted: null, twoFactorRecoveryHashes: [], isActive: true
            })))
          const campaign = await run(Effect.flatMap(CampaignRepo, (repo) => repo.create(orgId, newCampaign())))
          const dialled = contacts.items.filter((c) => c.status !== "do_not_call")
          const calls = await dialCampaign(run, orgId, campaign.id, dialled, agent.id)
          expect(calls.length).toBeGreaterThanOrEqual(dialled.length)
          // A call still ringing and a call to a contact no CRM knows are not in the outbox.
          const local = await run(Effect.flatMap(ContactRepo, (repo) =>
            repo.create(orgId, localContact("+14155550177"))))
          const start = new Date("2026-11-20T15:00:00Z")
          await run(Effect.flatMap(CallRepo, (repo) => repo.create(orgId, placedCall(campaign.id, local.id, "+14155550177", start, {
            status: "completed", outcome: "human_answered", endedAt: new Date(start.getTime() + 60_000), talkDurationSeconds: 50
          }))))
          const ringing = await run(Effect.flatMap(CallRepo, (repo) =>
            repo.create(orgId, placedCall(campaign.id, dialled[0]!.id, dialled[0]!.phone, start, { status: "ringing", attempt: 9 }))))

          // A contact the dialer moved to "callback" is changed in HubSpot: the next pull refreshes its
          // fields but keeps the dialer's status.
          await run(Effect.flatMap(ContactRepo, (repo) => repo.update(orgId, byCrmId.get("101")!.id, { status: "callback" })))
          const changed = fake.state.contacts.find((c) => c.id === "101")!
          changed.company = "Acme Renamed"
          changed.modifiedAt = Date.parse("2026-01-02T00:00:00Z")

          // 3. Push, with the first batch's response lost after HubSpot created the calls.
          proxy.state.loseNextBatch = true
          const second = await runScheduled(t.client, connectionId)
          expect(proxy.state.lost).toBe(1)
          expect(second.pushError).toBeNull()
          expect(second.pulled).toBe(1)
          const refreshed = await run(Effect.flatMap(ContactRepo, (repo) => repo.findById(orgId, byCrmId.get("101")!.id)))
          expect([refreshed.company, refreshed.status]).toEqual(["Acme Renamed", "callback"])
          expect(second.pushed + second.duplicates).toBe(calls.length)
          expect(second.duplicates).toBeGreaterThanOrEqual(1) // found by key after the lost response
          expect(fake.state.calls).toHaveLength(calls.length)

          const third = await runScheduled(t.client, connectionId)
          expect(third).toMatchObject({ pulled: 0, pushBatches: 0, pushed: 0, duplicates: 0 })
          // The ringing call finishes: only it is pushed by the next run.
          await run(Effect.flatMap(CallRepo, (repo) =>
            repo.update(orgId, ringing.id, { status: "no_answer", outcome: "no_answer", endedAt: new Date(start.getTime() + 25_000) })))
          const fourth = await runScheduled(t.client, connectionId)
          expect(fourth).toMatchObject({ pushed: 1, duplicates: 0 })

          const pushedCalls = [...calls, { id: ringing.id, crmId: dialled[0]!.crmId! }]
          expect(fake.state.calls).toHaveLength(pushedCalls.length)
          for (const call of pushedCalls) {
            const inCrm = fake.state.calls.filter((c) => c.key === call.id)
            expect(inCrm, `call ${call.id} in HubSpot`).toHaveLength(1)
            expect(inCrm[0]!.contactId).toBe(call.crmId) // against the record it was dialled from
          }
          const logs = await run(withSystem(Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ localId: string; status: string; n: number }>`
            SELECT local_id, status, count(*)::int AS n FROM crm_sync_logs
            WHERE connection_id = ${connectionId} AND object_type = 'call' AND action = 'push'
            GROUP BY local_id, status ORDER BY local_id, status`)))
          for (const call of pushedCalls) {
            const settled = logs.filter((l) => l.localId === call.id && (l.status === "success" || l.status === "skipped"))
            expect(settled.reduce((n, l) => n + l.n, 0), `settled log rows of ${call.id}`).toBe(1)
          }
          expect(fake.state.calls.some((c) => c.fields["hs_call_to_number"] === "+14155550177")).toBe(false)

          // Two runs at once (a tick and a manual start), with HubSpot's search lagging its writes so
          // the CRM cannot catch a double push: one run pushes, the other finds the connection busy.
          const later = await Promise.all(dialled.slice(0, 3).map((contact, i) =>
            run(Effect.flatMap(CallRepo, (repo) =>
              repo.create(orgId, placedCall(campaign.id, contact.id, contact.phone, new Date(start.getTime() + (i + 1) * 600_000), {
                attempt: 20 + i, status: "busy", outcome: "busy", endedAt: new Date(start.getTime() + (i + 1) * 600_000 + 2_000)
              }))))))
          // (The stored token is made valid again so neither run refreshes: each refresh in the fake
          // invalidates the other run's token, which would only delay one run and spoil the overlap.)
          fake.state.accessToken = ACCESS
          fake.control.searchLag = true
          proxy.state.delayBatchMs = 1_500
          const concurrent = await Promise.all([1, 2].map((n) =>
            t.client.workflow.execute("crmSyncWorkflow", {
              taskQueue, workflowId: `crm-sync-concurrent-${n}-${connectionId}`, args: [{ orgId, connectionId }]
            }) as Promise<CrmSyncWorkflowResult>))
          proxy.state.delayBatchMs = 0
          fake.control.searchLag = false
          expect(concurrent.map((r) => r.pushed).sort()).toEqual([0, 3])
          expect(concurrent.filter((r) => r.pushBusy)).toHaveLength(1)
          for (const call of later) expect(fake.state.calls.filter((c) => c.key === call.id), `call ${call.id}`).toHaveLength(1)

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

          // 4. The user disconnects the app in HubSpot: the run fails and says what to do.
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
          const everything = [JSON.stringify(dump), failure, ...histories, ...logLines, ...consoleLines].join("\n")
          expect(logLines.some((l) => l.includes("crm call activities pushed"))).toBe(true)
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
  }, 60_000)
})

/**
 * Dials every contact like the dialing session: the call row is written when
 * placed, then finished with the fate the simulated carrier draws for
 * (seed, `<contact>:<attempt>`). A busy or unanswered contact gets a second attempt.
 */
const dialCampaign = async (
  run: Run,
  orgId: OrganizationId,
  campaignId: import("@autodialer/domain/Ids").CampaignId,
  contacts: ReadonlyArray<Contact>,
  agentId: UserId
): Promise<Array<{ id: string; crmId: string }>> => {
  const out: Array<{ id: string; crmId: string }> = []
  let clock = Date.parse("2026-11-20T14:00:00Z")
  for (const contact of contacts) {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const at = new Date((clock += 90_000))
      const fate = SimulatedCarrier.drawFate(7, `${contact.id}:${attempt}`, 25_000, SimulatedCarrier.defaultProfile)
      const finished = fate._tag === "Busy"
        ? { status: "busy" as const, outcome: "busy" as const, endedAt: new Date(at.getTime() + fate.afterMs) }
        : fate._tag === "Failed"
        ? { status: "failed" as const, outcome: "failed" as const, endedAt: new Date(at.getTime() + fate.afterMs) }
        : fate._tag === "NoAnswer"
        ? { status: "no_answer" as const, outcome: "no_answer" as const, endedAt: new Date(at.getTime() + 25_000) }
        : fate.machine
        ? {
          status: "completed" as const, outcome: "answering_machine" as const, answeredBy: "machine_start" as const,
          answeredAt: new Date(at.getTime() + fate.ringMs), endedAt: new Date(at.getTime() + fate.ringMs + fate.amdMs),
          talkDurationSeconds: 0
        }
        : {
          status: "completed" as const, outcome: "human_answered" as const, answeredBy: "human" as const, agentId,
          answeredAt: new Date(at.getTime() + fate.ringMs),
          endedAt: new Date(at.getTime() + fate.ringMs + fate.talkMs), talkDurationSeconds: Math.round(fate.talkMs / 1000),
          notes: "Talked about the renewal", recordingUrl: `https://recordings.example.com/${contact.id}-${attempt}.mp3`
        }
      const call = await run(Effect.gen(function*() {
        const repo = yield* CallRepo
        const placed = yield* repo.create(orgId, placedCall(campaignId, contact.id, contact.phone, at, { attempt }))
        return yield* repo.update(orgId, placed.id, finished)
      }))
      out.push({ id: call.id, crmId: contact.crmId! })
      if (finished.status !== "busy" && finished.status !== "no_answer") break
    }
  }
  return out
}
