import { describe, expect, it } from "vitest"
import type { SessionCommand } from "../src/Command.ts"
import * as Config from "../src/Config.ts"
import type { Contact } from "../src/Contact.ts"
import type { SessionEvent } from "../src/Event.ts"
import * as Session from "../src/Session.ts"

/** Monday 2 March 2026, 15:00 UTC = 10:00 in New York. */
const T0 = Date.UTC(2026, 2, 2, 15, 0)

const contact = (i: number, extra: Partial<Contact> = {}): Contact => ({
  id: `c${i}`, numbers: [{ number: `+1212555${String(1000 + i)}` }], timezone: "America/New_York", ...extra
})

const harness = (input: Config.ConfigInput, contacts: ReadonlyArray<Contact> = Array.from({ length: 20 }, (_, i) => contact(i))) => {
  let st = Session.make(Config.make({ sessionId: "s", ...input }), { now: T0 })
  const all: Array<SessionCommand> = []
  const send = (ev: SessionEvent): Array<SessionCommand> => {
    const r = Session.step(st, ev)
    st = r.state
    all.push(...r.commands)
    return [...r.commands]
  }
  send({ _tag: "ContactsAdded", at: T0, contacts })
  const login = (id: string, at = T0) => {
    send({ _tag: "AgentLoggedIn", at, agentId: id })
    return send({ _tag: "AgentReady", at, agentId: id })
  }
  return { send, login, all, state: () => st }
}

const dials = (cs: ReadonlyArray<SessionCommand>) => cs.filter((c): c is Extract<SessionCommand, { _tag: "Dial" }> => c._tag === "Dial")
const of = <T extends SessionCommand["_tag"]>(cs: ReadonlyArray<SessionCommand>, tag: T) => cs.filter((c): c is Extract<SessionCommand, { _tag: T }> => c._tag === tag)

