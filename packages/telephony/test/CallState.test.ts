import { describe, expect, it } from "vitest"
import fc from "fast-check"
import type { CallEvent } from "../src/CallEvent.ts"
import * as CallState from "../src/CallState.ts"

const base = (key: string, at: number) => ({ callId: "c1", provider: "twilio" as const, providerCallId: "CA1", eventKey: key, at })
const initiated = { _tag: "Initiated", ...base("initiated", 0) } as const satisfies CallEvent
const ringing = { _tag: "Ringing", ...base("ringing", 1) } as const satisfies CallEvent
const answered = { _tag: "Answered", ...base("answered", 2), answeredBy: "human", amdDecisionMs: 1800 } as const satisfies CallEvent
const bridged = { _tag: "Bridged", ...base("bridged", 3), endpoint: "sip:agent@pbx" } as const satisfies CallEvent
const completed = { _tag: "Completed", ...base("completed", 63), durationSec: 61, price: { amount: -0.013, currency: "USD" } } as const satisfies CallEvent
const canceled = { _tag: "Canceled", ...base("canceled", 5) } as const satisfies CallEvent

const rank = CallState.rankOf

describe("CallState", () => {
  it("folds the happy path in order", () => {
    const { state, applied } = CallState.applyAll(CallState.initial("c1", "twilio"), [initiated, ringing, answered, bridged, completed])
    expect(applied.map((e) => e._tag)).toEqual(["Initiated", "Ringing", "Answered", "Bridged", "Completed"])
    expect(state.status).toBe("completed")
    expect(state.answeredBy).toBe("human")
    expect(state.amdDecisionMs).toBe(1800)
    expect(state.durationSec).toBe(61)
    expect(state.price).toEqual({ amount: -0.013, currency: "USD" })
    expect(state.bridgedTo).toBe("sip:agent@pbx")
  })

  it("absorbs a duplicate by event key", () => {
    const s1 = CallState.apply(CallState.initial("c1", "twilio"), ringing)
    expect(s1._tag).toBe("Applied")
    const s2 = CallState.apply(s1.state, ringing)
    expect(s2._tag).toBe("Duplicate")
    expect(s2.state).toBe(s1.state)
  })

  it("ignores a late ringing after answered, and anything after a terminal event", () => {
    const { state, applied } = CallState.applyAll(CallState.initial("c1", "twilio"), [answered, ringing, completed, canceled])
    expect(applied.map((e) => e._tag)).toEqual(["Answered", "Completed"])
    expect(state.status).toBe("completed")
    const t = CallState.apply(state, { ...canceled, eventKey: "other" })
    expect(t._tag).toBe("Stale")
  })

  it("hang-up during ringing: canceled wins, a late answer is stale", () => {
    const { state, applied } = CallState.applyAll(CallState.initial("c1", "twilio"), [initiated, ringing, canceled, answered])
    expect(applied.map((e) => e._tag)).toEqual(["Initiated", "Ringing", "Canceled"])
    expect(state.status).toBe("canceled")
    expect(state.answeredBy).toBeUndefined()
  })

  it("lets async AMD refine who answered, even after the hang-up, but never downgrade", () => {
    const answeredUnknown = { ...answered, answeredBy: "unknown" as const, eventKey: "status:in-progress" }
    delete (answeredUnknown as { amdDecisionMs?: number }).amdDecisionMs
    const machine = { ...answered, answeredBy: "machine_start" as const, eventKey: "amd:machine_start", amdDecisionMs: 2400 }
    const beep = { ...answered, answeredBy: "machine_end_beep" as const, eventKey: "amd:beep", amdDecisionMs: 9100 }
    const { state, applied } = CallState.applyAll(CallState.initial("c1", "twilio"), [answeredUnknown, completed, machine, beep, { ...machine, eventKey: "amd:again" }])
    expect(applied.map((e) => e._tag)).toEqual(["Answered", "Completed", "Answered", "Answered"])
    expect(state.status).toBe("completed")
    expect(state.answeredBy).toBe("machine_end_beep")
    expect(state.amdDecisionMs).toBe(9100)
  })

  it("rejects an event of another call", () => {
    expect(CallState.apply(CallState.initial("c2", "twilio"), ringing)._tag).toBe("Stale")
  })

  const all: ReadonlyArray<CallEvent> = [initiated, ringing, answered, bridged, completed, canceled]

  it("property: status never moves backwards, whatever the order and duplication", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...all), { maxLength: 20 }), (events) => {
        let state = CallState.initial("c1", "twilio")
        for (const e of events) {
          const next = CallState.apply(state, e).state
          expect(rank(next.status)).toBeGreaterThanOrEqual(rank(state.status))
          if (CallState.isFinal(state.status)) expect(next.status).toBe(state.status)
          state = next
        }
      })
    )
  })

  it("property: delivering every event twice gives the same state and the same applied events", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...all]), (events) => {
        const once = CallState.applyAll(CallState.initial("c1", "twilio"), events)
        const twice = CallState.applyAll(CallState.initial("c1", "twilio"), events.flatMap((e) => [e, e]))
        expect(twice.applied).toEqual(once.applied)
        expect({ ...twice.state, seen: [...twice.state.seen].sort() }).toEqual({ ...once.state, seen: [...once.state.seen].sort() })
      })
    )
  })

  it("property: the first terminal event delivered decides the outcome", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray([...all], { minLength: 1 }), (events) => {
        const { state } = CallState.applyAll(CallState.initial("c1", "twilio"), events)
        const firstTerminal = events.find((e) => e._tag === "Completed" || e._tag === "Canceled")
        if (firstTerminal !== undefined) expect(state.status).toBe(firstTerminal._tag === "Completed" ? "completed" : "canceled")
        else expect(CallState.isFinal(state.status)).toBe(false)
      })
    )
  })
})
