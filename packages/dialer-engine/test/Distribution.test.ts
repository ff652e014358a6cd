import { describe, expect, it } from "vitest"
import * as Distribution from "../src/Distribution.ts"
import * as Random from "../src/Random.ts"

const moments = (d: Distribution.Distribution, n = 40_000) => {
  const f = Distribution.compile(d)
  const rng = Random.make(3)
  let s = 0
  let s2 = 0
  for (let i = 0; i < n; i++) {
    const x = f(rng)
    expect(x).toBeGreaterThanOrEqual(0)
    s += x
    s2 += x * x
  }
  const mean = s / n
  return { mean, cv: Math.sqrt(s2 / n - mean * mean) / mean }
}

describe("Distribution", () => {
  it.each([
    [{ dist: "exponential", mean: 20 } as const, 20, 1],
    [{ dist: "lognormal", mean: 240, cv: 1.2 } as const, 240, 1.2],
    [{ dist: "gamma", mean: 45, cv: 0.5 } as const, 45, 0.5],
    [{ dist: "gamma", mean: 10, cv: 2 } as const, 10, 2],
    [{ dist: "uniform", min: 10, max: 30 } as const, 20, 10 / Math.sqrt(3) / 20]
  ])("samples %j with the stated mean and cv", (d, mean, cv) => {
    const m = moments(d)
    expect(m.mean / mean).toBeCloseTo(1, 1)
    expect(m.cv / cv).toBeCloseTo(1, 1)
    expect(Distribution.mean(d)).toBeCloseTo(mean, 9)
  })

  it("draws a constant and a weighted mixture", () => {
    expect(moments({ dist: "constant", value: 4 }, 10).mean).toBe(4)
    const mix: Distribution.Distribution = {
      dist: "mixture",
      parts: [{ weight: 0.7, dist: "lognormal", mean: 45, cv: 0.5 }, { weight: 0.3, dist: "lognormal", mean: 240, cv: 0.5 }]
    }
    expect(Distribution.mean(mix)).toBeCloseTo(103.5, 9)
    expect(moments(mix).mean / 103.5).toBeCloseTo(1, 1)
  })
})
