import { describe, expect, it } from "vitest"
import { metricKeys, runMetrics, summarize, type RunTotals } from "../src/Metrics.ts"
import { round, serialize, type ResultRow } from "../src/Report.ts"
import { markdown } from "../src/Table.ts"
import type { Scenario } from "@autodialer/dialer-engine/Scenario"

const scenario = (countAmdFalsePositives: boolean, windowSoFar = { liveAnswers: 0, abandoned: 0 }) =>
  ({ name: "x", policy: { abandonLimit: 0.03, countAmdFalsePositives, windowSoFar } }) as unknown as Scenario

const totals: RunTotals = {
  hours: 2,
  loggedInSeconds: 10 * 7200,
  talkSeconds: 36_000,
  handleSeconds: 54_000,
  liveAnswers: 400,
  abandoned: 8,
  amdFalsePositives: 6,
  dials: 2000,
  connects: 380,
  agentWaitSeconds: [10, 20, 30, 40],
  worstWindowAbandonRate: 0.04,
  answerToAgentSeconds: [0, 0.5, 1]
}

describe("metrics and report", () => {
  it("computes the PACING.md §2 metrics, abandons by regime", () => {
    const fcc = runMetrics(scenario(false), totals)
    expect(fcc.talkMinutesPerAgentHour).toBeCloseTo(30, 9)
    expect(fcc.utilization).toBeCloseTo(0.75, 9)
    expect(fcc.abandonRate).toBeCloseTo(8 / 400, 12)
    expect(fcc.amdFalsePositiveRate).toBeCloseTo(6 / 400, 12)
    expect(fcc.seedsOverLimitShare).toBe(0)
    expect(fcc.connectsPerHour).toBe(190)
    expect(fcc.dialsPerConnect).toBeCloseTo(2000 / 380, 12)
    expect(fcc.meanAgentWaitSeconds).toBe(25)
    const ofcom = runMetrics(scenario(true), totals)
    expect(ofcom.abandonRate).toBeCloseTo(14 / 400, 12)
    expect(ofcom.seedsOverLimitShare).toBe(1)
    // windowSoFar is part of the judged window
    const carried = runMetrics(scenario(false, { liveAnswers: 1000, abandoned: 40 }), totals)
    expect(carried.windowAbandonRate).toBeCloseTo(48 / 1400, 12)
    expect(carried.seedsOverLimitShare).toBe(1)
  })

  it("serialises deterministically with rounded numbers and nulls for non-finite values", () => {
    expect(round(0.123456789)).toBe(0.123457)
    expect(round(NaN)).toBeNull()
    expect(round(-0)).toBe(0)
    const summary = summarize([runMetrics(scenario(false), totals), runMetrics(scenario(false), { ...totals, talkSeconds: 40_000 })])
    const row: ResultRow = { scenario: "x", pacer: "progressive", seeds: 2, ...summary }
    const text = serialize({ results: [row], bounds: [{ scenario: "x", cmdpOptimal: null, cmdpFrontier: null, clairvoyant: { utilization: 1 } }] })
    expect(text).toBe(serialize({ results: [row], bounds: [{ scenario: "x", cmdpOptimal: null, cmdpFrontier: null, clairvoyant: { utilization: 1 } }] }))
    const json = JSON.parse(text)
    expect(Object.keys(json.results[0])).toEqual(["scenario", "pacer", "seeds", ...metricKeys, "ci95"])
    expect(json.results[0].ci95.talkMinutesPerAgentHour[0]).toBeLessThan(json.results[0].talkMinutesPerAgentHour)
    expect(markdown({ results: [row], bounds: [] })).toContain("| x | progressive | 2 |")
  })
})
