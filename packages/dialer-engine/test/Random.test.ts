import { describe, expect, it } from "vitest"
import * as Random from "../src/Random.ts"

describe("Random", () => {
  it("repeats a sequence for the same seed and differs across seeds", () => {
    const a = Random.make(42)
    const b = Random.make(42)
    const c = Random.make(43)
    const xs = Array.from({ length: 5 }, () => a.nextUint32())
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xs)
  })

  it("keys independent streams by (seed, stream, index), whatever was drawn before", () => {
    const first = Random.keyed(7, 1, 1000).next()
    for (let i = 0; i < 10; i++) Random.keyed(7, 1, i).next()
    expect(Random.keyed(7, 1, 1000).next()).toBe(first)
    expect(Random.keyed(7, 2, 1000).next()).not.toBe(first)
    expect(Random.keyed(8, 1, 1000).next()).not.toBe(first)
  })

  it("is uniform on [0, 1) across keyed streams (mean and spread)", () => {
    let sum = 0
    let sq = 0
    const n = 20_000
    for (let i = 0; i < n; i++) {
      const u = Random.keyed(1, 1, i).next()
      expect(u).toBeGreaterThanOrEqual(0)
      expect(u).toBeLessThan(1)
      sum += u
      sq += u * u
    }
    expect(sum / n).toBeCloseTo(0.5, 2)
    expect(sq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2)
  })
})
