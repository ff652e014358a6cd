import { describe, expect, it } from "vitest"
import { allPolicies, evaluatePolicy, frontier, progressivePolicy, progressiveUtilization, solve, type MarkovModel } from "../src/Cmdp.ts"

const model = (agents: number, p: number): MarkovModel => ({ agents, maxInFlight: 3 * agents, mu: 1 / 200, nu: 1 / 20, p })

/** Brute force: every deterministic policy evaluated exactly; the optimum is the best feasible point of their convex hull. */
const bruteForce = (m: MarkovModel, alpha: number) => {
  const points = [...allPolicies(m)].map((t) => {
    const e = evaluatePolicy(m, t)
    return { u: e.utilization, c: e.abandonPerSecond - alpha * e.humanRate }
  })
  let best = -Infinity
  let bestDeterministic = -Infinity
  for (const a of points) {
    if (a.c <= 1e-15) {
      best = Math.max(best, a.u)
      bestDeterministic = Math.max(bestDeterministic, a.u)
      for (const b of points) {
        if (b.c > 1e-12) {
          const q = -a.c / (b.c - a.c)
          best = Math.max(best, (1 - q) * a.u + q * b.u)
        }
      }
    }
  }
  return { best, bestDeterministic, policies: points.length }
}

describe("Cmdp", () => {
  it("reproduces the computed table of PACING.md §3", () => {
    const table: Array<[number, number, number, number]> = [
      [5, 0.25, 0.714, 0.794],
      [10, 0.25, 0.714, 0.839],
      [20, 0.25, 0.714, 0.886],
      [10, 0.1, 0.5, 0.816],
      [20, 0.1, 0.5, 0.876]
    ]
    for (const [N, p, progressive, optimum] of table) {
      const m = model(N, p)
      const s = solve(m, 0.03)
      expect(s.utilization).toBeCloseTo(optimum, 3)
      expect(s.abandonRate).toBeCloseTo(0.03, 6)
      expect(progressiveUtilization(m)).toBeCloseTo(progressive, 3)
      expect(evaluatePolicy(m, progressivePolicy(m)).utilization).toBeCloseTo(progressive, 3)
      // the mixed policies really are what the solver says
      const mixU = s.mix.reduce((acc, x) => acc + x.share * x.metrics.utilization, 0)
      expect(mixU).toBeCloseTo(s.utilization, 9)
    }
  })

  it("matches brute force over all deterministic policies on tiny models", () => {
    const cases: Array<[MarkovModel, number]> = [
      [{ agents: 2, maxInFlight: 2, mu: 1, nu: 2, p: 0.5 }, 0.1],
      [{ agents: 1, maxInFlight: 3, mu: 0.5, nu: 1, p: 0.4 }, 0.05],
      [{ agents: 2, maxInFlight: 2, mu: 1, nu: 3, p: 0.3 }, 0.02],
      // no abandons at all: solved in closed form as progressive; brute force agrees
      [{ agents: 2, maxInFlight: 3, mu: 1, nu: 2, p: 0.5 }, 0]
    ]
    for (const [m, alpha] of cases) {
      const brute = bruteForce(m, alpha)
      expect(brute.policies).toBeGreaterThan(100)
      const s = solve(m, alpha)
      expect(s.utilization).toBeCloseTo(brute.best, 6)
      // randomisation is needed: the optimum beats every deterministic feasible policy
      expect(s.utilization).toBeGreaterThanOrEqual(brute.bestDeterministic - 1e-9)
    }
  })

  it("returns the unconstrained optimum when the limit does not bind", () => {
    const m: MarkovModel = { agents: 2, maxInFlight: 2, mu: 1, nu: 2, p: 0.5 }
    const s = solve(m, 0.9)
    expect(s.lambda).toBe(0)
    const alwaysFull = evaluatePolicy(m, () => m.maxInFlight)
    expect(s.utilization).toBeCloseTo(alwaysFull.utilization, 9)
  })

  it("rises along the frontier and never falls below progressive", () => {
    const m = model(5, 0.25)
    const f = frontier(m, [0.005, 0.01, 0.02, 0.03, 0.05])
    for (let i = 1; i < f.length; i++) expect(f[i]![1]).toBeGreaterThan(f[i - 1]![1])
    expect(f[0]![1]).toBeGreaterThan(progressiveUtilization(m))
  })

  it("refuses nonsense models with a clear message", () => {
    expect(() => solve({ agents: 0, maxInFlight: 3, mu: 1, nu: 1, p: 0.5 }, 0.03)).toThrow(/agents must be an integer >= 1/)
    expect(() => solve(model(5, 0.25), 1.5)).toThrow(/alpha must be in/)
  })
})
