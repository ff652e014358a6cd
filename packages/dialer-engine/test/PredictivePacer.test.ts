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
  it("on a machine-heavy floor with AMD off (s4), the calibration lets the pacer use its budget", () => {
    // The model over-predicts abandons many times over here; a calibration prior of 5 pseudo-abandons
    // (the old setting) kept the correction about twice too timid.
    const s4 = scenario("s4")
    const pacer = (calibrationPrior: number) =>
      PredictivePacer.make({ amd: false, ringTimeoutSeconds: 25, graceSeconds: 2, calibrationPrior }) as Pacer<unknown>
    let oldAbandons = 0
    let newAbandons = 0
    let oldUtil = 0
    let newUtil = 0
    for (const seed of [1, 2]) {
      const before = Simulator.simulate({ scenario: s4, seed, pacer: pacer(5) })
      const after = Simulator.simulate({ scenario: s4, seed })
      expect(after.windowAbandonRate).toBeLessThanOrEqual(0.03)
      expect(Math.max(...after.answerToAgentSeconds)).toBeLessThanOrEqual(2)
      oldAbandons += before.windowAbandonRate
      newAbandons += after.windowAbandonRate
      oldUtil += utilization(before)
      newUtil += utilization(after)
    }
    expect(newAbandons / 2).toBeGreaterThan(oldAbandons / 2 + 0.002)
    expect(newUtil / 2).toBeGreaterThan(oldUtil / 2 + 0.005)
  })
})
