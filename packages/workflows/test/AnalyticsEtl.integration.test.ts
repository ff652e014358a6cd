/**
 * The analytics ETL workflow on the real Temporal dev server and Postgres.
 *
 * Two organizations: New York (calls placed by hand around local midnights
 * and the 2026-11-01 fall-back, when the local day is 25 hours long) and
 * Kolkata (a seeded bulk of varied calls). After a run, every roll-up equals
 * an independent SQL aggregate over `calls` grouped by
 * `(instant AT TIME ZONE org zone)::date` (a different formulation from the
 * ETL's instant ranges), and the New York figures equal hand-computed ones.
 * A rerun leaves identical rows (same ids, same values); a late call is
 * counted once after the next run.
 */
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { AgentStateRepo } from "@autodialer/domain/AgentStateRepo"
import { CallRepo } from "@autodialer/domain/CallRepo"
import { CampaignRepo } from "@autodialer/domain/CampaignRepo"
import { ContactRepo } from "@autodialer/domain/ContactRepo"
import { DispositionRepo } from "@autodialer/domain/DispositionRepo"
import type { CampaignId, ContactId, DispositionId, OrganizationId, UserId } from "@autodialer/domain/Ids"
import type { CallOutcome } from "@autodialer/domain/Enums"
import { withSystem } from "@autodialer/domain/Tenancy"
import { UserRepo } from "@autodialer/domain/UserRepo"
import { postgres, temporal, temporalCli } from "@autodialer/testkit"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import { createAnalyticsEtlActivities } from "../src/activities/AnalyticsEtlActivities.ts"
import { createCrmSyncActivities } from "../src/activities/CrmSyncActivities.ts"
import { createIntegrationsWorker } from "../src/IntegrationsWorker.ts"
import * as Rollups from "../src/Rollups.ts"
import { analyticsScheduleIdsWith, upsertAnalyticsSchedules } from "../src/Schedules.ts"
import type { AnalyticsEtlWorkflowResult } from "../src/workflows/AnalyticsEtlWorkflow.ts"
import { rollupChecks } from "./AnalyticsEtlSupport.ts"
import { createOrganization, localContact, newAgent, newCampaign, placedCall, useTemporalRuntime } from "./CrmSyncSupport.ts"
import { eventually, sharedBundle, uniqueTaskQueue, withWorker } from "./support/Temporal.ts"

const pg = postgres()
const server = temporal()

type Row = Record<string, unknown>

