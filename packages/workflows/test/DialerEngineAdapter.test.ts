/** The SessionEngine port over @autodialer/dialer-engine's Session: restore, translation, queue-owned retries, adopted calls. */
import { describe, expect, it } from "vitest"
import { dialerEngine as engine, type AdapterState } from "../src/DialerEngineAdapter.ts"
import type { EngineCommand, EngineEvent, RestoreInput } from "../src/SessionEngine.ts"

const t0 = Date.parse("2026-11-25T17:00:00Z") // noon in New York

const input = (patch: Partial<RestoreInput> = {}): RestoreInput => ({
  sessionId: "wf/1#1", campaignId: "c1", pacing: "progressive", timeZone: "America/New_York", callerId: "+14155550100",
  ringTimeoutSeconds: 20, minRingSeconds: 15, safeHarbourMessage: "opt out at +14155550100", now: t0,
  agents: [{ agentId: "a1", state: "ready" }], calls: [], abandon: { liveAnswers: 40, abandoned: 1 },
  maxAttempts: 3, retryDelayMs: 600_000, abandonLimit: 0.03, maxLinesPerAgent: 1, ...patch
})

const contact = (id: string, attempt = 1) => ({ contactId: id, number: "+12125550100", attempt, timeZone: "" })

/** Applies events in order; collects every command. */
const drive = (s: AdapterState, events: ReadonlyArray<EngineEvent>): { state: AdapterState; commands: Array<EngineCommand> } => {
  const commands: Array<EngineCommand> = []
  for (const e of events) {
    const r = engine.step(s, e)
    s = r.state
    commands.push(...r.commands)
    const d = engine.decide(s, e.at)
    s = d.state
    commands.push(...d.commands)
  }
  return { state: s, commands }
}

describe("DialerEngineAdapter", () => {
  it("restores the abandon budget and the agents, then dials a contact handed to it", () => {
    const s = engine.restore(input())
    expect(engine.abandon(s)).toEqual({ liveAnswers: 40, abandoned: 1 })
    expect(engine.wantedContacts(s)).toBeGreaterThan(0)
    const r = drive(s, [{ _tag: "ContactAdded", at: t0, contact: contact("q1") }])
    const dial = r.commands.find((c) => c._tag === "Dial")
    expect(dial).toMatchObject({ _tag: "Dial", contactId: "q1", number: "+12125550100", callerId: "+14155550100", ringTimeoutSeconds: 20 })
    expect(dial && "callId" in dial && dial.callId.startsWith("wf/1#1")).toBe(true)
    expect(engine.queuedContacts(r.state)).toEqual([])
    expect(engine.callsInFlight(r.state)).toBe(1)
  })

  it("bridges a live answer, marks the contact connected, and frees the agent when the call ends", () => {
    const a = drive(engine.restore(input()), [{ _tag: "ContactAdded", at: t0, contact: contact("q1") }])
    const callId = (a.commands.find((c) => c._tag === "Dial") as { callId: string }).callId
    const b = drive(a.state, [
      { _tag: "CallDialled", at: t0 + 100, callId },
      { _tag: "CallAnswered", at: t0 + 3_000, callId, verdict: "human" }
    ])
    expect(b.commands).toContainEqual({ _tag: "Bridge", callId, agentId: "a1" })
    expect(b.commands).toContainEqual({ _tag: "MarkContactDone", contactId: "q1", callId, outcome: "human_answered", reason: "connected" })
    expect(engine.abandon(b.state)).toEqual({ liveAnswers: 41, abandoned: 1 })
    const c = drive(b.state, [
      { _tag: "CallEnded", at: t0 + 60_000, callId },
      { _tag: "ContactAdded", at: t0 + 60_001, contact: contact("q2") }
    ])
    expect(engine.callsInFlight(c.state)).toBe(1)
    expect(c.commands.filter((x) => x._tag === "Dial").map((x) => (x as { contactId: string }).contactId)).toEqual(["q2"])
  })

  it("hands a retry to the queue: the engine does not redial it by itself, and dials it again once re-added", () => {
    const a = drive(engine.restore(input()), [{ _tag: "ContactAdded", at: t0, contact: contact("q1") }])
    const callId = (a.commands.find((c) => c._tag === "Dial") as { callId: string }).callId
    const b = drive(a.state, [{ _tag: "CallNoAnswer", at: t0 + 20_000, callId }])
    expect(b.commands).toContainEqual({ _tag: "ScheduleRetry", contactId: "q1", callId, at: t0 + 20_000 + 600_000, outcome: "no_answer" })
    const later = drive(b.state, [{ _tag: "Tick", at: t0 + 700_000 }, { _tag: "Tick", at: t0 + 800_000 }])
    expect(later.commands.filter((c) => c._tag === "Dial")).toEqual([])
    const again = drive(later.state, [{ _tag: "ContactAdded", at: t0 + 900_000, contact: contact("q1", 2) }])
    expect(again.commands.filter((c) => c._tag === "Dial").map((c) => (c as { contactId: string }).contactId)).toEqual(["q1"])
  })

  it("settles calls adopted from a dead attempt by the attempt rules, and releases a live answer nobody can take", () => {
    const s = engine.restore(input({
      agents: [{ agentId: "a1", state: "busy", callId: "old:2" }, { agentId: "a2", state: "ready" }],
      calls: [
        { callId: "old:1", contactId: "q1", attempt: 1, status: "ringing", dialedAt: t0 - 5_000 },
        { callId: "old:2", contactId: "q2", attempt: 2, status: "bridged", dialedAt: t0 - 60_000, agentId: "a1" },
        { callId: "old:3", contactId: "q3", attempt: 3, status: "dialing", dialedAt: t0 - 1_000 }
      ]
    }))
    expect(engine.callsInFlight(s)).toBe(3)
    const r = drive(s, [
      { _tag: "CallAnswered", at: t0 + 1_000, callId: "old:1", verdict: "human" },
      { _tag: "CallEnded", at: t0 + 9_000, callId: "old:1" },
      { _tag: "CallEnded", at: t0 + 10_000, callId: "old:2" },
      { _tag: "CallBusy", at: t0 + 11_000, callId: "old:3" }
    ])
    expect(r.commands).toContainEqual({ _tag: "PlaySafeHarbourAndRelease", callId: "old:1" })
    expect(r.commands).toContainEqual({ _tag: "ScheduleRetry", contactId: "q1", callId: "old:1", at: t0 + 9_000 + 600_000, outcome: "abandoned" })
    expect(r.commands).toContainEqual({ _tag: "MarkContactDone", contactId: "q2", callId: "old:2", outcome: "human_answered", reason: "connected" })
    expect(r.commands).toContainEqual({ _tag: "MarkContactDone", contactId: "q3", callId: "old:3", outcome: "busy", reason: "attemptsExhausted" })
    expect(engine.callsInFlight(r.state)).toBe(0)
    expect(engine.abandon(r.state)).toEqual({ liveAnswers: 41, abandoned: 2 })
    // a1 is free again: with two ready agents the engine dials two contacts.
    const next = drive(r.state, [
      { _tag: "ContactAdded", at: t0 + 12_000, contact: contact("q4") },
      { _tag: "ContactAdded", at: t0 + 12_000, contact: contact("q5") }
    ])
    expect(next.commands.filter((c) => c._tag === "Dial")).toHaveLength(2)
  })
})
