import { describe, expect, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { allowedTransitions, CallingWindow, canTransition, conversionRate, RetryRules } from "../src/Campaign.ts"
import * as Decode from "../src/Decode.ts"
import { Organization } from "../src/Organization.ts"
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

describe("Campaign settings at the boundary", () => {
  const decodeWindow = Decode.decodeUnknownResult(CallingWindow, "calling window")
  const decodeRules = Decode.decodeUnknownResult(RetryRules, "retry rules")
  const message = <A>(r: Result.Result<A, Decode.DecodeError>) => Result.isFailure(r) ? r.failure.message : "decoded"

  it("a calling window must end after it starts, on real weekdays, in a real zone", () => {
    const base = { days: [1, 2, 3], start: "09:00", end: "20:00", fallbackTimeZone: "America/Chicago" }
    expect(message(decodeWindow(base))).toBe("decoded")
    expect(message(decodeWindow({ ...base, end: "08:00" }))).toBe(
      "invalid calling window: end: calling window end 08:00 is not after start 09:00 (expected e.g. 09:00-20:00 in the contact's local time)"
    )
    expect(message(decodeWindow({ ...base, days: [1, 7], start: "9am" }))).toBe(
      "invalid calling window: days[1]: day 7 is not a weekday number (expected 0 = Sunday .. 6 = Saturday); " +
        "start: time '9am' is not a local time (expected HH:MM, e.g. 09:00)"
    )
  })

  it("retry rules name each outcome at most once, and only retryable outcomes", () => {
    const busy = { outcome: "busy", delayMinutes: 5, maxRetries: 2 }
    expect(message(decodeRules([busy, { ...busy, delayMinutes: 30 }]))).toBe(
      "invalid retry rules: (root): retry rules name outcome 'busy' twice (expected at most one rule per outcome)"
    )
    expect(message(decodeRules([{ ...busy, outcome: "human_answered" }]))).toContain(`got "human_answered"`)
  })

  it("an organization slug error says what a slug looks like", () => {
    const r = Decode.decodeUnknownResult(Organization.json.fields.slug, "organization")("Acme Inc")
    expect(message(r)).toBe(
      "invalid organization: (root): slug 'Acme Inc' is invalid (expected 2-63 lower-case letters, digits and dashes, e.g. acme-sales)"
    )
  })
})
