import type { Pacer, PacingObservation, PacingSnapshot } from "@autodialer/dialer-engine/Pacer"
import { describe, expect, it } from "vitest"
import * as ErlangSoonFree from "../../src/pacers/ErlangSoonFree.ts"
import * as ImpactReplay from "../../src/pacers/ImpactReplay.ts"
import { power } from "../../src/pacers/Power.ts"
import { progressive } from "../../src/pacers/Progressive.ts"
import * as UnicomPi from "../../src/pacers/UnicomPi.ts"
import * as Vicidial from "../../src/pacers/Vicidial.ts"
import { snapshot } from "./Snapshot.ts"

/** Drive a pacer: feed observations, then decide on each snapshot in turn; returns the last decision and state. */
const run = <S>(pacer: Pacer<S>, steps: ReadonlyArray<{ obs?: ReadonlyArray<PacingObservation>; snap: PacingSnapshot }>, state = pacer.initial) => {
  let s = state
  let dials = 0
  for (const step of steps) {
    for (const o of step.obs ?? []) s = pacer.observe(s, o)
    const d = pacer.decide(s, step.snap)
    s = d.state
    dials = d.dials
  }
  return { state: s, dials }
}

const resolved = (at: number, outcome: "human" | "machine" | "noAnswer", seconds = 10): PacingObservation => ({
  _tag: "DialResolved",
  at,
  outcome,
  secondsToOutcome: seconds,
  censored: false
})

describe("progressive and power", () => {
  it("progressive keeps one dial per ready agent", () => {
    expect(progressive.decide(null, snapshot({ now: 0, loggedIn: 10, ready: 4, inFlight: 1 })).dials).toBe(3)
    expect(progressive.decide(null, snapshot({ now: 0, loggedIn: 10, ready: 4, inFlight: 6 })).dials).toBe(0)
  })
  it("power keeps a fixed number of lines per ready agent, within the line cap", () => {
    expect(power(2.5).decide(null, snapshot({ now: 0, loggedIn: 10, ready: 4, inFlight: 2 })).dials).toBe(8)
    expect(power(3).decide(null, snapshot({ now: 0, loggedIn: 10, ready: 10, cap: 12 })).dials).toBe(12)
    expect(() => power(0.5)).toThrow(/>= 1/)
  })
})