describe("progressive and power modes", () => {
  it("keeps lines-per-agent dials in flight per ready agent, with a caller ID and a ring time of at least the minimum", () => {
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 2 }, ringTimeoutSeconds: 10, minRingSeconds: 15, callerIds: { pool: [{ number: "+12125550000" }], localPresence: false } })
    const first = dials(h.login("a1"))
    expect(first).toHaveLength(2)
    expect(first[0]).toMatchObject({ callId: "s:0", contactId: "c0", callerId: "+12125550000", ringTimeoutSeconds: 15, amd: "detect" })
    expect(dials(h.login("a2"))).toHaveLength(2)
    // A resolved dial is replaced.
    expect(dials(h.send({ _tag: "CallBusy", at: T0 + 4000, callId: "s:0" }))).toHaveLength(1)
  })

  it("bridges a live answer to the agent ready longest, and releases one it cannot serve with the safe-harbour message", () => {
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 2 }, abandon: { lockoutHours: 72 } })
    h.login("a1")
    h.login("a2", T0 + 1000)
    const b = h.send({ _tag: "CallAnswered", at: T0 + 9000, callId: "s:0", verdict: "human", amdSeconds: 2.5, greetingEndedAt: T0 + 8000 })
    expect(of(b, "Bridge")).toEqual([{ _tag: "Bridge", callId: "s:0", agentId: "a1" }])
    expect(of(b, "MarkContactDone")[0]).toMatchObject({ contactId: "c0", reason: "connected" })
    h.send({ _tag: "CallAnswered", at: T0 + 9500, callId: "s:1", verdict: "human", amdSeconds: 2.5, greetingEndedAt: T0 + 8500 })
    // a2 now busy; the third live answer waits, then is released at greeting end + 2 s.
    const w = h.send({ _tag: "CallAnswered", at: T0 + 10_000, callId: "s:2", verdict: "human", amdSeconds: 2.5, greetingEndedAt: T0 + 9500 })
    expect(of(w, "Bridge")).toEqual([])
    expect(Session.nextWakeAt(h.state())).toBe(T0 + 11_500)
    const r = Session.decide(h.state(), T0 + 11_500).commands
    expect(of(r, "PlaySafeHarbourAndRelease")).toEqual([{ _tag: "PlaySafeHarbourAndRelease", callId: "s:2", message: "safe-harbour" }])
    expect(Session.view(h.state()).stats.abandoned).toBe(1)
  })

  it("never redials an abandoned number during the drop lockout", () => {
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 1 }, abandon: { lockoutHours: 72 }, retry: { noAnswer: { delayMinutes: 1, maxAttempts: 5 } } }, [contact(0)])
    h.login("a1")
    h.send({ _tag: "AgentPaused", at: T0 + 1000, agentId: "a1", code: "break" })
    h.send({ _tag: "CallAnswered", at: T0 + 9000, callId: "s:0", verdict: "human", amdSeconds: 2, greetingEndedAt: T0 + 8000 })
    const r = Session.decide(h.state(), T0 + 10_000).commands
    expect(of(r, "PlaySafeHarbourAndRelease")).toHaveLength(1)
    expect(of(r, "ScheduleRetry")).toHaveLength(1)
    const later = h.send({ _tag: "AgentReady", at: T0 + 5 * 60_000, agentId: "a1" })
    expect(dials(later)).toEqual([])
    expect(Session.view(h.state()).stats.blockedByLockout).toBe(1)
  })

  it("hangs up on machines or drops the voicemail, and retries per outcome until the rule is exhausted", () => {
    const h = harness({
      mode: { _tag: "progressive", linesPerAgent: 1 }, amd: "detectAndDropVoicemail", voicemailMessage: "vm-1",
      retry: { machine: { delayMinutes: 60, maxAttempts: 2 } }
    }, [contact(0)])
    h.login("a1")
    const m = h.send({ _tag: "CallAnswered", at: T0 + 20_000, callId: "s:0", verdict: "machine", amdSeconds: 2.5 })
    expect(of(m, "DropVoicemail")).toEqual([{ _tag: "DropVoicemail", callId: "s:0", message: "vm-1" }])
    expect(of(m, "ScheduleRetry")).toEqual([{ _tag: "ScheduleRetry", contactId: "c0", at: T0 + 20_000 + 3600_000, outcome: "machine" }])
    expect(Session.nextWakeAt(h.state())).toBe(T0 + 20_000 + 3600_000)
    const again = Session.decide(h.state(), T0 + 20_000 + 3600_000).commands
    expect(dials(again)).toHaveLength(1)
    const done = h.send({ _tag: "CallAnswered", at: T0 + 3700_000, callId: "s:1", verdict: "machine", amdSeconds: 2.5 })
    expect(of(done, "MarkContactDone")).toEqual([{ _tag: "MarkContactDone", contactId: "c0", reason: "retriesExhausted" }])
  })

  it("moves to the alternate number after a failure", () => {
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 1 }, retry: { failed: { delayMinutes: 0, maxAttempts: 3 } } },
      [contact(0, { numbers: [{ number: "+12125551000" }, { number: "+12125552000" }] })])
    expect(dials(h.login("a1"))[0]!.number).toBe("+12125551000")
    const r = h.send({ _tag: "CallFailed", at: T0 + 1000, callId: "s:0", reason: "404" })
    expect(dials(r)[0]!.number).toBe("+12125552000")
  })
})