describe.skipIf(pg.skip || server.skip)("analytics ETL workflow (Temporal dev server, Postgres)", () => {
  const { runtime, t } = useTemporalRuntime(pg.value ?? "", server.value ?? "", "analytics_etl_wf")

  const query = (text: string) =>
    runtime.runPromise(withSystem(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Row>(text))))

  const { snapshot, expectMatchesCalls } = rollupChecks(query)

  it("picks each organization's local today and the days before it, around local midnight", async () => {
    const fixture = await runtime.runPromise(Effect.gen(function*() {
      const a = yield* createOrganization("Midnight NY", "America/New_York")
      const b = yield* createOrganization("Midnight Auckland", "Pacific/Auckland")
      return { ny: a.id as string, akl: b.id as string }
    }))
    const days = (asOf: string, lookback: number) =>
      runtime.runPromise(Rollups.daysToRollUp(asOf, lookback, [fixture.ny, fixture.akl])).then((rows) =>
        Object.fromEntries([fixture.ny, fixture.akl].map((id) => [id === fixture.ny ? "ny" : "akl", rows.filter((r) => r.orgId === id).map((r) => r.day)])))
    // 04:59Z on Nov 2 is 23:59 on Nov 1 in New York (EST) and 17:59 on Nov 2 in Auckland (NZDT).
    expect(await days("2026-11-02T04:59:00Z", 2)).toEqual({ ny: ["2026-10-31", "2026-11-01"], akl: ["2026-11-01", "2026-11-02"] })
    // One minute later New York's midnight has passed; Auckland's has not.
    expect(await days("2026-11-02T05:00:00Z", 2)).toEqual({ ny: ["2026-11-01", "2026-11-02"], akl: ["2026-11-01", "2026-11-02"] })
    // 11:00Z is Auckland's midnight (UTC+13).
    expect(await days("2026-11-02T11:00:00Z", 1)).toEqual({ ny: ["2026-11-02"], akl: ["2026-11-03"] })
    await expect(runtime.runPromise(Rollups.daysToRollUp("yesterday", 2))).rejects.toThrow("asOf: got \"yesterday\", expected an ISO 8601 instant")
    await expect(runtime.runPromise(Rollups.daysToRollUp("2026-11-02T11:00:00Z", 0))).rejects.toThrow("lookbackDays: got 0, expected an integer from 1 to 400")
  })

  it("creates and updates the hourly and daily schedules", async () => {
    const idSuffix = `:test-${crypto.randomUUID().slice(0, 8)}`
    const taskQueue = uniqueTaskQueue("analytics-schedules")
    const ids = analyticsScheduleIdsWith(idSuffix)
    try {
      expect(await upsertAnalyticsSchedules(t.client, { taskQueue, idSuffix })).toEqual({ hourly: "created", daily: "created" })
      expect(await upsertAnalyticsSchedules(t.client, { taskQueue, idSuffix, dailyLookbackDays: 10 })).toEqual({ hourly: "updated", daily: "updated" })
      const hourly = await t.client.schedule.getHandle(ids.hourly).describe()
      const daily = await t.client.schedule.getHandle(ids.daily).describe()
      expect(hourly.spec.intervals?.map((i) => [Number(i.every), Number(i.offset)])).toEqual([[3_600_000, 300_000]])
      expect(daily.spec.intervals?.map((i) => [Number(i.every), Number(i.offset)])).toEqual([[86_400_000, 2_100_000]])
      expect([hourly.action.args, daily.action.args]).toEqual([[{ lookbackDays: 2 }], [{ lookbackDays: 10 }]])
      expect([hourly.policies.overlap, daily.action.taskQueue]).toEqual(["SKIP", taskQueue])
    } finally {
      for (const id of [ids.hourly, ids.daily]) await t.client.schedule.getHandle(id).delete().catch(() => undefined)
    }
  })

  it("rolls calls up by organization-local day (midnight, DST), equal to a direct SQL aggregate, and reruns to identical rows", async () => {
    const taskQueue = uniqueTaskQueue("analytics-etl")
    const worker = await createIntegrationsWorker({
      connection: t.nativeConnection, taskQueue, workflowBundle: await sharedBundle(),
      activities: { ...createCrmSyncActivities({ runtime }), ...createAnalyticsEtlActivities({ runtime }) }
    })
    const fixture = await runtime.runPromise(seed)
    const etl = (lookbackDays: number, asOf: string) =>
      t.client.workflow.execute("analyticsEtlWorkflow", {
        taskQueue, workflowId: `analytics-etl-${crypto.randomUUID()}`,
        args: [{ asOf, lookbackDays, orgIds: [fixture.ny, fixture.kolkata] }]
      }) as Promise<AnalyticsEtlWorkflowResult>

    await withWorker(worker, async () => {
      // 04:00Z on Nov 3 is 23:00 on Nov 2 in New York and 09:30 on Nov 3 in Kolkata: 7 days back
      // covers Oct 27 - Nov 2 in New York and Oct 28 - Nov 3 in Kolkata.
      const asOf = "2026-11-03T04:00:00.000Z"
      const first = await etl(7, asOf)
      expect(first.orgDays).toBe(14)
      const got = await expectMatchesCalls()

      // Hand-computed New York days (local time in comments).
      const ny = (day: string) => got.org.find((r) => r["orgId"] === fixture.ny && r["day"] === day)
      expect(got.org.filter((r) => r["orgId"] === fixture.ny).map((r) => r["day"]))
        .toEqual(["2026-10-27", "2026-10-28", "2026-10-29", "2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"])
      expect(ny("2026-10-30")).toMatchObject({ callsMade: 1, callsConnected: 1, avgDurationSeconds: 120, connectionRate: 1, talkMinutes: 2 })
      expect(ny("2026-10-31")).toMatchObject({ callsMade: 2, callsConnected: 0, avgDurationSeconds: null, connectionRate: 0, talkMinutes: 0 })
      // Nov 1 is 25 hours long: 00:00 EDT, 01:30 EDT, 01:30 EST and 23:59 EST all belong to it.
      expect(ny("2026-11-01")).toMatchObject({ callsMade: 4, callsConnected: 1, avgDurationSeconds: 300, connectionRate: 0.25, talkMinutes: 5 })
      expect(ny("2026-11-02")).toMatchObject({ callsMade: 3, callsConnected: 2, avgDurationSeconds: 45, aiCalls: 2 })
      expect(ny("2026-10-29")).toMatchObject({ callsMade: 0, connectionRate: null })
      expect(ny("2026-10-28")).toMatchObject({ callsMade: 1, callsConnected: 0 }) // the transfer leg is not a call made
      const u1 = (day: string) => got.agents.find((r) => r["agentId"] === fixture.u1 && r["day"] === day)
      // Oct 30: answered, but its recording failed; Nov 2: answered and recorded (a recordings row).
      expect(u1("2026-10-30")).toMatchObject({
        callsMade: 1, sales: 1, talkSeconds: 120, answeredCalls: 1, missedCalls: 0, recordedCalls: 0, avgTalkSeconds: 120, answerRate: 1, recordingRate: 0
      })
      expect(u1("2026-11-01")).toMatchObject({ callsMade: 0, idleSeconds: 600, wrapSeconds: 0, answerRate: null, recordingRate: null, avgTalkSeconds: null })
      expect(u1("2026-11-02")).toMatchObject({
        callsMade: 1, callsConnected: 1, talkSeconds: 60, idleSeconds: 2700, wrapSeconds: 300, recordedCalls: 1, recordingRate: 1
      })
      const u2 = (day: string) => got.agents.find((r) => r["agentId"] === fixture.u2 && r["day"] === day)
      // Oct 27: voicemail dropped, answering machine, no answer, abandoned (a person answered, nobody talked) and one talk.
      expect(u2("2026-10-27")).toMatchObject({
        callsMade: 5, callsConnected: 1, answeredCalls: 2, missedCalls: 3, voicemailCalls: 2, recordedCalls: 0,
        talkSeconds: 40, avgTalkSeconds: 40, answerRate: 0.4, recordingRate: 0
      })
      // Nov 1: the transferred call, recorded through its recording_url.
      expect(u2("2026-11-01")).toMatchObject({ callsMade: 1, answeredCalls: 1, recordedCalls: 1, recordingRate: 1, avgTalkSeconds: 300 })
      const counterA = got.counters.find((r) => r["id"] === fixture.campaignA)
      expect(counterA).toMatchObject({ totalCalls: 9, transferredCalls: 1 })
      expect(counterA!["conversionRate"]).toBeCloseTo(1 / 9)

      // Rerun: the same rows, same ids; also when the job is split over runs (continue-as-new every 3 org-days).
      const second = await etl(7, asOf)
      expect(second.callsCounted).toBe(first.callsCounted)
      expect(await snapshot()).toEqual(got)
      const split = t.client.workflow.getHandle((await t.client.workflow.start("analyticsEtlWorkflow", {
        taskQueue, workflowId: `analytics-etl-split-${crypto.randomUUID()}`,
        args: [{ asOf, lookbackDays: 7, orgIds: [fixture.ny, fixture.kolkata], perRun: 3 }]
      })).workflowId)
      expect(((await split.result()) as AnalyticsEtlWorkflowResult).orgDays).toBe(14)
      const countRuns = async () => {
        let n = 0
        for await (const _ of t.client.workflow.list({ query: `WorkflowId = '${split.workflowId}'` })) n++
        return n
      }
      // Visibility is eventually consistent: wait for all runs to be listed.
      expect(await eventually(countRuns, (n) => n >= 5, 10_000, "the continued runs")).toBe(5) // ceil(14 / 3)
      if (process.env["RECORD_ETL_HISTORY"] === "1") {
        // The last run of the split job (see AnalyticsEtl.replay.test.ts).
        writeFileSync(fileURLToPath(new URL("./fixtures/analytics-etl-history.json", import.meta.url)), execFileSync(temporalCli().value!, [
          "workflow", "show", "--address", server.value!, "--namespace", "default", "--workflow-id", split.workflowId, "--output", "json"
        ], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }))
      }
      expect(await snapshot()).toEqual(got)

      // A late call on Oct 31 (23:30 EDT) is counted once by the next run.
      await runtime.runPromise(Effect.flatMap(CallRepo, (calls) =>
        calls.create(fixture.ny, placedCall(fixture.campaignA, fixture.nyContact, "+12125550100", new Date("2026-11-01T03:30:00Z"), {
          status: "completed", outcome: "human_answered", answeredBy: "human", talkDurationSeconds: 30
        }))))
      await etl(7, asOf)
      const after = await expectMatchesCalls()
      expect(after.org.find((r) => r["orgId"] === fixture.ny && r["day"] === "2026-10-31"))
        .toMatchObject({ callsMade: 3, callsConnected: 1, avgDurationSeconds: 30 })
      expect(after.org.find((r) => r["orgId"] === fixture.ny && r["day"] === "2026-10-31")!["id"])
        .toBe(got.org.find((r) => r["orgId"] === fixture.ny && r["day"] === "2026-10-31")!["id"])
    })
  }, 60_000)
})

