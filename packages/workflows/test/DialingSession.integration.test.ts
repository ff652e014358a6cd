/**
 * The dialing session against real Postgres and the real Temporal dev server,
 * with the simulated carrier and simulated agents: a campaign runs to the end
 * (and a 500-contact one in predictive mode, within its abandon policy), a
 * session that fails mid-campaign is retried and rebuilds from Postgres
 * without dialling an attempt twice or resetting the abandon budget, pause
 * lets calls in flight finish, and two sessions never reserve the same contact.
 * Agent wrap-up, preview, voicemail drop and the observer events are in
 * DialingSession.agents.integration.test.ts.
 */
import { Effect, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgres, temporal } from "@autodialer/testkit"
import { CallEventRepo, CallRepo } from "@autodialer/domain"
import type { SimulatedCarrier } from "@autodialer/telephony"
import type { CampaignConfig } from "../src/CampaignConfig.ts"
import { EventBus } from "../src/EventBus.ts"
import { Queries, Updates } from "../src/Names.ts"
import type { SessionEngineService } from "../src/SessionEngine.ts"
import { SessionStore } from "../src/SessionStore.ts"
import { type Seed, type Seeded, query, seedCampaign, seedSpentBudget } from "./support/Campaign.ts"
import { type TestDatabase, createTestDatabase } from "./support/Database.ts"
import * as ProgressiveEngine from "./support/ProgressiveEngine.ts"
import * as Rig from "./support/SessionHarness.ts"
import type { SessionOptions } from "../src/activities/DialingSession.ts"
import { type TemporalHandles, connectTemporal, eventually, sharedBundle } from "./support/Temporal.ts"

const pg = postgres()
const server = temporal()

const config = Rig.config