describe("compliance at dial time", () => {
  it("checks DNC when dialling, not only at load", () => {
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 1 } }, [contact(0), contact(1)])
    h.send({ _tag: "DncAdded", at: T0, number: "+12125551000", scope: "global" })
    const r = h.login("a1")
    expect(dials(r).map((d) => d.contactId)).toEqual(["c1"])
    expect(of(r, "MarkContactDone")).toEqual([{ _tag: "MarkContactDone", contactId: "c0", reason: "dnc" }])
  })

  it("waits for the contact's local window, then dials when it opens", () => {
    // 10:00 in New York is 07:00 in Los Angeles: the LA contact waits until 08:00 local (16:00 UTC).
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 1 } }, [contact(0, { timezone: "America/Los_Angeles" })])
    expect(dials(h.login("a1"))).toEqual([])
    expect(Session.nextWakeAt(h.state())).toBe(Date.UTC(2026, 2, 2, 16, 0))
    expect(dials(Session.decide(h.state(), Date.UTC(2026, 2, 2, 16, 0)).commands)).toHaveLength(1)
  })

  it("infers the zone from the number when the contact has none", () => {
    // 415 is California: closed at 07:00 local.
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 1 } }, [{ id: "x", numbers: [{ number: "+14155550100" }] }, { id: "y", numbers: [{ number: "+12125550100" }] }])
    expect(dials(h.login("a1")).map((d) => d.contactId)).toEqual(["y"])
  })

  it("caps attempts per contact per day", () => {
    const h = harness({
      mode: { _tag: "progressive", linesPerAgent: 1 }, retry: { busy: { delayMinutes: 1, maxAttempts: 10 } },
      caps: { ...Config.unlimitedCaps, perContactPerDay: 2 }
    }, [contact(0)])
    h.login("a1")
    h.send({ _tag: "CallBusy", at: T0 + 1000, callId: "s:0" })
    expect(dials(Session.decide(h.state(), T0 + 61_000).commands)).toHaveLength(1)
    h.send({ _tag: "CallBusy", at: T0 + 62_000, callId: "s:1" })
    expect(dials(Session.decide(h.state(), T0 + 200_000).commands)).toEqual([])
    expect(Session.view(h.state()).stats.blockedByCaps).toBe(1)
  })

  it("orders the queue by priority, then lead score, and round-robins over lists", () => {
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 1 }, maxLinesPerAgent: 10 }, [
      contact(0, { listId: "A", leadScore: 1 }), contact(1, { listId: "A", leadScore: 5 }), contact(2, { listId: "B" }),
      contact(3, { listId: "B" }), contact(4, { listId: "A", priority: 9 }),
      contact(5, { listId: "A", priority: -1 }), contact(6, { listId: "A", priority: -1 }), contact(7, { listId: "B", priority: -1 })
    ])
    const order: Array<string> = []
    for (let i = 0; i < 8; i++) order.push(...dials(h.login(`a${i}`)).map((d) => d.contactId))
    // Priority first, then lead score; among equals the lists take turns (B was not served yet, then A...).
    expect(order).toEqual(["c4", "c1", "c0", "c2", "c3", "c5", "c7", "c6"])
  })

  it("respects caller-ID calls-per-second caps and presents a local number", () => {
    const h = harness({
      mode: { _tag: "progressive", linesPerAgent: 3 },
      callerIds: { pool: [{ number: "+13055550000", areaCodes: ["305"], cps: 1 }, { number: "+12125550000", areaCodes: ["212"], cps: 1 }], localPresence: true }
    })
    const first = dials(h.login("a1"))
    expect(first).toHaveLength(2)
    expect(first[0]!.callerId).toBe("+12125550000")
    expect(Session.nextWakeAt(h.state())).toBeGreaterThan(T0)
    expect(dials(Session.decide(h.state(), T0 + 1001).commands)).toHaveLength(1)
  })

  it("gives an agent-owned callback only to its owner, with the agent attached", () => {
    const h = harness({ mode: { _tag: "progressive", linesPerAgent: 1 } }, [contact(0, { callback: { at: T0, agentId: "a2" } }), contact(1)])
    expect(dials(h.login("a1")).map((d) => d.contactId)).toEqual(["c1"])
    const d = dials(h.login("a2"))
    expect(d[0]).toMatchObject({ contactId: "c0", agentId: "a2" })
  })
})

describe("preview mode", () => {
  it("offers a contact, dials it when taken and bridges the agent; a skip offers the next", () => {
    const h = harness({ mode: { _tag: "preview" } })
    expect(of(h.login("a1"), "OfferPreview")).toEqual([{ _tag: "OfferPreview", agentId: "a1", contactId: "c0" }])
    const skipped = h.send({ _tag: "PreviewSkipped", at: T0 + 5000, agentId: "a1", contactId: "c0" })
    expect(of(skipped, "OfferPreview")[0]!.contactId).toBe("c1")
    const taken = h.send({ _tag: "PreviewTaken", at: T0 + 9000, agentId: "a1", contactId: "c1" })
    expect(dials(taken)[0]).toMatchObject({ contactId: "c1", agentId: "a1" })
    const b = h.send({ _tag: "CallAnswered", at: T0 + 20_000, callId: "s:0", verdict: "human", amdSeconds: 0 })
    expect(of(b, "Bridge")).toEqual([{ _tag: "Bridge", callId: "s:0", agentId: "a1" }])
  })

  it("auto-dials an offered contact after the timer", () => {
    const h = harness({ mode: { _tag: "preview", autoDialSeconds: 30 } })
    expect(of(h.login("a1"), "OfferPreview")[0]).toMatchObject({ autoDialAt: T0 + 30_000 })
    expect(Session.nextWakeAt(h.state())).toBe(T0 + 30_000)
    expect(dials(Session.decide(h.state(), T0 + 30_000).commands)[0]).toMatchObject({ contactId: "c0", agentId: "a1" })
  })
})

