import { readdirSync, readFileSync } from "node:fs"
import { Result } from "effect"
import { decodeScenarioText, meanOf } from "@autodialer/dialer-engine/Scenario"
import { describe, expect, it } from "vitest"
import { markovModelOf } from "../src/Bounds.ts"

const dir = new URL("../scenarios/", import.meta.url)
const load = (file: string) => {
  const r = decodeScenarioText(readFileSync(new URL(file, dir), "utf8"), file)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

describe("built-in scenarios", () => {
  it("all decode, and follow the standard suite of PACING.md §5", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
    expect(files).toEqual(["s1.json", "s1m.json", "s2.json", "s2m.json", "s3.json", "s4.json", "s5.json", "s6.json"])
    const s = Object.fromEntries(files.map((f) => [f.replace(".json", ""), load(f)]))
    expect(s["s1"]!.agents.count).toBe(6)
    expect(s["s3"]!.agents.count).toBe(100)
    expect(s["s4"]!.amd.enabled).toBe(false)
    expect(s["s4"]!.policy.maxLinesPerAgent).toBe(10)
    expect(meanOf(s["s4"]!.talkSeconds)).toBeCloseTo(0.7 * 45 + 0.3 * 240, 9)
    expect(s["s5"]!.agents.schedule?.map((x) => x.count)).toEqual([45, 20])
    expect(s["s5"]!.outcomes.map((o) => o.human)).toEqual([0.3, 0.12, 0.25])
    expect(s["s5"]!.policy.windowSoFar).toEqual({ liveAnswers: 30000, abandoned: 810 })
    expect(s["s6"]!.policy).toMatchObject({ regime: "ofcom", countAmdFalsePositives: true, dropLockoutHours: 72 })
    expect(s["s6"]!.amd.enabled && s["s6"]!.amd.falsePositive).toBe(0.01)
    expect(s["s1m"]!.markovian && s["s2m"]!.markovian).toBe(true)
    expect(markovModelOf(s["s1m"]!)).toEqual({ agents: 6, maxInFlight: 18, mu: 1 / 170, nu: 1 / 17.6, p: 0.2134 })
    expect(markovModelOf(s["s1"]!)).toBeNull()
  })
})