/** Two organizations, their agents, campaigns, dispositions, contacts, calls and agent states. */
const seed = Effect.gen(function*() {
  const calls = yield* CallRepo
  const contacts = yield* ContactRepo
  const campaigns = yield* CampaignRepo
  const users = yield* UserRepo
  const dispositions = yield* DispositionRepo
  const states = yield* AgentStateRepo
  const makeOrg = (name: string, zone: string) => createOrganization(name, zone)
  const nyOrg = yield* makeOrg("New York Sales", "America/New_York")
  const inOrg = yield* makeOrg("Kolkata Sales", "Asia/Kolkata")
  const ny = nyOrg.id
  const kolkata = inOrg.id

  const disposition = (orgId: OrganizationId, code: string, sale: boolean) =>
    dispositions.create(orgId, {
      code, label: code, humanAnswered: true, contact: true, sale, dnc: false, callback: false,
      answeringMachine: false, sortOrder: 0, isActive: true
    } as never)
  const nySale = yield* disposition(ny, "sale", true)
  const inSale = yield* disposition(kolkata, "sale", true)
  const inNo = yield* disposition(kolkata, "not_interested", false)

  const u1 = (yield* users.create(ny, newAgent("u1@ny.example.com", "Una One"))).id
  const u2 = (yield* users.create(ny, newAgent("u2@ny.example.com", "Uli Two"))).id
  const k1 = (yield* users.create(kolkata, newAgent("k1@in.example.com", "Kavi One"))).id
  const k2 = (yield* users.create(kolkata, newAgent("k2@in.example.com", "Kiran Two"))).id

  const campaignA = (yield* campaigns.create(ny, newCampaign({ name: "NY progressive" }))).id
  const campaignB = (yield* campaigns.create(ny, newCampaign({ name: "NY agentless", mode: "agentless" }))).id
  const campaignK = (yield* campaigns.create(kolkata, newCampaign({ name: "Kolkata predictive", mode: "predictive" }))).id

  const nyContact = (yield* contacts.create(ny, localContact("+12125550100", "Nia"))).id
  const nyContact2 = (yield* contacts.create(ny, localContact("+12125550101", "Ned"))).id

  const call = (
    orgId: OrganizationId,
    campaignId: CampaignId | null,
    contactId: ContactId | null,
    at: string,
    outcome: CallOutcome | null,
    extra: Partial<Parameters<typeof placedCall>[4]> = {}
  ) => {
    const when = new Date(at)
    const status = outcome === null ? "queued" as const
      : outcome === "busy" ? "busy" as const
      : outcome === "no_answer" ? "no_answer" as const
      : outcome === "failed" ? "failed" as const
      : "completed" as const
    const answered = outcome === "human_answered" || outcome === "transferred" || outcome === "abandoned"
      ? "human" as const
      : outcome === "answering_machine" || outcome === "voicemail_dropped" ? "machine_start" as const : null
    return calls.create(orgId, placedCall(campaignId, contactId, "+12125550100", when, {
      status, outcome, answeredBy: answered, answeredAt: answered === null ? null : new Date(when.getTime() + 8_000),
      endedAt: status === "queued" ? null : new Date(when.getTime() + 60_000),
      ...(status === "queued" ? { initiatedAt: null, queuedAt: when } : {}),
      ...extra
    }))
  }

  // New York, by hand. EDT is UTC-4 until 2026-11-01 06:00Z, then EST UTC-5.
  const oct30 = yield* call(ny, campaignA, nyContact, "2026-10-31T03:50:00Z", "human_answered", { agentId: u1, talkDurationSeconds: 120, dispositionId: nySale.id }) // Oct 30 23:50
  yield* call(ny, campaignA, nyContact, "2026-10-31T04:10:00Z", "no_answer") // Oct 31 00:10
  yield* call(ny, campaignA, nyContact2, "2026-11-01T03:59:00Z", "busy") // Oct 31 23:59
  yield* call(ny, campaignA, nyContact2, "2026-11-01T04:00:00Z", "transferred", {
    agentId: u2, talkDurationSeconds: 300, isTransferred: true, transferredAt: new Date("2026-11-01T04:03:00Z"), transferredTo: "+12125550999",
    recordingUrl: "https://recordings.example.com/ny-transfer.wav"
  }) // Nov 1 00:00 EDT, exactly midnight
  yield* call(ny, campaignA, nyContact, "2026-11-01T05:30:00Z", "voicemail_dropped") // Nov 1 01:30 EDT
  yield* call(ny, campaignA, nyContact, "2026-11-01T06:30:00Z", "answering_machine") // Nov 1 01:30 EST
  yield* call(ny, campaignA, nyContact2, "2026-11-02T04:59:00Z", "abandoned", { talkDurationSeconds: 0 }) // Nov 1 23:59 EST
  const nov2 = yield* call(ny, campaignA, nyContact, "2026-11-02T05:00:00Z", "human_answered", { agentId: u1, talkDurationSeconds: 60 }) // Nov 2 00:00 EST
  // Recordings: the Nov 2 call has one; the Oct 30 call's failed (no recording).
  const sql = yield* SqlClient.SqlClient
  for (const [callId, status] of [[nov2.id, "completed"], [oct30.id, "failed"]] as const) {
    yield* withSystem(sql`INSERT INTO recordings (id, org_id, call_id, kind, url, status)
      VALUES (gen_random_uuid(), ${ny}, ${callId}, 'call', ${`https://recordings.example.com/${callId}.wav`}, ${status})`)
  }
  // Agent u2 on Oct 27 (11:00-11:40 EDT), outside every campaign and contact: the missed-call kinds.
  for (const [minute, outcome, talk] of [
    [0, "voicemail_dropped", null], [10, "answering_machine", null], [20, "no_answer", null], [30, "abandoned", 0], [40, "human_answered", 40]
  ] as const) {
    yield* call(ny, null, null, `2026-10-27T15:${minute === 0 ? "00" : minute}:00Z`, outcome, { agentId: u2, talkDurationSeconds: talk })
  }
  yield* call(ny, campaignB, nyContact2, "2026-11-02T05:01:00Z", "failed")
  yield* call(ny, campaignB, nyContact2, "2026-11-02T15:00:00Z", "human_answered", { talkDurationSeconds: 30 }) // agentless
  // Not counted: never placed, inbound, and a transfer leg.
  yield* call(ny, campaignA, nyContact, "2026-11-01T12:00:00Z", null)
  yield* call(ny, null, nyContact, "2026-11-01T12:05:00Z", "human_answered", { direction: "inbound", talkDurationSeconds: 99 })
  const parent = yield* call(ny, campaignA, nyContact, "2026-10-28T16:00:00Z", "no_answer") // Oct 28 12:00 EDT
  yield* call(ny, campaignA, nyContact, "2026-10-28T16:01:00Z", "human_answered", { parentCallId: parent.id, talkDurationSeconds: 77 })

  // Agent u1's states: idle across the Nov 1 -> Nov 2 midnight (05:00Z), a call, wrap-up, idle, offline.
  for (const [state, at] of [
    ["available", "2026-11-02T04:50:00Z"], ["on_call", "2026-11-02T05:10:00Z"], ["wrap_up", "2026-11-02T05:20:00Z"],
    ["available", "2026-11-02T05:25:00Z"], ["offline", "2026-11-02T06:00:00Z"]
  ] as const) {
    yield* states.record(ny, { agentId: u1, campaignId: campaignA, callId: null, state, reason: null, changedAt: new Date(at) } as never)
  }

  // Kolkata (UTC+5:30, no DST): a seeded bulk over Oct 28 - Nov 3 UTC.
  const kContacts: Array<ContactId> = []
  for (let i = 0; i < 6; i++) kContacts.push((yield* contacts.create(kolkata, localContact(`+9198765432${10 + i}`, `K${i}`))).id)
  const outcomes: ReadonlyArray<CallOutcome> = [
    "human_answered", "transferred", "abandoned", "answering_machine", "voicemail_dropped", "no_answer", "busy", "failed", "rejected"
  ]
  let s = 20261103
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648
  for (let i = 0; i < 60; i++) {
    const outcome = outcomes[Math.floor(next() * outcomes.length)]!
    const at = new Date(Date.parse("2026-10-28T00:00:00Z") + Math.floor(next() * 6.5 * 86_400_000)).toISOString()
    const talked = outcome === "human_answered" || outcome === "transferred"
    // Some unanswered calls carry an agent too (preview/progressive dials), for the missed-call figures.
    const agent: UserId | null = talked ? (next() < 0.5 ? k1 : k2) : i % 3 === 0 ? k1 : i % 3 === 1 ? k2 : null
    const disposition: DispositionId | null = talked ? (next() < 0.3 ? inSale.id : inNo.id) : null
    yield* call(kolkata, next() < 0.9 ? campaignK : null, kContacts[Math.floor(next() * kContacts.length)]!, at, outcome, {
      agentId: agent,
      dispositionId: disposition,
      talkDurationSeconds: talked ? 10 + Math.floor(next() * 600) : outcome === "abandoned" ? 0 : null,
      recordingUrl: talked && i % 2 === 0 ? `https://recordings.example.com/k${i}.wav` : null,
      ...(outcome === "transferred" ? { isTransferred: true, transferredAt: new Date(at), transferredTo: "+919800000000" } : {})
    })
  }
  return { ny, kolkata, u1, u2, campaignA, campaignB, nyContact }
})
