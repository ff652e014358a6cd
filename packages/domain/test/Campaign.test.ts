import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { allowedTransitions, canTransition, conversionRate } from "../src/Campaign.ts"
import { CampaignStatus } from "../src/Enums.ts"

describe("Campaign", () => {
  it("conversion rate is transferred / total (seed 001), null before the first call", () => {
    expect(conversionRate(0, 0)).toBeNull()
    expect(conversionRate(8, 2)).toBe(0.25)
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), (total, t) => {
      const transferred = Math.min(t, total)
      const rate = conversionRate(total, transferred)!
      expect(rate).toBeGreaterThanOrEqual(0)
      expect(rate).toBeLessThanOrEqual(1)
    }))
  })

  it("status transitions: finished campaigns never run again; archived is final", () => {
    expect(canTransition("draft", "running")).toBe(true)
    expect(canTransition("running", "paused")).toBe(true)
    expect(canTransition("paused", "running")).toBe(true)
    expect(canTransition("running", "draft")).toBe(false)
    expect(canTransition("completed", "running")).toBe(false)
    expect(allowedTransitions("archived")).toStrictEqual([])
    for (const from of CampaignStatus.literals) {
      expect(canTransition(from, from)).toBe(false)
      for (const to of allowedTransitions(from)) expect(CampaignStatus.literals).toContain(to)
    }
  })
})
