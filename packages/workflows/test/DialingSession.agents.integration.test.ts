/**
 * The dialing session and its agents, on real Postgres and the real Temporal
 * dev server with the simulated carrier: wrap-up (ended at the desk or by the
 * timeout), agent changes from outside the session (on the bus, and those
 * made while no session ran, rebuilt from Postgres), the observer events,
 * preview (take, skip, auto-dial), voicemail drop, the abandon window from the
 * campaign's policy, a campaign whose every dial is refused, and the caller id
 * the campaign's strategy picks.
 */
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgres, temporal } from "@autodialer/testkit"
import { CarrierRejected, type Prompt } from "@autodialer/telephony"
import { defaultSessionOptions, runSession } from "../src/activities/DialingSession.ts"
import { EventBus } from "../src/EventBus.ts"
import { SessionStore } from "../src/SessionStore.ts"
import { Queries } from "../src/Names.ts"
import type { SessionEvent } from "../src/SessionObserver.ts"
import { query } from "./support/Campaign.ts"
import { type TestDatabase, createTestDatabase } from "./support/Database.ts"
import * as Rig from "./support/SessionHarness.ts"
import { type TemporalHandles, connectTemporal, eventually, sharedBundle } from "./support/Temporal.ts"

const pg = postgres()
const server = temporal()

type Of<T extends SessionEvent["_tag"]> = Extract<SessionEvent, { _tag: T }>
const only = <T extends SessionEvent["_tag"]>(events: ReadonlyArray<SessionEvent>, tag: T): Array<Of<T>> =>
  events.filter((e): e is Of<T> => e._tag === tag)

