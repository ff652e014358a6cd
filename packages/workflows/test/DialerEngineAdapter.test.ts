/**
 * The SessionEngine port over @autodialer/dialer-engine's Session: restore,
 * translation, caller ids (fixed, local presence), queue-owned retries,
 * adopted calls, wrap-up, preview and voicemail drop.
 */
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
  it("tells the host the law's calling hours where the number is: its own zone first, else inferred from the number", () => {
    const s = engine.restore(input())
    // 17:00 UTC: noon in New York (212), 09:00 in Los Angeles (415), 02:00 the next day in Tokyo.
    expect(engine.lawfulHours(s, contact("ny"), t0)).toEqual({ open: true })
    expect(engine.lawfulHours(s, { ...contact("la"), number: "+14155550100" }, t0)).toEqual({ open: true })
    const tokyo = engine.lawfulHours(s, { ...contact("tk"), number: "+81355550100", timeZone: "Asia/Tokyo" }, t0)
    // Closed until 08:00 in Tokyo, 23:00 UTC.
    expect(tokyo).toEqual({ open: false, opensAt: Date.parse("2026-11-25T23:00:00Z") })
    // 06:00 in Los Angeles (14:00 UTC): closed there until 08:00 (16:00 UTC), open in New York (09:00).
    const early = Date.parse("2026-11-25T14:00:00Z")
    expect(engine.lawfulHours(s, { ...contact("la"), number: "+14155550100" }, early)).toEqual({ open: false, opensAt: Date.parse("2026-11-25T16:00:00Z") })
    expect(engine.lawfulHours(s, contact("ny"), early)).toEqual({ open: true })
  })

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

  it("presents the campaign's fixed caller id on every dial, and the host's own only when the campaign has none", () => {
    const agents = [{ agentId: "a1", state: "ready" as const }, { agentId: "a2", state: "ready" as const }]
    const callerIdsOf = (patch: Partial<RestoreInput>) =>
      drive(engine.restore(input({ agents, ...patch })), [
        { _tag: "ContactAdded", at: t0, contact: { ...contact("q1"), number: "+12125550101" } },
        { _tag: "ContactAdded", at: t0, contact: { ...contact("q2"), number: "+13055550102" } }
      ]).commands.flatMap((c) => (c._tag === "Dial" ? [c.callerId] : []))
    expect(callerIdsOf({ callerIds: ["+16465550123"], localPresence: false })).toEqual(["+16465550123", "+16465550123"])
    expect(callerIdsOf({ callerIds: [] })).toEqual(["+14155550100", "+14155550100"])
  })

  it("local presence: presents the pool's number of the contact's area code, else one of its state, else any", () => {
    const pool = ["+12125550177", "+13055550100", "+17185550100"] // Manhattan NY; Miami FL; Brooklyn NY
    const dials = (localPresence: boolean) => {
      const agents = ["a1", "a2", "a3", "a4"].map((agentId) => ({ agentId, state: "ready" as const }))
      const r = drive(engine.restore(input({ agents, callerIds: pool, localPresence })), [
        { _tag: "ContactAdded", at: t0, contact: { ...contact("manhattan-1"), number: "+12125550101" } },
        { _tag: "ContactAdded", at: t0, contact: { ...contact("manhattan-2"), number: "+12125550102" } },
        // Syracuse, New York: no number of its area code (315), two of its state.
        { _tag: "ContactAdded", at: t0, contact: { ...contact("syracuse"), number: "+13155550104" } },
        { _tag: "ContactAdded", at: t0, contact: { ...contact("miami"), number: "+13055550103" } }
      ])
      return new Map(r.commands.flatMap((c) => (c._tag === "Dial" ? [[c.contactId, c.callerId] as const] : [])))
    }
    const local = dials(true)
    expect(local.get("manhattan-1")).toBe("+12125550177")
    expect(local.get("manhattan-2")).toBe("+12125550177")
    // The rotation stands at Miami's number here: Brooklyn's is presented because it is in New York.
    expect(local.get("syracuse")).toBe("+17185550100")
    expect(local.get("miami")).toBe("+13055550100")
    // Without local presence the pool is rotated regardless of where the contact is.
    const rotated = dials(false)
    expect([...rotated.entries()]).toEqual([
      ["manhattan-1", "+12125550177"], ["manhattan-2", "+13055550100"], ["syracuse", "+17185550100"], ["miami", "+12125550177"]
    ])
  })

  it("bridges a live answer, marks the contact connected, and frees the agent when its wrap-up ends", () => {
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
    // In wrap-up: nothing is dialled for it.
    expect(engine.agentStates(c.state).get("a1")).toBe("wrapUp")
    expect(c.commands.filter((x) => x._tag === "Dial")).toEqual([])
    const d = drive(c.state, [{ _tag: "AgentReady", at: t0 + 75_000, agentId: "a1" }])
    expect(engine.callsInFlight(d.state)).toBe(1)
    expect(d.commands.filter((x) => x._tag === "Dial").map((x) => (x as { contactId: string }).contactId)).toEqual(["q2"])
  })

  it("keeps an agent restored in wrap-up unavailable until the host ends its wrap-up", () => {
    const s = engine.restore(input({ agents: [{ agentId: "a1", state: "wrapUp" }] }))
    expect(engine.agentStates(s).get("a1")).toBe("wrapUp")
    const a = drive(s, [{ _tag: "ContactAdded", at: t0, contact: contact("q1") }])
    expect(a.commands.filter((c) => c._tag === "Dial")).toEqual([])
    const b = drive(a.state, [{ _tag: "AgentReady", at: t0 + 1_000, agentId: "a1" }])
    expect(b.commands.filter((c) => c._tag === "Dial")).toHaveLength(1)
    expect(engine.agentStates(b.state).get("a1")).toBe("ready")
  })

  it("preview: offers a contact to a ready agent (also one that was ready before contacts arrived), dials it when taken", () => {
    const s = engine.restore(input({ pacing: "preview", previewAutoDialSeconds: 30 }))
    const a = drive(s, [{ _tag: "ContactAdded", at: t0, contact: contact("q1") }, { _tag: "ContactAdded", at: t0, contact: contact("q2") }])
    expect(a.commands).toEqual([{ _tag: "OfferPreview", agentId: "a1", contactId: "q1", autoDialAt: t0 + 30_000 }])
    expect(engine.agentStates(a.state).get("a1")).toBe("reserved")
    const b = drive(a.state, [{ _tag: "PreviewTaken", at: t0 + 5_000, agentId: "a1", contactId: "q1" }])
    expect(b.commands.filter((c) => c._tag === "Dial").map((c) => (c as { contactId: string }).contactId)).toEqual(["q1"])
  })

  it("preview: a skipped contact goes back to the queue in Postgres and the agent is offered the next one", () => {
    const a = drive(engine.restore(input({ pacing: "preview" })), [
      { _tag: "ContactAdded", at: t0, contact: contact("q1") },
      { _tag: "ContactAdded", at: t0, contact: contact("q2") }
    ])
    const b = drive(a.state, [{ _tag: "PreviewSkipped", at: t0 + 2_000, agentId: "a1", contactId: "q1" }])
    expect(b.commands).toContainEqual({ _tag: "OfferPreview", agentId: "a1", contactId: "q2" })
    expect(b.commands).toContainEqual({ _tag: "ReleaseContact", contactId: "q1", at: t0 + 2_000 + 60_000 })
    expect(engine.queuedContacts(b.state)).not.toContain("q1")
    // Never offered or dialled again by this engine: the queue owns it now.
    const c = drive(b.state, [{ _tag: "PreviewSkipped", at: t0 + 3_000, agentId: "a1", contactId: "q2" }, { _tag: "Tick", at: t0 + 200_000 }])
    expect(c.commands.filter((x) => (x._tag === "OfferPreview" || x._tag === "Dial") && x.contactId === "q1")).toEqual([])
  })

  it("preview: dials the offered contact by itself when the countdown runs out", () => {
    const a = drive(engine.restore(input({ pacing: "preview", previewAutoDialSeconds: 10 })), [{ _tag: "ContactAdded", at: t0, contact: contact("q1") }])
    expect(drive(a.state, [{ _tag: "Tick", at: t0 + 9_000 }]).commands.filter((c) => c._tag === "Dial")).toEqual([])
    expect(drive(a.state, [{ _tag: "Tick", at: t0 + 10_000 }]).commands.filter((c) => c._tag === "Dial")).toHaveLength(1)
  })

  it("drops the voicemail message on a machine when the campaign has one, and hangs up otherwise", () => {
    const machine = (patch: Partial<RestoreInput>) => {
      const a = drive(engine.restore(input(patch)), [{ _tag: "ContactAdded", at: t0, contact: contact("q1") }])
      const callId = (a.commands.find((c) => c._tag === "Dial") as { callId: string }).callId
      return { callId, commands: drive(a.state, [{ _tag: "CallAnswered", at: t0 + 4_000, callId, verdict: "machine" }]).commands }
    }
    const dropped = machine({ voicemailMessage: "https://media.example.com/vm.mp3" })
    expect(dropped.commands).toContainEqual({ _tag: "DropVoicemail", callId: dropped.callId, message: "https://media.example.com/vm.mp3" })
    expect(dropped.commands.some((c) => c._tag === "HangUp")).toBe(false)
    const hung = machine({})
    expect(hung.commands).toContainEqual({ _tag: "HangUp", callId: hung.callId, reason: "machine" })
    expect(hung.commands.some((c) => c._tag === "DropVoicemail")).toBe(false)
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
    // a1 wraps up its adopted call; once the host ends the wrap-up, two ready agents get two dials.
    expect(engine.agentStates(r.state).get("a1")).toBe("wrapUp")
    const next = drive(r.state, [
      { _tag: "AgentReady", at: t0 + 11_500, agentId: "a1" },
      { _tag: "ContactAdded", at: t0 + 12_000, contact: contact("q4") },
      { _tag: "ContactAdded", at: t0 + 12_000, contact: contact("q5") }
    ])
    expect(next.commands.filter((c) => c._tag === "Dial")).toHaveLength(2)
  })
})
