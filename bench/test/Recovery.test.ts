import { describe, expect, it } from "vitest"
import { recovery } from "../src/Recovery.ts"

describe("recovery", () => {
  const step = { atMinute: 10, steadyFrom: 20, steadyTo: 30 }
  it("counts the minutes until every later minute is within the tolerance", () => {
    const util = new Float64Array(30).fill(0.9)
    // Minutes 10-14 are 8 points down; from minute 15 (5 minutes after the step) it is back.
    for (let i = 10; i < 15; i++) util[i] = 0.82
    const r = recovery(util, step)
    expect(r.steady).toBeCloseTo(0.9, 10)
    expect(r.minutes).toBe(5)
    expect(r.gaps[0]).toBeCloseTo(-0.08, 10)
  })
  it("does not count a minute that dips out again later", () => {
    const util = new Float64Array(30).fill(0.9)
    util[11] = 0.8
    util[17] = 0.85
    expect(recovery(util, step).minutes).toBe(8)
  })
  it("is null when the last minute before the reference is still off", () => {
    const util = new Float64Array(30).fill(0.9)
    util[19] = 0.7
    expect(recovery(util, step).minutes).toBeNull()
  })
})