describe.skipIf(pg.skip || server.skip)("dialing session agents (Postgres + Temporal dev server + simulated carrier)", () => {
  let db: TestDatabase
  let t: TemporalHandles
  beforeAll(async () => {
    db = await createTestDatabase(pg.value!, "agents")
    t = await connectTemporal(server.value!)
    await sharedBundle()
  })
  afterAll(async () => {
    await t?.close()
    await db?.drop()
  })

  const completes = async (handle: Parameters<Parameters<typeof Rig.runCampaign>[5]>[0]) => {
    const final = await handle.result()
    expect(final.lifecycle).toBe("completed")
  }

  it("puts an agent in wrap-up after each call until its desk says done: no call is offered to it meanwhile", async () => {
    const wrapMs = 1_200
    const h = Rig.makeHarness(db, { desk: { wrapMs } })
    const { campaignId, agentIds } = await Rig.runCampaign(t, db, "wrap", h, Rig.config(), completes, { contacts: 8, agents: 2 },
      { ...Rig.fastSession, wrapUpTimeoutMs: 60_000, statsEveryMs: 200 })
    const events = h.observed()
    const wraps = only(events, "WrapUpStarted")
    const ended = only(events, "CallEnded").filter((e) => e.agentId !== undefined)
    expect(ended.length).toBeGreaterThanOrEqual(2)
    // Every bridged call's end starts its agent's wrap-up, with the configured deadline.
    expect(wraps.map((w) => w.callId).sort()).toEqual(ended.map((e) => e.callId).sort())
    for (const w of wraps) expect(w.deadline - w.at).toBe(60_000)
    for (const agentId of agentIds) {
      const mine = events.filter((e) => "agentId" in e && e.agentId === agentId)
      let wrappingSince: number | undefined
      for (const e of mine) {
        if (e._tag === "WrapUpStarted") wrappingSince = e.at
        if (e._tag === "AgentStateChanged" && e.state === "available" && wrappingSince !== undefined) {
          expect(e.reason).toBe("wrap-up done")
          expect(e.at - wrappingSince).toBeGreaterThanOrEqual(wrapMs - 50)
          wrappingSince = undefined
        }
        // Never offered a call while wrapping up.
        if (e._tag === "CallOffered") expect(wrappingSince).toBeUndefined()
      }
    }
    // Connected calls name the call, the queue entry and the campaign.
    const connected = only(events, "CallConnected")
    expect(connected.length).toBe(ended.length)
    const calls = await Rig.callsOf(db, campaignId)
    for (const c of connected) {
      const row = calls.find((r) => r.id !== undefined && r.campaign_contact_id === c.contactId && r.agent_id === c.agentId)
      expect(row).toBeDefined()
      expect(c.campaignId).toBe(campaignId)
    }
    // The supervisors' snapshot counts every agent once, and the abandon rate against the limit.
    const stats = only(events, "CampaignStats")
    expect(stats.length).toBeGreaterThan(3)
    for (const s of stats) {
      expect(Object.values(s.agents).reduce((a, b) => a + b, 0)).toBe(2)
      expect(s.abandonLimit).toBe(0.03)
    }
    expect(stats.some((s) => s.agents.wrap_up > 0)).toBe(true)
    // The analytics roll-ups see each wrap-up in the agent state log, tied to its call.
    const log = await query<{ n: number }>(db.layer,
      `SELECT count(*)::int AS n FROM agent_state_log WHERE campaign_id = $1 AND state = 'wrap_up' AND call_id IS NOT NULL`, [campaignId])
    expect(log[0]!.n).toBe(wraps.length)
    // Every bridged call carries its talk time (answer to hang-up) for the supervisors' talk per agent-hour.
    const talk = await query<{ talk: number | null; span: number }>(db.layer, `SELECT talk_duration_seconds AS talk,
        round(extract(epoch FROM ended_at - answered_at))::int AS span FROM calls WHERE campaign_id = $1 AND agent_id IS NOT NULL`, [campaignId])
    expect(talk.length).toBe(connected.length)
    for (const row of talk) expect(row.talk).toBe(row.span)
    const rest = await query<{ state: string }>(db.layer, `SELECT state FROM campaign_agents WHERE campaign_id = $1`, [campaignId])
    expect(rest.map((r) => r.state)).toEqual(["available", "available"])
  }, 90_000)

  it("ends a wrap-up the desk never ends at the wrap-up timeout", async () => {
    const h = Rig.makeHarness(db, { desk: { wrapMs: 600_000 } })
    await Rig.runCampaign(t, db, "wrap-timeout", h, Rig.config(), completes, { contacts: 5, agents: 2 },
      { ...Rig.fastSession, wrapUpTimeoutMs: 700 })
    const events = h.observed()
    const wraps = only(events, "WrapUpStarted")
    expect(wraps.length).toBeGreaterThan(0)
    const timedOut = only(events, "AgentStateChanged").filter((e) => e.state === "available")
    expect(timedOut.length).toBe(wraps.length)
    for (const w of wraps) {
      const end = timedOut.find((e) => e.agentId === w.agentId && e.at >= w.at)!
      expect(end.reason).toBe("wrap-up timed out")
      expect(end.at).toBeGreaterThanOrEqual(w.deadline)
    }
  }, 90_000)

  it("re-announces a wrap-up left by an earlier session, so the desk can end it instead of waiting for the timeout", async () => {
    const h = Rig.makeHarness(db)
    const seeded = await Rig.seedWith(db, { contacts: 3, agents: 1 })
    const [agent] = seeded.agentIds
    await query(db.layer, `UPDATE campaign_agents SET state = 'wrap_up' WHERE campaign_id = $1`, [seeded.campaignId])
    const started = Date.now()
    await Rig.runCampaign(t, db, "restored-wrap", h, Rig.config({ maxAttempts: 1 }), completes, seeded,
      { ...Rig.fastSession, wrapUpTimeoutMs: 600_000 })
    // Done long before the ten-minute timeout: the desk heard of the wrap-up and ended it.
    expect(Date.now() - started).toBeLessThan(60_000)
    const events = h.observed()
    const first = events.findIndex((e) => e._tag === "WrapUpStarted" && e.agentId === agent && e.callId === "")
    expect(first).toBeGreaterThanOrEqual(0)
    const ready = events.findIndex((e) => e._tag === "AgentStateChanged" && e.agentId === agent && e.state === "available")
    expect(ready).toBeGreaterThan(first)
    expect(events.slice(0, ready).some((e) => e._tag === "CallOffered")).toBe(false)
  }, 90_000)

  it("hears agent changes made while no session ran from Postgres, and later ones on the bus", async () => {
    const h = Rig.makeHarness(db)
    const seeded = await Rig.seedWith(db, { contacts: 10, agents: 3, agentState: "loggedOut" })
    const [a, b, c] = seeded.agentIds
    // The desk logged agents a and b in and made them ready before the campaign ran (agent c stays out).
    for (const agent of [a!, b!]) {
      await query(db.layer, `INSERT INTO agent_state_log (id, org_id, agent_id, campaign_id, state, reason, changed_at)
        VALUES (gen_random_uuid(), $1, $2, $3, 'available', 'desk', now())`, [seeded.orgId, agent, seeded.campaignId])
    }
    let pausedAt = 0
    await Rig.runCampaign(t, db, "outside", h, Rig.config(), async (handle) => {
      await eventually(() => Rig.callsOf(db, seeded.campaignId), (rows) => rows.some((r) => r.agent_id === b), 30_000, "a call for agent b")
      pausedAt = Date.now()
      await h.runtime.runPromise(Effect.gen(function*() {
        const bus = yield* EventBus
        yield* bus.publish(seeded.campaignId, { _tag: "AgentStateChanged", agentId: b!, state: "paused", at: pausedAt })
      }))
      await completes(handle)
    }, seeded)
    const events = h.observed()
    const offered = only(events, "CallOffered")
    expect(new Set(offered.map((e) => e.agentId))).toEqual(new Set([a, b]))
    expect(offered.some((e) => e.agentId === c)).toBe(false)
    // b heard about its pause (after finishing its call and wrap-up, if it was on one) and got nothing after it.
    const afterPause = offered.filter((e) => e.agentId === b && e.at > pausedAt + 200)
    expect(afterPause).toEqual([])
    const agents = await query<{ agent_id: string; state: string }>(db.layer,
      `SELECT agent_id, state FROM campaign_agents WHERE campaign_id = $1`, [seeded.campaignId])
    expect(agents.find((r) => r.agent_id === b)?.state).toBe("paused")
    expect(agents.find((r) => r.agent_id === c)?.state).toBe("offline")
  }, 90_000)

  it("preview: the agent sees the contact first; taken ones are dialled for that agent, a skipped one goes back to the queue", async () => {
    let skipped: string | undefined
    const h = Rig.makeHarness(db, {
      desk: {
        wrapMs: 50,
        onPreview: (_agent, contactId) => {
          if (skipped === undefined) skipped = contactId
          return contactId === skipped ? "skip" : "take"
        }
      }
    })
    const seeded = await Rig.seedWith(db, { contacts: 6, agents: 2 })
    await Rig.runCampaign(t, db, "preview", h, Rig.config({ pacing: "preview" }), async (handle) => {
      // Everything but the skipped contact reaches a final state; the skipped one is due again in a minute.
      await eventually(() => Rig.queueOf(db, seeded.campaignId),
        (rows) => rows.filter((r) => r.status === "completed" || r.status === "exhausted").length === 5, 45_000, "five contacts final")
      await eventually(() => handle.query(Queries.status), (s) => s.phase === "awaitingDueContacts", 20_000, "the session to go idle")
    }, seeded, { ...Rig.fastSession, previewAutoDialSeconds: 600 })
    const events = h.observed()
    const offers = only(events, "PreviewOffered")
    expect(skipped).toBeDefined()
    // The countdown runs from the engine's offer, a moment before the event is published.
    for (const o of offers) expect(o.autoDialAt! - o.at).toBeGreaterThan(599_000)
    const queue = await Rig.queueOf(db, seeded.campaignId)
    const back = queue.find((r) => r.id === skipped)!
    expect(back.status).toBe("pending")
    expect(back.attempts).toBe(0)
    const skippedAt = offers.find((o) => o.contactId === skipped)!.at
    expect(new Date(back.next_attempt_at).getTime()).toBeGreaterThanOrEqual(skippedAt + 59_000)
    const calls = await Rig.callsOf(db, seeded.campaignId)
    expect(calls.some((c) => c.campaign_contact_id === skipped)).toBe(false)
    // Every dial followed an offer of that contact, and a live answer went to the agent who took it.
    for (const call of calls) {
      const offer = offers.filter((o) => o.contactId === call.campaign_contact_id)
      expect(offer.length).toBeGreaterThanOrEqual(call.attempt)
      if (call.agent_id !== null) expect(offer.map((o) => o.agentId)).toContain(call.agent_id)
    }
  }, 90_000)

  it("preview: a contact nobody answers for is dialled when its countdown runs out", async () => {
    const h = Rig.makeHarness(db)
    const seeded = await Rig.seedWith(db, { contacts: 3, agents: 1 })
    await Rig.runCampaign(t, db, "preview-auto", h, Rig.config({ pacing: "preview", maxAttempts: 1 }), completes, seeded,
      { ...Rig.fastSession, previewAutoDialSeconds: 1 })
    const offers = only(h.observed(), "PreviewOffered")
    expect(offers.length).toBe(3)
    for (const o of offers) {
      const dialledAt = h.dialledAt.get(`${o.contactId}:1`)
      expect(dialledAt).toBeDefined()
      expect(o.autoDialAt! - o.at).toBeGreaterThan(500)
      expect(o.autoDialAt! - o.at).toBeLessThanOrEqual(1_000)
      expect(dialledAt!).toBeGreaterThanOrEqual(o.autoDialAt!)
      expect(dialledAt! - o.autoDialAt!).toBeLessThan(1_500)
    }
  }, 90_000)

  it("drops the campaign's voicemail (its recording, or its message spoken) on machine answers when its policy says so, and hangs up otherwise", async () => {
    const machines = { ...Rig.fastSession }
    const carrier = {
      profile: { busy: 0, failed: 0, answer: 1, machine: 1, ringMedianMs: 300, talkMeanMs: 800, amdMedianMs: 150, greetingMedianMs: 400, promptMs: 100 }
    }
    const run = async (label: string, dropPolicy: "recording" | "spoken" | "none") => {
      const drops: Array<Prompt> = []
      const hangUps: Array<string> = []
      const h = Rig.makeHarness(db, {
        carrier,
        telephony: (inner) => ({
          ...inner,
          dropVoicemail: (callId, prompt) => Effect.sync(() => drops.push(prompt)).pipe(Effect.andThen(inner.dropVoicemail(callId, prompt))),
          hangUp: (callId) => Effect.sync(() => hangUps.push(callId)).pipe(Effect.andThen(inner.hangUp(callId)))
        })
      })
      const seeded = await Rig.seedWith(db, { contacts: 3, agents: 2 })
      if (dropPolicy === "spoken") {
        await query(db.layer, `UPDATE campaigns SET amd = $2 WHERE id = $1`, [seeded.campaignId,
          JSON.stringify({ enabled: true, onMachine: "drop_voicemail", voicemailRecordingId: null, voicemailMessage: "Hi, this is Acme about your renewal." })])
      }
      if (dropPolicy === "recording") {
        const recording = (await query<{ id: string }>(db.layer, `INSERT INTO recordings (id, org_id, kind, url, status)
          VALUES (gen_random_uuid(), $1, 'voicemail_drop', 'https://media.example.com/vm/offer.mp3', 'completed') RETURNING id`, [seeded.orgId]))[0]!
        await query(db.layer, `UPDATE campaigns SET amd = $2 WHERE id = $1`,
          [seeded.campaignId, JSON.stringify({ enabled: true, onMachine: "drop_voicemail", voicemailRecordingId: recording.id })])
      }
      await Rig.runCampaign(t, db, label, h, Rig.config({ maxAttempts: 1 }), completes, seeded, machines)
      const calls = await Rig.callsOf(db, seeded.campaignId)
      expect(calls).toHaveLength(3)
      for (const c of calls) expect(c.outcome).toBe("answering_machine")
      return { drops, hangUps }
    }
    const dropped = await run("vm-drop", "recording")
    expect(dropped.drops).toEqual(Array(3).fill({ _tag: "Audio", url: "https://media.example.com/vm/offer.mp3" }))
    expect(dropped.hangUps).toEqual([])
    const spoken = await run("vm-spoken", "spoken")
    expect(spoken.drops).toEqual(Array(3).fill({ _tag: "Speech", text: "Hi, this is Acme about your renewal." }))
    const hungUp = await run("vm-hangup", "none")
    expect(hungUp.drops).toEqual([])
    expect(hungUp.hangUps).toHaveLength(3)
  }, 90_000)

  it("dials without answering-machine detection when the campaign turns it off: every answer goes to an agent", async () => {
    const modes: Array<string> = []
    const h = Rig.makeHarness(db, {
      // People only (a machine bridged to an agent would record for a minute): without detection the carrier reports "unknown".
      carrier: { profile: { busy: 0, failed: 0, answer: 1, machine: 0, ringMedianMs: 300, talkMeanMs: 800, amdMedianMs: 150, greetingMedianMs: 400, promptMs: 100 } },
      telephony: (inner) => ({ ...inner, originate: (request) => Effect.sync(() => modes.push(request.amd)).pipe(Effect.andThen(inner.originate(request))) })
    })
    const seeded = await Rig.seedWith(db, { contacts: 3, agents: 3 })
    await query(db.layer, `UPDATE campaigns SET amd = $2 WHERE id = $1`,
      [seeded.campaignId, JSON.stringify({ enabled: false, onMachine: "hangup", voicemailRecordingId: null })])
    await Rig.runCampaign(t, db, "amd-off", h, Rig.config({ maxAttempts: 1 }), completes, seeded)
    expect(modes).toEqual(["off", "off", "off"])
    const calls = await Rig.callsOf(db, seeded.campaignId)
    expect(calls.map((c) => [c.answered_by, c.outcome, c.agent_id !== null])).toEqual(Array(3).fill(["unknown", "human_answered", true]))
  }, 60_000)

  it("counts the abandon budget over the campaign's own regulatory window", async () => {
    const budget = async (label: string, periodDays: number) => {
      const h = Rig.makeHarness(db)
      const seeded = await Rig.seedWith(db, { contacts: 1, agents: 1 })
      await query(db.layer, `UPDATE campaigns SET abandon_policy = $2 WHERE id = $1`,
        [seeded.campaignId, JSON.stringify({ maxAbandonRate: 0.03, periodDays, safeHarborSeconds: 2, safeHarborRecordingId: null })])
      // 40 live answers two days ago, one of them abandoned.
      await query(db.layer, `INSERT INTO calls (id, org_id, campaign_id, provider, direction, from_number, to_number, status, answered_by,
          outcome, attempt, queued_at, answered_at, ended_at)
        SELECT gen_random_uuid(), $1, $2, 'simulated', 'outbound', '+14155550100', '+14155550199', 'completed', 'human',
          CASE WHEN g = 1 THEN 'abandoned' ELSE 'human_answered' END, 1, now() - interval '2 days', now() - interval '2 days',
          now() - interval '2 days'
        FROM generate_series(1, 40) g`, [seeded.orgId, seeded.campaignId])
      await Rig.runCampaign(t, db, label, h, Rig.config({ maxAttempts: 1 }), completes, seeded)
      return h.restores[0]!.abandon
    }
    expect(await budget("window-1d", 1)).toEqual({ liveAnswers: 0, abandoned: 0 })
    expect(await budget("window-3d", 3)).toEqual({ liveAnswers: 40, abandoned: 1 })
  }, 90_000)

  it("a session replaced by a newer attempt stops at once and leaves its calls in flight to that attempt", async () => {
    // Slow calls: they are still ringing or talking when the session learns it was replaced.
    const h = Rig.makeHarness(db, { carrier: { profile: { busy: 0, failed: 0, answer: 1, machine: 0, ringMedianMs: 3_000, minRingMs: 2_000, talkMeanMs: 8_000, minTalkMs: 6_000 } } })
    const { campaignId } = await Rig.seedWith(db, { contacts: 6, agents: 3 })
    let superseded = false
    const session = h.runtime.runPromise(runSession(
      { campaignId, config: Rig.config(), configVersion: 1, windowClosesAt: Date.now() + 3_600_000, draining: false, sessionKey: "replaced" },
      { attempt: 1, heartbeat: () => undefined, cancelRequested: () => false, superseded: () => superseded },
      { ...defaultSessionOptions, ...Rig.fastSession, ringTimeoutSec: 20 }
    ))
    try {
      await eventually(() => Rig.callsOf(db, campaignId), (rows) => rows.length >= 3, 20_000, "three calls placed")
      superseded = true
      const started = Date.now()
      const report = await session
      // It returned within a tick or two, not after its calls ended (a cancelled session waits for them).
      expect(Date.now() - started).toBeLessThan(1_500)
      expect(report.outcome).toBe("cancelled")
      const calls = await Rig.callsOf(db, campaignId)
      expect(calls.some((c) => !c.ended)).toBe(true)
    } finally {
      await h.runtime.dispose()
    }
  }, 60_000)

  it("completes a campaign whose every dial the carrier refuses: each attempt is spent and the contacts are exhausted", async () => {
    const h = Rig.makeHarness(db, {
      telephony: (inner) => ({
        ...inner,
        originate: (request) => Effect.fail(new CarrierRejected({ provider: "simulated", code: "21215", message: `refused ${request.to}: account not enabled for this region` }))
      })
    })
    const { campaignId } = await Rig.runCampaign(t, db, "rejected", h, Rig.config({ maxAttempts: 2 }), async (handle) => {
      const final = await handle.result()
      expect(final.lifecycle).toBe("completed")
      expect(final.lastSession?.outcome).toBe("exhausted")
    }, { contacts: 4, agents: 2 })
    const queue = await Rig.queueOf(db, campaignId)
    expect(queue.map((r) => [r.status, r.attempts, r.last_outcome])).toEqual(Array(4).fill(["exhausted", 2, "failed"]))
    const calls = await Rig.callsOf(db, campaignId)
    expect(calls).toHaveLength(8)
    for (const c of calls) {
      expect(c.status).toBe("failed")
      expect(c.ended).toBe(true)
    }
  }, 60_000)

  it("gives back a contact the campaign's window allows but the law does not (03:00 where it is), due when the law's hours open, and dials the others", async () => {
    const utcHour = new Date().getUTCHours()
    // A zone where it is 03:00 now: Etc/GMT-N is UTC+N.
    const east = ((3 - utcHour + 36) % 24) - 12
    const night = east === 0 ? "Etc/GMT" : `Etc/GMT${east > 0 ? "-" : "+"}${Math.abs(east)}`
    const h = Rig.makeHarness(db)
    const seeded = await Rig.seedWith(db, { contacts: 3, agents: 1, zoneOf: (i) => (i === 0 ? night : null) })
    const nightContact = (await query<{ id: string }>(db.layer,
      `SELECT cc.id FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id WHERE cc.campaign_id = $1 AND c.time_zone = $2`,
      [seeded.campaignId, night]))[0]!.id
    const started = Date.now()
    await Rig.runCampaign(t, db, "law-hours", h, Rig.config({ maxAttempts: 1 }), async (handle) => {
      // The session neither dials it nor keeps it reserved: the campaign waits for it on a timer.
      await eventually(() => handle.query(Queries.status), (s) => s.phase === "awaitingDueContacts", 30_000, "the campaign to wait for the night contact")
    }, seeded)
    const queue = await Rig.queueOf(db, seeded.campaignId)
    const held = queue.find((r) => r.id === nightContact)!
    expect(held).toMatchObject({ status: "pending", attempts: 0 })
    // Due at 08:00 where it is: five hours after 03:00-03:59, on the engine's 5-minute grid.
    const dueIn = held.next_attempt_at.getTime() - started
    expect(dueIn).toBeGreaterThan(4 * 3_600_000 - 60_000)
    expect(dueIn).toBeLessThanOrEqual(5 * 3_600_000 + 5 * 60_000)
    const reserved = await query<{ reserved_by: string | null }>(db.layer, `SELECT reserved_by FROM campaign_contacts WHERE id = $1`, [nightContact])
    expect(reserved[0]!.reserved_by).toBeNull()
    expect(queue.filter((r) => r.id !== nightContact).map((r) => r.attempts)).toEqual([1, 1])
    expect([...h.dialled.keys()].some((k) => k.includes(nightContact))).toBe(false)
  }, 60_000)

  it("re-issues a dial that a dead session recorded but never saw acknowledged with the caller id chosen then, not its own fallback", async () => {
    const from = new Map<string, string>()
    const h = Rig.makeHarness(db, {
      carrier: { profile: { busy: 0, failed: 0, answer: 1, machine: 0, ringMedianMs: 500, minRingMs: 300, talkMeanMs: 500, minTalkMs: 300 } },
      telephony: (inner) => ({ ...inner, originate: (request) => Effect.sync(() => from.set(request.idempotencyKey, request.from)).pipe(Effect.andThen(inner.originate(request))) })
    })
    const { campaignId } = await Rig.seedWith(db, { contacts: 1, agents: 1 })
    // The dead session reserved the contact, picked +1 646 (its campaign's strategy at the time) and recorded the
    // dial; it died before the carrier answered the originate, so the call has no carrier id.
    const recorded = await h.runtime.runPromise(Effect.gen(function*() {
      const store = yield* SessionStore
      const now = Date.now()
      const [contact] = yield* store.reserveDue({ campaignId, sessionKey: "dead", limit: 1, now, leaseMs: 60_000, firstAttempts: true })
      return yield* store.recordDial({ campaignId, sessionKey: "dead", callId: "dead-1", from: "+16465550199", provider: "simulated", at: now, contact: contact! })
    }))
    expect(recorded).toBe(true)
    const report = await h.runtime.runPromise(runSession(
      { campaignId, config: Rig.config({ maxAttempts: 1 }), configVersion: 1, windowClosesAt: Date.now() + 3_600_000, draining: false, sessionKey: "heir" },
      { attempt: 1, heartbeat: () => undefined, cancelRequested: () => false, superseded: () => false },
      { ...defaultSessionOptions, ...Rig.fastSession }
    ))
    await h.runtime.dispose()
    expect(report.outcome).toBe("exhausted")
    // One originate, the re-issued one, under the dead session's idempotency key, from the number it chose.
    expect([...from.values()]).toEqual(["+16465550199"])
    expect(defaultSessionOptions.callerId).not.toBe("+16465550199")
    const calls = await query<{ from_number: string; session_call_id: string }>(db.layer, `SELECT from_number, session_call_id FROM calls WHERE campaign_id = $1`, [campaignId])
    expect(calls).toEqual([{ from_number: "+16465550199", session_call_id: "dead-1" }])
  }, 60_000)

  it("presents the caller id the campaign's strategy picks among the organization's active numbers: fixed, its fallback, local presence", async () => {
    const run = async (label: string, contacts: number, campaign: (ids: Record<string, string>) => { strategy: string; pool: ReadonlyArray<string> }) => {
      const from = new Map<string, string>()
      const h = Rig.makeHarness(db, {
        telephony: (inner) => ({ ...inner, originate: (request) => Effect.sync(() => from.set(request.to, request.from)).pipe(Effect.andThen(inner.originate(request))) })
      })
      const seeded = await Rig.seedWith(db, { contacts, agents: contacts })
      // The organization's numbers: the default (New York), a San Francisco one (the contacts are +1 415),
      // another San Francisco one that is no longer active, and a non-default one.
      const ids: Record<string, string> = {}
      for (const [number, isDefault, isActive] of [
        ["+12125550100", true, true], ["+14155550177", false, true], ["+14155550188", false, false], ["+16465550199", false, true]
      ] as const) {
        const [row] = await query<{ id: string }>(db.layer, `INSERT INTO phone_numbers (id, org_id, number, provider, is_default, is_active)
          VALUES (gen_random_uuid(), $1, $2, 'simulated', $3, $4) RETURNING id::text`, [seeded.orgId, number, isDefault, isActive])
        ids[number] = row!.id
      }
      const { strategy, pool } = campaign(ids)
      // The first contact is a Manhattan number (the seeded ones are +1 415 555 0000, 0001...).
      await query(db.layer, `UPDATE contacts SET phone = '+12125550142' WHERE org_id = $1 AND phone = '+14155550000'`, [seeded.orgId])
      await query(db.layer, `UPDATE campaigns SET caller_id_strategy = $2, caller_id_pool = $3::uuid[] WHERE id = $1`,
        [seeded.campaignId, strategy, `{${pool.join(",")}}`])
      await Rig.runCampaign(t, db, label, h, Rig.config({ maxAttempts: 1 }), completes, seeded)
      // What each call row says it presented, by the number it called.
      const stored = await query<{ to_number: string; from_number: string }>(db.layer,
        `SELECT to_number, from_number FROM calls WHERE campaign_id = $1`, [seeded.campaignId])
      expect(new Map(stored.map((c) => [c.to_number, c.from_number]))).toEqual(from)
      expect(from.size).toBe(contacts)
      return from
    }
    // Fixed: its number on every dial, not the default.
    const fixed = await run("caller-id-fixed", 2, (ids) => ({ strategy: "fixed", pool: [ids["+16465550199"]!] }))
    expect([...fixed.values()]).toEqual(["+16465550199", "+16465550199"])
    // Fixed on a number no longer active: the organization's default instead.
    const inactive = await run("caller-id-inactive", 2, (ids) => ({ strategy: "fixed", pool: [ids["+14155550188"]!] }))
    expect([...inactive.values()]).toEqual(["+12125550100", "+12125550100"])
    // Local presence: the active number of each contact's area code (never the inactive 415 one).
    const local = await run("caller-id-local", 3, () => ({ strategy: "local_presence", pool: [] }))
    expect(local).toEqual(new Map([["+12125550142", "+12125550100"], ["+14155550001", "+14155550177"], ["+14155550002", "+14155550177"]]))
  }, 120_000)
})