describe("parallel mode", () => {
  it("dials N lines per rep; the first human wins; losers are cancelled only after the minimum ring time", () => {
    const h = harness({ mode: { _tag: "parallel", linesPerAgent: 3 }, minRingSeconds: 15 })
    expect(dials(h.login("a1")).map((d) => d.agentId)).toEqual(["a1", "a1", "a1"])
    const won = h.send({ _tag: "CallAnswered", at: T0 + 6000, callId: "s:1", verdict: "human", amdSeconds: 0 })
    expect(of(won, "Bridge")).toEqual([{ _tag: "Bridge", callId: "s:1", agentId: "a1" }])
    expect(of(won, "Cancel")).toEqual([])
    expect(Session.nextWakeAt(h.state())).toBe(T0 + 15_000)
    const c = Session.decide(h.state(), T0 + 15_000).commands
    expect(of(c, "Cancel").map((x) => x.callId).sort()).toEqual(["s:0", "s:2"])
  })

  it("cancels losers at once when the campaign is exempt, or bridges a second human to another free rep", () => {
    const h = harness({ mode: { _tag: "parallel", linesPerAgent: 2 }, minRingExempt: true })
    h.login("a1")
    h.login("a2")
    const won = h.send({ _tag: "CallAnswered", at: T0 + 6000, callId: "s:0", verdict: "human", amdSeconds: 0 })
    expect(of(won, "Cancel")).toEqual([{ _tag: "Cancel", callId: "s:1", reason: "parallelLoser" }])
    // a2 is still waiting on its own lines: a stray human from elsewhere may go to a2.
    const h2 = harness({ mode: { _tag: "parallel", linesPerAgent: 2 } })
    h2.login("a1")
    h2.login("a2")
    h2.send({ _tag: "CallAnswered", at: T0 + 6000, callId: "s:0", verdict: "human", amdSeconds: 0 })
    const second = h2.send({ _tag: "CallAnswered", at: T0 + 7000, callId: "s:1", verdict: "human", amdSeconds: 0 })
    expect(of(second, "Bridge")).toEqual([{ _tag: "Bridge", callId: "s:1", agentId: "a2" }])
  })
})

describe("agentless (AI) mode", () => {
  it("bridges answers to AI channels and hands transfers to a human agent", () => {
    const h = harness({ mode: { _tag: "agentless", aiChannels: 2, transferShare: 0.1, linesPerChannel: 1 } })
    // AI channels need no human to start: one line per free channel as soon as contacts arrive.
    expect(dials(h.all)).toHaveLength(2)
    expect(dials(h.login("human-1"))).toEqual([])
    const b = h.send({ _tag: "CallAnswered", at: T0 + 8000, callId: "s:0", verdict: "human", amdSeconds: 2 })
    expect(of(b, "Bridge")).toEqual([{ _tag: "Bridge", callId: "s:0", agentId: "ai:0" }])
    const t = h.send({ _tag: "TransferRequested", at: T0 + 60_000, callId: "s:0" })
    expect(of(t, "Bridge")).toEqual([{ _tag: "Bridge", callId: "s:0", agentId: "human-1" }])
  })
})

describe("predictive mode with a custom pacer", () => {
  it("applies the line cap after the pacer", () => {
    const greedy = { id: "greedy", initial: null, observe: (s: null) => s, decide: (s: null) => ({ state: s, dials: 1000 }) }
    const st = Session.make(Config.make({ sessionId: "g", maxLinesPerAgent: 2 }), { now: T0, pacer: greedy })
    Session.step(st, { _tag: "ContactsAdded", at: T0, contacts: Array.from({ length: 20 }, (_, i) => contact(i)) })
    Session.step(st, { _tag: "AgentLoggedIn", at: T0, agentId: "a" })
    expect(dials(Session.step(st, { _tag: "AgentReady", at: T0, agentId: "a" }).commands)).toHaveLength(2)
  })
})