describe("VICIdial", () => {
  it("converts session time to HHMM from a 09:00 start", () => {
    expect(Vicidial.hhmmAt(900, 0)).toBe(900)
    expect(Vicidial.hhmmAt(900, 95 * 60_000)).toBe(1035)
    expect(Vicidial.hhmmAt(930, 12 * 3600_000)).toBe(2130)
  })

  it("raises the level while agents wait, clamped to the maximum, and places round(L x agents) - calls in system", () => {
    const pacer = Vicidial.hardLimit
    // 10 agents, all ready, for 16 s: D = 10, m = 1 => L = 2 after the first 15 s.
    const steps = Array.from({ length: 17 }, (_, i) => ({ snap: snapshot({ now: i * 1000, loggedIn: 10, ready: 10 }) }))
    const r = run(pacer, steps)
    expect(r.state.level).toBeCloseTo(2, 9)
    expect(r.dials).toBe(20)
    // After another 15 s idle, L = 2 x 2 = 4, clamped to 3.
    const more = Array.from({ length: 16 }, (_, i) => ({ snap: snapshot({ now: 17_000 + i * 1000, loggedIn: 10, ready: 10 }) }))
    expect(run(pacer, more, r.state).state.level).toBe(3)
  })

  it("lowers the level when customers wait, never below 1", () => {
    const pacer = Vicidial.hardLimit
    const start = { ...pacer.initial, level: 2.5 }
    // ready 0, 5 customers waiting of 10 agents: m = -0.5 => L = 1.25
    const steps = Array.from({ length: 17 }, (_, i) => ({ snap: snapshot({ now: i * 1000, loggedIn: 10, ready: 0, waiting: 5 }) }))
    expect(run(pacer, steps, start).state.level).toBeCloseTo(1.25, 9)
  })

  it("applies the drop guard variants once today's drop % (refreshed every 60 s) exceeds the limit", () => {
    const base = {
      ...Vicidial.hardLimit.initial,
      level: 2,
      placedToday: 100,
      dropPercent: 5,
      sums: { ready: 15, waiting: 0, loggedIn: 150, samples: 15 }
    }
    const opts = { ...Vicidial.defaults }
    // D = 1, m = 0.1 => L = 2.2 before the guard
    expect(Vicidial.adjustLevel({ ...opts, mode: "HARD_LIMIT" }, base, 60_000)).toBe(1)
    expect(Vicidial.adjustLevel({ ...opts, mode: "AVERAGE" }, base, 60_000)).toBeCloseTo(1.1, 9)
    // 13:00 => (2100 - 1300)/1000 = 0.8
    expect(Vicidial.adjustLevel({ ...opts, mode: "TAPERED" }, base, 4 * 3600_000)).toBeCloseTo(2.2 * 0.8, 9)
    // 10:00 => min(1, 1.1) = 1
    expect(Vicidial.adjustLevel({ ...opts, mode: "TAPERED" }, base, 3600_000)).toBeCloseTo(2.2, 9)
    // not enough calls placed today: no guard
    expect(Vicidial.adjustLevel({ ...opts, mode: "HARD_LIMIT" }, { ...base, placedToday: 50 }, 60_000)).toBeCloseTo(2.2, 9)
  })

  it("counts drops per human answer since the start and refreshes the drop % only every 60 s", () => {
    const pacer = Vicidial.hardLimit
    const obs: Array<PacingObservation> = [resolved(100, "human"), resolved(200, "human"), { _tag: "Abandoned", at: 300 }]
    const early = run(pacer, [{ obs, snap: snapshot({ now: 30_000, loggedIn: 5, ready: 0 }) }])
    expect(early.state.dropPercent).toBe(0)
    const later = run(pacer, [{ snap: snapshot({ now: 61_000, loggedIn: 5, ready: 0 }) }], early.state)
    expect(later.state.dropPercent).toBeCloseTo(50, 9)
  })

  it("halves the level when more than half of over 20 calls in the last minute dropped", () => {
    const s = { ...Vicidial.hardLimit.initial, level: 2, placedInPeriod: 30, dropsInPeriod: 16, sums: { ready: 0, waiting: 0, loggedIn: 150, samples: 15 } }
    expect(Vicidial.adjustLevel({ ...Vicidial.defaults, mode: "HARD_LIMIT" }, s, 15_000)).toBe(1)
    expect(Vicidial.adjustLevel({ ...Vicidial.defaults, mode: "HARD_LIMIT" }, { ...s, level: 3 }, 15_000)).toBe(1.5)
  })
})

describe("Unicom PI", () => {
  const history = (humans: number, others: number, abandons: number): Array<PacingObservation> => [
    ...Array.from({ length: humans }, (_, i) => resolved(i * 10, "human")),
    ...Array.from({ length: others }, (_, i) => resolved(i * 10, "noAnswer")),
    ...Array.from({ length: abandons }, (_, i): PacingObservation => ({ _tag: "Abandoned", at: i * 10 }))
  ]
  it("dials waiting x attempts / answered, raising the gain while there are no silent calls", () => {
    const pacer = UnicomPi.unicomPi
    const r = run(pacer, [{ obs: history(20, 60, 0), snap: snapshot({ now: 60_000, loggedIn: 10, ready: 2 }) }])
    expect(r.state.gain).toBeGreaterThan(1)
    expect(r.dials).toBe(Math.round(2 * 4 * r.state.gain))
  })
  it("lowers the gain when the silent rate is over target, and drops to 1:1 at the daily cap", () => {
    const pacer = UnicomPi.unicomPi
    const over = run(pacer, [{ obs: history(100, 300, 4), snap: snapshot({ now: 60_000, loggedIn: 10, ready: 2 }) }])
    expect(over.state.gain).toBeLessThan(1)
    expect(over.dials).toBe(Math.round(2 * Math.max(1, 4 * over.state.gain)))
    const capped = run(pacer, [{ obs: history(100, 300, 5), snap: snapshot({ now: 60_000, loggedIn: 10, ready: 2 }) }])
    expect(capped.dials).toBe(2)
  })
})

