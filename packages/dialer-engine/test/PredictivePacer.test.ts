import { readFileSync } from "node:fs"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import type { Pacer } from "../src/Pacer.ts"
import * as PredictivePacer from "../src/PredictivePacer.ts"
import { decodeScenarioText, type Scenario } from "../src/Scenario.ts"
import * as Simulator from "../src/Simulator.ts"

const scenario = (name: string): Scenario => {
  const r = decodeScenarioText(readFileSync(new URL(`../../../bench/scenarios/${name}.json`, import.meta.url), "utf8"), name)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

const utilization = (r: Simulator.SimulationResult) => r.handleSeconds / r.loggedInSeconds

describe("PredictivePacer", () => {
  it("on a machine-heavy floor with AMD off (s4), uses its budget without breaking the limit", () => {
    // The model over-predicts abandons many times over here (most answers are machines an agent
    // clears in seconds); the calibration ratio and the ledger's ring-time human share must still
    // let the pacer spend its budget. A calibration prior of 5 pseudo-abandons (an old setting)
    // kept the correction timid; it must not do better than the default.
    const s4 = scenario("s4")
    const pacer = (calibrationPrior: number) =>
      PredictivePacer.make({ amd: false, ringTimeoutSeconds: 25, graceSeconds: 2, calibrationPrior }) as Pacer<unknown>
    let abandons = 0
    let util = 0
    let oldUtil = 0
    const seeds = [1, 2, 3]
    for (const seed of seeds) {
      const before = Simulator.simulate({ scenario: s4, seed, pacer: pacer(5) })
      const after = Simulator.simulate({ scenario: s4, seed })
      expect(after.windowAbandonRate).toBeLessThanOrEqual(0.03)
      expect(Math.max(...after.answerToAgentSeconds)).toBeLessThanOrEqual(2)
      abandons += after.windowAbandonRate / seeds.length
      util += utilization(after) / seeds.length
      oldUtil += utilization(before) / seeds.length
    }
    // Progressive reaches about 47% here, the old guard about 78% at 1.6% abandons.
    expect(abandons).toBeGreaterThan(0.014)
    expect(util).toBeGreaterThan(0.76)
    expect(util).toBeGreaterThan(oldUtil - 0.005)
  })

  it("recovers within five minutes of a step in the answer rate (s5, 0.30 -> 0.12 at minute 120)", () => {
    const s5 = scenario("s5")
    const minutes = 170
    const util = new Float64Array(minutes)
    const seeds = [1, 2, 3]
    for (const seed of seeds) {
      const r = Simulator.simulate({ scenario: s5, seed, hours: minutes / 60, timeSeriesEverySeconds: 60 })
      r.timeSeries?.forEach((x, i) => {
        if (i < minutes) util[i] = util[i]! + x.utilization / seeds.length
      })
    }
    const mean = (from: number, to: number) => util.slice(from, to).reduce((a, b) => a + b, 0) / (to - from)
    // Sample i covers minute i to i + 1. Steady state after the step: minutes 140-169.
    const steady = mean(140, 170)
    expect(steady).toBeGreaterThan(0.8)
    // From minute 125 on (five minutes after the step): within 2 points of the new steady state.
    // The EWMA change test this CUSUM replaced was still about 6 points under it at minutes 125-128.
    expect(steady - mean(125, 135)).toBeLessThan(0.02)
    expect(steady - mean(125, 128)).toBeLessThan(0.03)
  })

  it("keeps the final window under the limit while dialing on near it (soft guard), on the Ofcom and Markov floors", () => {
    // s6: AMD false positives count and can only be estimated; s2m: no estimate noise, so the
    // pacer stands closest to the limit there. Seeds 1-3 of each, whole 8-hour shifts.
    for (const name of ["s6", "s2m"]) {
      const s = scenario(name)
      const sim = s.markovian ? { ...s, policy: { ...s.policy, connectThresholdSeconds: 1e-6 } } : s
      for (const seed of [1, 2, 3]) {
        const r = Simulator.simulate({ scenario: sim, seed })
        expect(r.windowAbandonRate, `${name} seed ${seed}`).toBeLessThanOrEqual(s.policy.abandonLimit)
        // The budget is used: at least 60% of it.
        expect(r.windowAbandonRate, `${name} seed ${seed}`).toBeGreaterThan(0.6 * s.policy.abandonLimit)
      }
    }
  })
})