describe.skipIf(pg.skip || server.skip)("dialing session (Postgres + Temporal dev server + simulated carrier)", () => {
  let db: TestDatabase
  let t: TemporalHandles
  beforeAll(async () => {
    db = await createTestDatabase(pg.value!, "session")
    t = await connectTemporal(server.value!)
    await sharedBundle()
  })
  afterAll(async () => {
    await t?.close()
    await db?.drop()
  })

  const harness = (
    store?: Rig.HarnessOptions["store"],
    engine?: SessionEngineService,
    carrier?: Omit<SimulatedCarrier.Options, "seed">
  ) => Rig.makeHarness(db, { ...(store === undefined ? {} : { store }), ...(engine === undefined ? {} : { engine }), ...(carrier === undefined ? {} : { carrier }) })
  const runCampaign = (
    label: string, h: Rig.Harness, campaignConfig: CampaignConfig,
    body: Parameters<typeof Rig.runCampaign>[5], seed: Seed | Seeded, session?: Partial<SessionOptions>
  ) => Rig.runCampaign(t, db, label, h, campaignConfig, body, seed, session)
  const seedWith = (seed: Seed) => Rig.seedWith(db, seed)
  const callsOf = (campaignId: string) => Rig.callsOf(db, campaignId)
  const queueOf = (campaignId: string) => Rig.queueOf(db, campaignId)

  it("two sessions never reserve the same contact, and a session that lost its reservation cannot dial it", async () => {
    const layer = SessionStore.layerPg.pipe(Layer.provideMerge(db.layer))
    const result = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const { campaignId } = yield* seedCampaign({ contacts: 200, agents: 0 })
      const store = yield* SessionStore
      const now = Date.now() + 1_000
      const grab = (key: string) => Effect.gen(function*() {
        const mine: Array<string> = []
        for (;;) {
          const got = yield* store.reserveDue({ campaignId, sessionKey: key, limit: 7, now, leaseMs: 60_000, firstAttempts: true })
          if (got.length === 0) return mine
          mine.push(...got.map((c) => c.contactId))
        }
      })
      const [a, b, c] = yield* Effect.all([grab("A"), grab("B"), grab("C")], { concurrency: "unbounded" })
      // B takes over the campaign (A presumed dead): A's rows come back and B reserves them.
      yield* store.releaseForeignReservations(campaignId, "B")
      const taken = yield* store.reserveDue({ campaignId, sessionKey: "B", limit: 500, now, leaseMs: 60_000, firstAttempts: true })
      const first = taken[0]!
      const zombie = yield* store.recordDial({
        campaignId, sessionKey: "A", callId: "zombie-1", from: "+14155550100", provider: "simulated", at: now,
        contact: { ...first, attempt: 1 }
      })
      const owner = yield* store.recordDial({
        campaignId, sessionKey: "B", callId: "b-1", from: "+14155550100", provider: "simulated", at: now, contact: first
      })
      return { a, b, c, taken: taken.length, zombie, owner }
    }).pipe(Effect.provide(layer))) as Effect.Effect<{ a: string[]; b: string[]; c: string[]; taken: number; zombie: boolean; owner: boolean }>)
    const all = [...result.a, ...result.b, ...result.c]
    expect(all).toHaveLength(200)
    expect(new Set(all).size).toBe(200)
    expect(result.a.length).toBeGreaterThan(0)
    expect(result.b.length).toBeGreaterThan(0)
    expect(result.taken).toBe(200 - result.b.length)
    expect(result.zombie).toBe(false)
    expect(result.owner).toBe(true)
  })

  it("runs a campaign to the end: every contact final under the attempt rules, every call stored with its events", async () => {
    const h = harness()
    const { campaignId, orgId } = await runCampaign("e2e", h, config(), async (handle) => {
      const final = await handle.result()
      expect(final.lifecycle).toBe("completed")
      expect(final.lastSession?.outcome).toBe("exhausted")
    }, { contacts: 40, agents: 10 })
    const calls = await callsOf(campaignId)
    const queue = await queueOf(campaignId)
    expect(queue).toHaveLength(40)
    for (const row of queue) {
      expect(["completed", "exhausted"]).toContain(row.status)
      if (row.status === "completed") expect(row.last_outcome).toBe("human_answered")
      else expect(row.attempts).toBe(2)
      const mine = calls.filter((c) => c.campaign_contact_id === row.id)
      expect(mine.map((c) => c.attempt).sort()).toEqual(Array.from({ length: row.attempts }, (_, i) => i + 1))
    }
    for (const call of calls) {
      expect(call.ended).toBe(true)
      expect(call.events).toBeGreaterThanOrEqual(2)
      expect(call.outcome).not.toBeNull()
    }
    // Each attempt was dialled by the carrier exactly once.
    expect(h.dialled.size).toBe(calls.length)
    expect([...h.dialled.values()].every((n) => n === 1)).toBe(true)
    const humans = calls.filter((c) => c.answered_by === "human").length
    const abandoned = calls.filter((c) => c.outcome === "abandoned").length
    expect(humans).toBeGreaterThan(8)
    expect(abandoned / humans).toBeLessThanOrEqual(0.03)
    const dials = await query<{ n: number }>(db.layer, `SELECT count(*)::int AS n FROM call_commands WHERE campaign_id = $1 AND command_type = 'Dial'`, [campaignId])
    expect(dials[0]!.n).toBe(calls.length)
    // The campaign's total and the contacts' own status follow: connected contacts are 'contacted'.
    const total = await query<{ total_calls: number }>(db.layer, `SELECT total_calls FROM campaigns WHERE id = $1`, [campaignId])
    expect(total[0]!.total_calls).toBe(calls.length)
    const contacted = await query<{ entry: string; status: string }>(db.layer,
      `SELECT cc.id AS entry, c.status FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id WHERE cc.campaign_id = $1`, [campaignId])
    for (const row of queue) expect(contacted.find((c) => c.entry === row.id)!.status).toBe(row.status === "completed" ? "contacted" : "new")
    // Every call carries the idempotency key the carrier deduplicated on.
    expect(new Set(calls.map((c) => c.idempotency_key))).toEqual(new Set(h.dialled.keys()))
    // The product reads them like any other call: the domain repositories, as the tenant under row-level
    // security, decode every row with the Call model and find each call's events.
    const product = await Effect.runPromise(Effect.gen(function*() {
      const repo = yield* CallRepo.CallRepo
      const eventLog = yield* CallEventRepo.CallEventRepo
      const page = yield* repo.list(orgId, { limit: 500 }, { campaignId })
      const events = yield* Effect.forEach(page.items, (call) => eventLog.forCall(orgId, call.id))
      return { calls: page.items.length, withEvents: events.filter((e) => e.length >= 2).length, live: (yield* repo.live(orgId, campaignId)).length }
    }).pipe(Effect.provide(Layer.mergeAll(CallRepo.CallRepo.layer, CallEventRepo.CallEventRepo.layer).pipe(Layer.provideMerge(db.layer)))) as Effect.Effect<{
      calls: number; withEvents: number; live: number
    }, unknown>)
    expect(product).toEqual({ calls: calls.length, withEvents: calls.length, live: 0 })
  }, 90_000)

  it("runs a predictive campaign of 500 contacts with 10 agents: final states under the attempt rules, calls with events, abandon rate within policy", async () => {
    // Sub-second rings, AMD decisions and talks, so 500 contacts fit in about a minute of wall time.
    const quick: Omit<SimulatedCarrier.Options, "seed"> = {
      profile: {
        busy: 0.05, failed: 0.02, answer: 0.97, machine: 0.15, ringMedianMs: 150, minRingMs: 100, talkMeanMs: 150, minTalkMs: 50,
        amdMedianMs: 60, minAmdMs: 30, greetingMedianMs: 200, promptMs: 50
      }
    }
    // Predictive: the pacer dials ahead of free agents (up to 3 lines each), so live answers
    // can find no agent and be abandoned; the abandon check below is a real limit, not a formality.
    // The production heartbeat timeout: on a loaded machine the tests' 5 s let Temporal start a second
    // session beside a slow first one (failover is tested on its own below and in Failover.integration).
    const campaignConfig = config({ pacing: "predictive", maxLinesPerAgent: 3, sessionHeartbeatTimeoutSeconds: 30 })
    const h = harness(undefined, undefined, quick)
    const started = Date.now()
    const { campaignId } = await runCampaign("e2e-500", h, campaignConfig, async (handle) => {
      const final = await handle.result()
      expect(final.lifecycle).toBe("completed")
      expect(final.lastSession?.outcome).toBe("exhausted")
    }, { contacts: 500, agents: 10 }, { tickMs: 100, idleExitMs: 1_500, ringTimeoutSec: 5, minRingSeconds: 5 })
    const elapsedMs = Date.now() - started
    const calls = await callsOf(campaignId)
    const queue = await queueOf(campaignId)
    expect(queue).toHaveLength(500)
    const byEntry = new Map<string, Array<(typeof calls)[number]>>()
    for (const call of calls) {
      expect(call.campaign_contact_id).not.toBeNull()
      byEntry.set(call.campaign_contact_id!, [...(byEntry.get(call.campaign_contact_id!) ?? []), call])
    }
    for (const row of queue) {
      expect(["completed", "exhausted"]).toContain(row.status)
      expect(row.attempts).toBeGreaterThanOrEqual(1)
      expect(row.attempts).toBeLessThanOrEqual(campaignConfig.maxAttempts)
      if (row.status === "completed") expect(row.last_outcome).toBe("human_answered")
      else expect(row.attempts).toBe(campaignConfig.maxAttempts)
      // One call per attempt, numbered 1..attempts; every attempt but the last ended in a retryable outcome.
      const mine = (byEntry.get(row.id) ?? []).slice().sort((a, b) => a.attempt - b.attempt)
      expect(mine.map((c) => c.attempt)).toEqual(Array.from({ length: row.attempts }, (_, i) => i + 1))
      for (const earlier of mine.slice(0, -1)) expect(earlier.outcome).not.toBe("human_answered")
      expect(mine.at(-1)!.outcome).toBe(row.last_outcome)
    }
    expect([...byEntry.keys()].every((id) => queue.some((row) => row.id === id))).toBe(true)
    for (const call of calls) {
      expect(call.ended).toBe(true)
      expect(call.events).toBeGreaterThanOrEqual(2)
      expect(call.outcome).not.toBeNull()
    }
    // No attempt dialled twice: one idempotency key per call, each originated by the carrier exactly once.
    const keys = calls.map((c) => c.idempotency_key)
    expect(keys.every((k) => k !== null)).toBe(true)
    expect(new Set(keys).size).toBe(calls.length)
    expect(h.dialled.size).toBe(calls.length)
    expect([...h.dialled.values()].every((n) => n === 1)).toBe(true)
    const dials = await query<{ n: number }>(db.layer, `SELECT count(*)::int AS n FROM call_commands WHERE campaign_id = $1 AND command_type = 'Dial'`, [campaignId])
    expect(dials[0]!.n).toBe(calls.length)
    // The abandon rate, measured from the stored calls, is within the campaign's policy.
    const humans = calls.filter((c) => c.answered_by === "human").length
    const abandoned = calls.filter((c) => c.outcome === "abandoned").length
    expect(humans).toBeGreaterThan(250)
    expect(abandoned / humans).toBeLessThanOrEqual(campaignConfig.abandonLimit)
    // It did dial ahead: at times more calls were in flight than agents were working.
    const stats = h.observed().flatMap((e) => (e._tag === "CampaignStats" ? [e] : []))
    const peak = Math.max(...stats.map((e) => e.dialLevel))
    expect(peak).toBeGreaterThan(1)
    // The supervisors' snapshot agrees with the stored calls at the end.
    expect(stats.at(-1)!.abandonLimit).toBe(campaignConfig.abandonLimit)
    console.info(`500-contact predictive campaign: ${calls.length} calls, ${humans} human answers, ${abandoned} abandoned, peak dial level ${peak.toFixed(2)},`)
    console.info(`500-contact campaign: ${calls.length} calls, ${humans} human answers, ${abandoned} abandoned, ${elapsedMs} ms`)
  }, 120_000)

  it("pauses with calls in flight: they finish, no new dial is placed while paused, and resume completes the campaign", async () => {
    const h = harness(SessionStore.layerPg, ProgressiveEngine.progressiveEngine as unknown as SessionEngineService)
    await runCampaign("pause", h, config(), async (handle, { campaignId }) => {
      await eventually(() => callsOf(campaignId), (rows) => rows.filter((r) => !r.ended).length >= 3, 20_000, "calls in flight")
      await handle.executeUpdate(Updates.pause, { args: ["team meeting"] })
      const inFlightAtPause = (await callsOf(campaignId)).filter((r) => !r.ended).length
      expect(inFlightAtPause).toBeGreaterThan(0)
      // The session returns only once the calls it had in flight have ended.
      await eventually(() => handle.query(Queries.status), (st) => st.phase === "paused", 30_000, "the session to wind down")
      const atRest = await callsOf(campaignId)
      expect(atRest.every((r) => r.ended)).toBe(true)
      const reserved = await query<{ n: number }>(db.layer,
        `SELECT count(*)::int AS n FROM campaign_contacts WHERE campaign_id = $1 AND status IN ('reserved', 'dialing')`, [campaignId])
      expect(reserved[0]!.n).toBe(0)
      await new Promise((r) => setTimeout(r, 1_500))
      expect(await callsOf(campaignId)).toHaveLength(atRest.length)
      await handle.executeUpdate(Updates.resume)
      const final = await handle.result()
      expect(final.lifecycle).toBe("completed")
      expect((await callsOf(campaignId)).length).toBeGreaterThan(atRest.length)
    }, { contacts: 16, agents: 8 })
  }, 90_000)

  it("pauses with the production engine while agents come back from wrap-up: the session still winds down and places no dial", async () => {
    // Agents end their wrap-up while the session winds down: the engine wants to dial for them then.
    const h = Rig.makeHarness(db, { desk: { wrapMs: 300 } })
    await runCampaign("pause-engine", h, config(), async (handle, { campaignId }) => {
      await eventually(() => callsOf(campaignId), (rows) => rows.filter((r) => !r.ended).length >= 3, 20_000, "calls in flight")
      await handle.executeUpdate(Updates.pause, { args: ["team meeting"] })
      await eventually(() => handle.query(Queries.status), (st) => st.phase === "paused", 30_000, "the session to wind down")
      const atRest = await callsOf(campaignId)
      expect(atRest.every((r) => r.ended)).toBe(true)
      await new Promise((r) => setTimeout(r, 1_500))
      expect(await callsOf(campaignId)).toHaveLength(atRest.length)
      const queue = await queueOf(campaignId)
      expect(queue.filter((r) => r.status === "reserved" || r.status === "dialing")).toEqual([])
      await handle.executeUpdate(Updates.resume)
      expect((await handle.result()).lifecycle).toBe("completed")
    }, { contacts: 24, agents: 6 })
  }, 90_000)

  it("a session that fails mid-campaign is retried: the new attempt rebuilds from Postgres, dials no attempt twice and keeps the abandon budget", async () => {
    const seeded = await seedWith({ contacts: 30, agents: 10 })
    const { campaignId } = seeded
    // Spent budget from earlier today: 40 live answers, 1 abandoned.
    await seedSpentBudget(db.layer, seeded)
    let updates = 0
    let injected = false
    const failing = Layer.effect(SessionStore, Effect.gen(function*() {
      const inner = yield* SessionStore
      return SessionStore.of({
        ...inner,
        updateCall: (campaign, callId, patch) => Effect.suspend(() => {
          updates++
          if (!injected && updates === 30) {
            injected = true
            return Effect.die(new Error("injected: the session lost its worker mid-campaign"))
          }
          return inner.updateCall(campaign, callId, patch)
        })
      })
    })).pipe(Layer.provide(SessionStore.layerPg))
    const h = harness(failing)
    await runCampaign("failover", h, config(), async (handle) => {
      const final = await handle.result()
      expect(final.lifecycle).toBe("completed")
    }, seeded)
    expect(injected).toBe(true)
    expect(h.restores.length).toBeGreaterThanOrEqual(2)
    const [first, second] = h.restores
    expect(first!.sessionId.endsWith("#1")).toBe(true)
    expect(second!.sessionId.endsWith("#2")).toBe(true)
    expect(first!.abandon).toEqual({ liveAnswers: 40, abandoned: 1 })
    // The retry starts from the budget spent so far, including the failed attempt's answers.
    expect(second!.abandon.liveAnswers).toBeGreaterThan(40)
    expect(second!.abandon.abandoned).toBeGreaterThanOrEqual(1)
    // It picked up the calls the failed attempt left in flight.
    expect(second!.calls.length).toBeGreaterThan(0)
    const calls = (await callsOf(campaignId)).filter((c) => !c.old)
    expect(calls.every((c) => c.ended)).toBe(true)
    expect(new Set(calls.map((c) => c.session_key.split("#")[1])).size).toBeGreaterThanOrEqual(2)
    expect(h.dialled.size).toBe(calls.length)
    expect([...h.dialled.values()].every((n) => n === 1)).toBe(true)
    for (const row of await queueOf(campaignId)) expect(["completed", "exhausted"]).toContain(row.status)
  }, 90_000)

  it("agents who become ready during a session get calls; until then nothing is dialled", async () => {
    const h = harness()
    await runCampaign("agents", h, config(), async (handle, { campaignId, agentIds }) => {
      await eventually(() => handle.query(Queries.status), (st) => st.phase === "dialing", 10_000, "the session to start")
      await new Promise((r) => setTimeout(r, 1_500))
      expect(await callsOf(campaignId)).toHaveLength(0)
      const now = Date.now()
      await h.runtime.runPromise(Effect.gen(function*() {
        const bus = yield* EventBus
        for (const agentId of [agentIds[1]!, agentIds[3]!]) yield* bus.publish(campaignId, { _tag: "AgentStateChanged", agentId, state: "ready", at: now })
      }))
      expect((await handle.result()).lifecycle).toBe("completed")
      const agents = await query<{ agent_id: string; state: string }>(db.layer,
        `SELECT agent_id, state FROM campaign_agents WHERE campaign_id = $1 ORDER BY agent_id`, [campaignId])
      const chosen = [agentIds[1]!, agentIds[3]!].sort()
      expect(agents.filter((a) => a.state === "available").map((a) => a.agent_id)).toEqual(chosen)
      const bridged = await query<{ agent_id: string }>(db.layer,
        `SELECT DISTINCT agent_id FROM calls WHERE campaign_id = $1 AND agent_id IS NOT NULL ORDER BY agent_id`, [campaignId])
      // Only agents who went ready took calls (whether both got a live answer depends on the carrier's draw).
      expect(bridged.length).toBeGreaterThan(0)
      for (const b of bridged) expect(chosen).toContain(b.agent_id)
      // Each change is in the agent state log the analytics roll-ups read.
      const log = await query<{ n: number }>(db.layer,
        `SELECT count(*)::int AS n FROM agent_state_log WHERE campaign_id = $1 AND state = 'on_call' AND call_id IS NOT NULL`, [campaignId])
      expect(log[0]!.n).toBeGreaterThanOrEqual(bridged.length)
    }, { contacts: 4, agents: 4, agentState: "loggedOut" })
  }, 90_000)
})
