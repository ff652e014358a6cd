import { describe, expect, it } from "vitest"
import { DurationModel, ResolutionModel } from "../src/Estimators.ts"
import * as Random from "../src/Random.ts"

describe("ResolutionModel", () => {
  it("learns the live share and timing, with timeouts as censored ring times", () => {
    const m = new ResolutionModel({ priorLive: 0.5, priorLiveSeconds: 30, priorOtherSeconds: 5 })
    const rng = Random.make(1)
    // 20% live at 10-14 s, 30% machines at 18-22 s, 50% ring out at the 25 s timeout.
    for (let i = 0; i < 5000; i++) {
      const u = rng.next()
      if (u < 0.2) m.observe(10 + 4 * rng.next(), "live")
      else if (u < 0.5) m.observe(18 + 4 * rng.next(), "other")
      else m.observe(25, "censored")
    }
    expect(m.liveShare()).toBeCloseTo(0.2, 1)
    expect(m.liveWithin(0, 5)).toBeLessThan(0.01)
    expect(m.liveWithin(0, 15)).toBeCloseTo(0.2, 1)
    // A dial still ringing at 15 s can no longer be a live answer here.
    expect(m.liveWithin(15, 30)).toBeLessThan(0.01)
    // At 9 s every dial is still at risk: the live share among them is the full share.
    expect(m.liveWithin(9, 6)).toBeCloseTo(0.2, 1)
    expect(m.liveQuantile(0.5)).toBeGreaterThanOrEqual(11)
    expect(m.liveQuantile(0.5)).toBeLessThanOrEqual(14)
  })

  it("forgets: a change of answer rate shows within its memory", () => {
    const m = new ResolutionModel({ priorLive: 0.2, priorLiveSeconds: 12, priorOtherSeconds: 20, memory: 500 })
    const rng = Random.make(2)
    for (let i = 0; i < 3000; i++) m.observe(12, rng.next() < 0.3 ? "live" : "other")
    expect(m.liveShare()).toBeCloseTo(0.3, 1)
    for (let i = 0; i < 3000; i++) m.observe(12, rng.next() < 0.1 ? "live" : "other")
    expect(m.liveShare()).toBeCloseTo(0.1, 1)
  })

  it("detects a step in the answer rate and re-learns within a few hundred dials, not its whole memory", () => {
    const m = new ResolutionModel({ priorLive: 0.3, priorLiveSeconds: 12, priorOtherSeconds: 20, memory: 5000 })
    const rng = Random.make(4)
    for (let i = 0; i < 10_000; i++) m.observe(12, rng.next() < 0.3 ? "live" : "other")
    expect(m.liveShare()).toBeCloseTo(0.3, 1)
    for (let i = 0; i < 400; i++) m.observe(12, rng.next() < 0.12 ? "live" : "other")
    // Without the change detection, 400 of 5,000 dials of memory would leave the share near 0.29.
    expect(m.liveShare()).toBeLessThan(0.2)
  })

  it("finds a halving of the live share within a few hundred dials and keeps the timing of live answers", () => {
    const m = new ResolutionModel({ priorLive: 0.3, priorLiveSeconds: 12, priorOtherSeconds: 20, memory: 2000 })
    const rng = Random.make(7)
    const dial = (p: number): void => {
      if (rng.next() < p) m.observe(6 + 8 * rng.next(), "live")
      else m.observe(4 + 21 * rng.next(), "other")
    }
    for (let i = 0; i < 6000; i++) dial(0.3)
    const median = m.liveQuantile(0.5)
    expect(m.changesDetected()).toBe(0)
    let found = -1
    for (let i = 0; i < 1000 && found < 0; i++) {
      dial(0.15)
      if (m.changesDetected() > 0) found = i
    }
    expect(found).toBeGreaterThan(0)
    expect(found).toBeLessThan(400)
    // The share is the new one right after the alarm, not a blend with the old evidence.
    expect(Math.abs(m.liveShare() - 0.15)).toBeLessThan(0.06)
    expect(Math.abs(m.liveQuantile(0.5) - median)).toBeLessThanOrEqual(1)
    for (let i = 0; i < 600; i++) dial(0.15)
    expect(m.liveShare()).toBeCloseTo(0.15, 1)
  })

  it("reads outcomes in dial order: bursts of dials that resolve live-first raise no alarm", () => {
    // A 100-agent floor places dials in bursts; live answers come back after ~9 s, the rest after
    // ~20 s. Fed in resolution order, each burst is a run of live answers then a run of others.
    const burst = (withTimes: boolean, seed: number): number => {
      const m = new ResolutionModel({ priorLive: 0.17, priorLiveSeconds: 9, priorOtherSeconds: 20, maxResolveSeconds: 30 })
      const rng = Random.make(seed)
      for (let b = 0; b < 400; b++) {
        const t0 = b * 30_000
        const outcomes: Array<[number, "live" | "other"]> = []
        for (let i = 0; i < 100; i++) outcomes.push(rng.next() < 0.17 ? [6 + 6 * rng.next(), "live"] : [15 + 10 * rng.next(), "other"])
        outcomes.sort((x, y) => x[0] - y[0])
        for (const [sec, kind] of outcomes) m.observe(sec, kind, withTimes ? t0 + sec * 1000 : undefined)
      }
      return m.changesDetected()
    }
    for (const seed of [1, 2, 3]) expect(burst(true, seed), `seed ${seed}`).toBe(0)
    // The same stream read in resolution order alarms again and again.
    expect(burst(false, 1)).toBeGreaterThan(3)
  })

  it("finds a drop from 0.33 to 0.17 (s5 at minute 120) within about 150 dials", () => {
    const delays: Array<number> = []
    for (const seed of [21, 22, 23, 24, 25]) {
      const m = new ResolutionModel({ priorLive: 0.33, priorLiveSeconds: 12, priorOtherSeconds: 20 })
      const rng = Random.make(seed)
      for (let i = 0; i < 5000; i++) m.observe(12, rng.next() < 0.33 ? "live" : "other")
      const before = m.changesDetected()
      let i = 0
      while (m.changesDetected() === before && i < 1000) {
        m.observe(12, rng.next() < 0.17 ? "live" : "other")
        i++
      }
      delays.push(i)
      expect(Math.abs(m.liveShare() - 0.17)).toBeLessThan(0.06)
    }
    expect(Math.max(...delays)).toBeLessThan(250)
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeLessThan(160)
  })

  it("raises at most one false alarm in 10,000 dials on a steady floor, even at a low live share", () => {
    for (const [p, seed] of [[0.05, 11], [0.2, 12], [0.46, 13]] as const) {
      const m = new ResolutionModel({ priorLive: p, priorLiveSeconds: 12, priorOtherSeconds: 20 })
      const rng = Random.make(seed)
      for (let i = 0; i < 30_000; i++) {
        if (rng.next() < p) m.observe(6 + 8 * rng.next(), "live")
        else m.observe(4 + 21 * rng.next(), "other")
      }
      expect(m.changesDetected(), `live share ${p}`).toBeLessThanOrEqual(3)
    }
  })
})

describe("DurationModel", () => {
  it("predicts the residual of an exponential duration (memoryless)", () => {
    const m = new DurationModel({ priorMean: 50 })
    const rng = Random.make(3)
    for (let i = 0; i < 20000; i++) m.observe(-100 * Math.log(rng.nextOpen()))
    expect(m.mean()).toBeCloseTo(100, -1)
    const expected = 1 - Math.exp(-10 / 100)
    expect(m.endsWithin(0, 10)).toBeCloseTo(expected, 1)
    expect(m.endsWithin(200, 10)).toBeCloseTo(expected, 1)
  })

  it("knows a constant wrap-up ends exactly on time", () => {
    const m = new DurationModel({ priorMean: 30, maxSeconds: 600 })
    for (let i = 0; i < 2000; i++) m.observe(30.5)
    expect(m.endsWithin(10, 5)).toBeLessThan(0.02)
    expect(m.endsWithin(25, 10)).toBeGreaterThan(0.95)
  })
})