describe("Erlang soon-free", () => {
  it("counts long-running calls as soon free and divides by the answer rate", () => {
    const pacer = ErlangSoonFree.erlangSoonFree
    const obs: Array<PacingObservation> = [
      ...Array.from({ length: 10 }, (_, i) => resolved(i, "human", 10)),
      ...Array.from({ length: 30 }, (_, i) => resolved(i, "noAnswer", 25)),
      { _tag: "TalkEnded", at: 0, talkSeconds: 90 },
      { _tag: "WrapEnded", at: 0, wrapSeconds: 10 }
    ]
    // avg answer 10 s, avg duration 100 s: an agent bridged 150 s ago scores 1 - e^-1.6 = 0.80 >= 0.7
    const old = run(pacer, [{ obs, snap: snapshot({ now: 150_000, loggedIn: 3, ready: 1, bridgedAt: 0, cap: 30 }) }])
    expect(old.dials).toBe(Math.ceil((1 + 2) / 0.25))
    // bridged 10 s ago: 1 - e^-0.2 = 0.18 < 0.7, only the ready agent counts
    const fresh = run(pacer, [{ obs, snap: snapshot({ now: 150_000, loggedIn: 3, ready: 1, bridgedAt: 140_000, cap: 30 }) }])
    expect(fresh.dials).toBe(4)
  })
  it("dials 1:1 before it has statistics", () => {
    expect(ErlangSoonFree.erlangSoonFree.decide(ErlangSoonFree.erlangSoonFree.initial, snapshot({ now: 0, loggedIn: 5, ready: 3 })).dials).toBe(3)
  })
})

describe("ImpactDialing replay", () => {
  const attempts = Array.from({ length: 200 }, (_, i) => ({ human: i % 4 === 0, seconds: 10 + (i % 7) * 3 }))
  const handles = Array.from({ length: 50 }, (_, i) => 100 + (i % 5) * 40)
  it("replays history: a higher ratio gives more utilisation and more abandons", () => {
    const low = ImpactReplay.replay(10, 1, attempts, handles)
    const high = ImpactReplay.replay(10, 4, attempts, handles)
    expect(high.utilization).toBeGreaterThan(low.utilization)
    expect(high.abandonRate).toBeGreaterThan(low.abandonRate)
    expect(low.abandonRate).toBe(0)
  })
  it("uses 1:1 below 5 agents or 50 attempts, and a replayed ratio otherwise", () => {
    const pacer = ImpactReplay.impactReplay
    const obs: Array<PacingObservation> = [
      ...attempts.map((a, i) => resolved(i * 1000, a.human ? "human" : "noAnswer", a.seconds)),
      ...handles.flatMap((h, i): Array<PacingObservation> => [
        { _tag: "TalkEnded", at: i * 1000, talkSeconds: h - 20 },
        { _tag: "WrapEnded", at: i * 1000, wrapSeconds: 20 }
      ])
    ]
    const few = run(pacer, [{ obs: obs.slice(0, 20), snap: snapshot({ now: 200_000, loggedIn: 10, ready: 4 }) }])
    expect(few.dials).toBe(4)
    const many = run(pacer, [{ obs, snap: snapshot({ now: 200_000, loggedIn: 10, ready: 4 }) }])
    expect(many.state.ratio).toBeGreaterThan(1)
    expect(many.dials).toBe(Math.round(4 * many.state.ratio))
    const small = run(pacer, [{ obs, snap: snapshot({ now: 200_000, loggedIn: 4, ready: 2 }) }])
    expect(small.dials).toBe(2)
  })
})
