import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as ConfigSchema from "../src/ConfigSchema.ts"

describe("ConfigSchema.decode", () => {
  it("fills defaults for the fields not given", () => {
    const r = ConfigSchema.decode({ sessionId: "s1", mode: { _tag: "progressive", linesPerAgent: 2 }, abandon: { lockoutHours: 72 } })
    expect(Result.isSuccess(r)).toBe(true)
    if (Result.isSuccess(r)) {
      expect(r.success.mode).toEqual({ _tag: "progressive", linesPerAgent: 2 })
      expect(r.success.abandon).toMatchObject({ limit: 0.03, connectThresholdSeconds: 2, lockoutHours: 72 })
      expect(r.success.callingHours.window).toEqual({ start: "08:00", end: "21:00" })
      expect(r.success.minRingSeconds).toBe(15)
    }
  })

  it("names the bad field, its value and what was expected", () => {
    const r = ConfigSchema.decode({ abandon: { limit: 3 }, callingHours: { window: { start: "8am", end: "21:00" } } })
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) {
      expect(r.failure._tag).toBe("ConfigDecodeError")
      expect(r.failure.message).toContain("limit")
      expect(r.failure.message).toContain("3")
      expect(r.failure.message).toContain("8am")
    }
  })

  it("refuses unknown keys (a misspelt knob must not be silently ignored)", () => {
    const r = ConfigSchema.decode({ minRingSecond: 5 })
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) expect(r.failure.message).toContain("minRingSecond")
  })
})

describe("attempt caps", () => {
  it("reads null as unlimited", () => {
    const caps = { perContactLifetime: 5, perContactPerDay: null, perContactRolling24h: 3, perNumberLifetime: null, perNumberPerDay: 2, perNumberRolling24h: null }
    const r = ConfigSchema.decode({ caps })
    expect(Result.isSuccess(r) && r.success.caps).toEqual({ ...caps, perContactPerDay: Infinity, perNumberLifetime: Infinity, perNumberRolling24h: Infinity })
  })
})
