import { readFileSync } from "node:fs"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as PredictivePacer from "../src/PredictivePacer.ts"
import * as ProgressivePacer from "../src/ProgressivePacer.ts"
import type { Pacer } from "../src/Pacer.ts"
import { decodeScenarioText, type Scenario } from "../src/Scenario.ts"
import * as Simulator from "../src/Simulator.ts"

const scenario = (name: string): Scenario => {
  const r = decodeScenarioText(readFileSync(new URL(`../../../bench/scenarios/${name}.json`, import.meta.url), "utf8"), name)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

const utilization = (r: Simulator.SimulationResult) => r.handleSeconds / r.loggedInSeconds

describe("Simulator", () => {
  const s2 = scenario("s2")

  it("is deterministic: the same seed gives the same totals", () => {
    const a = Simulator.simulate({ scenario: s2, seed: 5, hours: 0.5 })
    const b = Simulator.simulate({ scenario: s2, seed: 5, hours: 0.5 })
    const c = Simulator.simulate({ scenario: s2, seed: 6, hours: 0.5 })
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
    expect(c.talkSeconds).not.toBe(a.talkSeconds)
  })

  it("gives every pacer the same luck (common random numbers)", () => {
    const outcomes = Array.from({ length: 50 }, (_, k) => Simulator.dialOutcomeFor(s2, 9, k, 0))
    expect(Simulator.dialOutcomeFor(s2, 9, 17, 0)).toEqual(outcomes[17])
    const shares = { human: 0, machine: 0, noAnswer: 0, busy: 0 }
    for (let k = 0; k < 20_000; k++) shares[Simulator.dialOutcomeFor(s2, 9, k, 0).kind]++
    expect(shares.human / 20_000).toBeCloseTo(0.2, 1)
    expect(shares.busy / 20_000).toBeCloseTo(0.15, 1)
    expect(Simulator.talkFor(s2, 9, 3)).toEqual(Simulator.talkFor(s2, 9, 3))
  })

  it("matches the closed-form progressive utilisation (renewal formula) within 2.5 points", () => {
    // PACING.md §5: s1 66.9%, s2 74.3%, s3 57.3%.
    for (const [name, expected] of [["s2", 0.743], ["s3", 0.573]] as const) {
      const r = Simulator.simulate({ scenario: scenario(name), seed: 1, hours: 4, pacer: ProgressivePacer.progressive as Pacer<unknown> })
      expect(Math.abs(utilization(r) - expected), `${name}: ${utilization(r)}`).toBeLessThan(0.025)
      expect(r.abandoned).toBe(0)
    }
  })

  it("counts the ground truth consistently", () => {
    const r = Simulator.simulate({ scenario: s2, seed: 2, hours: 1, timeSeriesEverySeconds: 300 })
    expect(r.connects + r.abandoned + r.amdFalsePositives).toBeLessThanOrEqual(r.liveAnswers)
    expect(r.liveAnswers - r.connects - r.abandoned - r.amdFalsePositives).toBeLessThan(25) // still waiting or cancelled at the end
    expect(r.talkSeconds).toBeLessThan(r.handleSeconds)
    expect(r.handleSeconds).toBeLessThanOrEqual(r.loggedInSeconds)
    expect(r.loggedInSeconds).toBeCloseTo(25 * 3600, -1)
    expect(r.agentWaitSeconds.length).toBeGreaterThan(100)
    expect(r.timeSeries?.length).toBe(12)
  })

  it("the predictive pacer beats progressive on s2 and stays under the limit", () => {
    const prog = Simulator.simulate({ scenario: s2, seed: 3, hours: 3, pacer: ProgressivePacer.progressive as Pacer<unknown> })
    const pred = Simulator.simulate({ scenario: s2, seed: 3, hours: 3 })
    expect(pred.pacer).toBe("autodialer")
    expect(utilization(pred) - utilization(prog)).toBeGreaterThan(0.08)
    expect(pred.windowAbandonRate).toBeLessThanOrEqual(0.03)
    expect(pred.windowAbandonRate).toBeGreaterThan(0.01)
    // Every abandon is a live answer released after the connect threshold, never bridged late.
    expect(Math.max(...pred.answerToAgentSeconds)).toBeLessThanOrEqual(2)
  })

  it("runs any pacer through the stepping API on a virtual clock", () => {
    const sim = new Simulator.Simulation({ scenario: s2, seed: 4, hours: 1, pacer: PredictivePacer.make() as Pacer<unknown> })
    sim.runUntil(sim.startAt + 10 * 60_000)
    expect(sim.now).toBeLessThanOrEqual(sim.startAt + 10 * 60_000)
    const mid = sim.result()
    expect(mid.dials).toBeGreaterThan(0)
    const end = sim.run()
    expect(end.dials).toBeGreaterThan(mid.dials)
    expect(end.hours).toBeCloseTo(1, 5)
  })

  it("applies agent schedules and breaks (s5)", () => {
    const s5 = scenario("s5")
    const r = Simulator.simulate({ scenario: s5, seed: 1, hours: 8, pacer: ProgressivePacer.progressive as Pacer<unknown> })
    // 30 agents, then 45, then 20, minus staggered breaks.
    const expectedMax = (30 * 3 + 45 * 3 + 20 * 2) * 3600
    expect(r.loggedInSeconds).toBeLessThan(expectedMax)
    expect(r.loggedInSeconds).toBeGreaterThan(expectedMax * 0.88)
  })
})
