/**
 * Simulator validation: the engine's simulator, driven through the benchmark,
 * against closed forms and the exact CMDP evaluation.
 */
import { Result } from "effect"
import { readFileSync } from "node:fs"
import type { Pacer } from "@autodialer/dialer-engine/Pacer"
import { decodeScenario, decodeScenarioText, type Scenario } from "@autodialer/dialer-engine/Scenario"
import { describe, expect, it } from "vitest"
import { markovModelOf, optimumAt } from "../src/Bounds.ts"
import * as Cmdp from "../src/Cmdp.ts"
import { inProcess } from "../src/Executors.ts"
import { runMetrics, summarize } from "../src/Metrics.ts"
import { progressive } from "../src/pacers/Progressive.ts"
import { run } from "../src/Runner.ts"
import { simulatorScenario } from "../src/Simulation.ts"
import { simulate } from "@autodialer/dialer-engine/Simulator"

const decoded = (json: unknown): Scenario => {
  const r = decodeScenario(json)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}
const builtIn = (name: string): Scenario => {
  const r = decodeScenarioText(readFileSync(new URL(`../scenarios/${name}.json`, import.meta.url), "utf8"), name)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

const seeds = (n: number) => Array.from({ length: n }, (_, i) => i + 1)

const simulateMetrics = (scenario: Scenario, pacer: Pacer<unknown>, n: number, hours: number) =>
  summarize(
    seeds(n).map((seed) => {
      const r = simulate({ scenario: simulatorScenario(scenario), seed, pacer, hours })
      return runMetrics(scenario, { ...r, hours })
    })
  )

describe("simulator validation", () => {
  it("progressive 1:1 utilisation matches its renewal closed form within 1%", () => {
    // No AMD, humans and no-answers only, zero greeting: an agent's cycle is a
    // geometric number of dials until a human, then talk + wrap-up.
    const p = 0.25
    const humanSeconds = 9
    const timeout = 25
    const talk = 120
    const wrap = 10
    const scenario = decoded({
      name: "renewal",
      hours: 4,
      agents: { count: 60 },
      outcomes: [{ fromMinute: 0, human: p, machine: 0, noAnswer: 1 - p, busy: 0 }],
      secondsToOutcome: { human: { dist: "lognormal", mean: humanSeconds, cv: 0.55 } },
      ringTimeoutSeconds: timeout,
      greetingSeconds: { dist: "constant", value: 0 },
      amd: { enabled: false },
      talkSeconds: { dist: "lognormal", mean: talk, cv: 1 },
      wrapSeconds: { dist: "constant", value: wrap },
      policy: { regime: "fcc", abandonLimit: 0.03, connectThresholdSeconds: 2, maxLinesPerAgent: 3 }
    })
    const closedForm = (talk + wrap) / (((1 - p) / p) * timeout + humanSeconds + talk + wrap)
    const m = simulateMetrics(scenario, progressive as Pacer<unknown>, 6, 4)
    expect(Math.abs(m.utilization - closedForm) / closedForm).toBeLessThan(0.01)
    expect(m.abandonRate).toBe(0)
  })

  it("on a Markovian scenario, simulated metrics of a fixed policy match the CMDP's evaluation within the CI", () => {
    const scenario = decoded({
      name: "markov-fixed-policy",
      hours: 4,
      markovian: true,
      agents: { count: 8 },
      outcomes: [{ fromMinute: 0, human: 0.25, machine: 0, noAnswer: 0.75, busy: 0 }],
      secondsToOutcome: { human: { dist: "exponential", mean: 20 }, noAnswer: { dist: "exponential", mean: 20 } },
      ringTimeoutSeconds: null,
      greetingSeconds: { dist: "constant", value: 0 },
      amd: { enabled: false },
      talkSeconds: { dist: "exponential", mean: 100 },
      wrapSeconds: { dist: "constant", value: 0 },
      policy: { regime: "fcc", abandonLimit: 0.3, connectThresholdSeconds: 0, maxLinesPerAgent: 3 }
    })
    const model = markovModelOf(scenario)!
    // A threshold policy: keep ceil(2.2 x idle agents) dials in flight.
    const target = (b: number) => Math.min(model.maxInFlight, Math.ceil(2.2 * (model.agents - b)))
    const exact = Cmdp.evaluatePolicy(model, (b, k) => Math.max(k, target(b)))
    const pacer: Pacer<null> = {
      id: "threshold",
      initial: null,
      observe: (s) => s,
      decide: (s, snap) => ({ state: s, dials: Math.max(0, target(snap.busyAgents.length) - snap.dialsInFlight.length) })
    }
    const m = simulateMetrics(scenario, pacer as Pacer<unknown>, 8, 4)
    // The policy abandons a lot (about 4%), so both metrics are informative; the
    // scenario's limit (30%) is set so that the session's abandon gate never binds.
    expect(exact.abandonRate).toBeGreaterThan(0.01)
    for (const key of ["utilization", "abandonRate"] as const) {
      const [lo, hi] = m.ci95[key]
      expect(exact[key]).toBeGreaterThanOrEqual(lo)
      expect(exact[key]).toBeLessThanOrEqual(hi)
      // and the interval is tight enough to mean something
      expect(hi - lo).toBeLessThan(key === "utilization" ? 0.04 : 0.02)
    }
  })

  it("on every Markovian scenario no pacer is above the CMDP frontier at its abandon rate", async () => {
    const scenarios = ["s1m", "s2m"].map(builtIn).map((s) => ({ ...s, hours: 2 }))
    const outcomes = await run(
      { scenarios, pacers: ["autodialer", "progressive", "vicidial-hard-limit", "unicom-pi", "impact-replay", "erlang-soon-free"], seeds: 3, timeSeriesPacer: "autodialer" },
      inProcess(scenarios)
    )
    for (const o of outcomes) {
      for (const row of o.rows) {
        const ceiling = optimumAt(o.scenario, row.ci95.abandonRate[1])!
        expect(row.ci95.utilization[0], `${o.scenario.name} ${row.pacer}`).toBeLessThanOrEqual(ceiling)
      }
    }
  }, 120_000)
})
