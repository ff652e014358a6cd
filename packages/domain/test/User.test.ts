import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { afterFailedLogin, isApiKeyUsable, isLocked, isSessionActive } from "../src/User.ts"

const t0 = new Date("2026-11-25T12:00:00Z")

describe("login lockout", () => {
  it("locks after maxAttempts consecutive failures, for lockMinutes", () => {
    let state = { failedLoginAttempts: 0, lockedUntil: null as Date | null }
    for (let i = 0; i < 4; i++) state = afterFailedLogin(state, t0, { maxAttempts: 5, lockMinutes: 15 })
    expect(state).toStrictEqual({ failedLoginAttempts: 4, lockedUntil: null })
    state = afterFailedLogin(state, t0, { maxAttempts: 5, lockMinutes: 15 })
    expect(state.lockedUntil?.toISOString()).toBe("2026-11-25T12:15:00.000Z")
    expect(isLocked(state, new Date("2026-11-25T12:14:59Z"))).toBe(true)
    expect(isLocked(state, new Date("2026-11-25T12:15:01Z"))).toBe(false)
  })

  it("never locks before maxAttempts failures (property)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), (max) => {
      let state = { failedLoginAttempts: 0, lockedUntil: null as Date | null }
      for (let i = 1; i < max; i++) {
        state = afterFailedLogin(state, t0, { maxAttempts: max, lockMinutes: 1 })
        expect(isLocked(state, t0)).toBe(false)
      }
      state = afterFailedLogin(state, t0, { maxAttempts: max, lockMinutes: 1 })
      expect(isLocked(state, t0)).toBe(true)
    }))
  })

  it("keys and sessions stop working when revoked or expired", () => {
    const later = new Date(t0.getTime() + 1000)
    expect(isApiKeyUsable({ revokedAt: null, expiresAt: null }, t0)).toBe(true)
    expect(isApiKeyUsable({ revokedAt: t0, expiresAt: null }, later)).toBe(false)
    expect(isApiKeyUsable({ revokedAt: null, expiresAt: t0 }, later)).toBe(false)
    expect(isSessionActive({ revokedAt: null, expiresAt: later }, t0)).toBe(true)
    expect(isSessionActive({ revokedAt: null, expiresAt: t0 }, t0)).toBe(false)
  })
})
