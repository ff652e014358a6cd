import { describe, expect, it } from "vitest"
import { AbandonLedger } from "../src/AbandonLedger.ts"
import type { AbandonPolicy } from "../src/Config.ts"
import * as Random from "../src/Random.ts"
import type { Rng } from "../src/Random.ts"

const policy: AbandonPolicy = {
  limit: 0.03,
  aim: 0.9,
  connectThresholdSeconds: 2,
  denominator: "live",
  amdFalsePositiveRate: 0,
  window: "campaign",
  lockoutHours: 0,
  windowSoFar: { liveAnswers: 0, abandoned: 0 }
}

/** AMD off, as on s4: 15% of answers are people, who pick up after 4-12 s; machines after 12-26 s. */
const answer = (rng: Rng): { human: boolean; ring: number } => {
  const human = rng.next() < 0.15
  return { human, ring: human ? 4 + 8 * rng.next() : 12 + 14 * rng.next() }
}

/** Learns from `bridged` dispositions, then abandons `abandons` answers; returns the estimate, its sd and the truth. */
const run = (seed: number, withRing: boolean, bridged = 4000, abandons = 300) => {
  const ledger = new AbandonLedger(policy, 0)
  const rng = Random.make(seed)
  for (let i = 0; i < bridged; i++) {
    const a = answer(rng)
    ledger.bridged(i, "unknown", withRing ? a.ring : undefined)
    if (!a.human) ledger.bridgedWasMachine(i, "unknown", withRing ? a.ring : undefined)
  }
  let truth = 0
  for (let i = 0; i < abandons; i++) {
    const a = answer(rng)
    if (a.human) truth++
    ledger.abandon(bridged + i, "unknown", withRing ? a.ring : undefined)
  }
  return { estimate: ledger.windowAbandoned(bridged + abandons), sd: ledger.abandonedSd(bridged + abandons), truth }
}

describe("AbandonLedger", () => {
  it("learns the human share by ring time from agent dispositions", () => {
    const ledger = new AbandonLedger(policy, 0)
    const rng = Random.make(1)
    for (let i = 0; i < 20_000; i++) {
      const a = answer(rng)
      ledger.bridged(i, "unknown", a.ring)
      if (!a.human) ledger.bridgedWasMachine(i, "unknown", a.ring)
    }
    expect(ledger.humanShare("unknown")).toBeCloseTo(0.15, 1)
    // 4-12 s: only people before 12 s; after 12 s only machines.
    expect(ledger.humanShare("unknown", 6)).toBeGreaterThan(0.95)
    expect(ledger.humanShare("unknown", 18)).toBeLessThan(0.02)
  })

  it("counts abandoned people without bias, with a much smaller sd when it knows the ring times", () => {
    let errWith = 0
    let errWithout = 0
    let sdWith = 0
    let sdWithout = 0
    const seeds = 40
    for (let seed = 1; seed <= seeds; seed++) {
      const a = run(seed, true)
      const b = run(seed, false)
      errWith += a.estimate - a.truth
      errWithout += b.estimate - b.truth
      sdWith += a.sd / seeds
      sdWithout += b.sd / seeds
    }
    // Unbiased: the mean error over 40 windows is within a fraction of one abandon.
    expect(Math.abs(errWith / seeds)).toBeLessThan(1)
    expect(Math.abs(errWithout / seeds)).toBeLessThan(2)
    // Without ring times each abandon is a 15% coin: sd ≈ sqrt(300 x 0.15 x 0.85) ≈ 6.2.
    expect(sdWithout).toBeGreaterThan(5)
    expect(sdWith).toBeLessThan(0.5 * sdWithout)
  })
})
