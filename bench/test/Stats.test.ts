import { describe, expect, it } from "vitest"
import { ci95, mean, quantile, sd, t975 } from "../src/Stats.ts"

describe("Stats", () => {
  it("computes mean, sd and a t-based 95% interval", () => {
    const xs = [1, 2, 3, 4, 5]
    expect(mean(xs)).toBe(3)
    expect(sd(xs)).toBeCloseTo(Math.sqrt(2.5), 12)
    const [lo, hi] = ci95(xs)
    expect(hi - 3).toBeCloseTo((2.776 * Math.sqrt(2.5)) / Math.sqrt(5), 9)
    expect(3 - lo).toBeCloseTo(hi - 3, 12)
    expect(ci95([7])).toEqual([7, 7])
  })
  it("has t quantiles that approach the normal one", () => {
    expect(t975(1)).toBeCloseTo(12.706, 3)
    expect(t975(40)).toBeCloseTo(2.021, 3)
    expect(t975(120)).toBeCloseTo(1.98, 3)
  })
  it("interpolates quantiles", () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5)
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.95)).toBeCloseTo(10.5, 12)
  })
})
