/** Calling-window arithmetic: fixed cases (including DST changes) and properties over random instants and zones. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isOpen, localParts, localToInstant, nextOpenAt, parseTimeOfDay, windowState } from "../src/CallingWindow.ts"
import type { WindowSpec } from "../src/CampaignConfig.ts"

const weekdays: WindowSpec = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" }
const ny = "America/New_York"

describe("CallingWindow", () => {
  it("parses HH:MM and HH:MM:SS and refuses anything else", () => {
    expect(parseTimeOfDay("09:00")).toBe(9 * 3600)
    expect(parseTimeOfDay("23:59:59")).toBe(86_399)
    for (const bad of ["24:00", "9:00", "09:60", "09:00:60", "", "noon"]) expect(parseTimeOfDay(bad)).toBeUndefined()
  })

  it("is open on a weekday afternoon in New York and says when it closes", () => {
    const wed1500 = Date.parse("2026-11-25T20:00:00Z") // Wednesday 15:00 EST
    expect(windowState([weekdays], ny, wed1500)).toEqual({ open: true, closesAt: Date.parse("2026-11-25T22:00:00Z") })
  })

  it("after Friday's close, the next opening is Monday 09:00 local", () => {
    const fri1800 = Date.parse("2026-11-27T23:00:00Z")
    expect(windowState([weekdays], ny, fri1800)).toEqual({ open: false, opensAt: Date.parse("2026-11-30T14:00:00Z") })
  })

  it("follows the DST change: 09:00 New York is 13:00 UTC before it and 14:00 UTC after it", () => {
    // DST ends Sunday 2026-11-01 in the US.
    const friBefore = Date.parse("2026-10-30T12:00:00Z")
    expect(nextOpenAt([weekdays], ny, friBefore)).toBe(Date.parse("2026-10-30T13:00:00Z"))
    const monAfter = Date.parse("2026-11-02T12:00:00Z")
    expect(nextOpenAt([weekdays], ny, monAfter)).toBe(Date.parse("2026-11-02T14:00:00Z"))
    // Spring forward: 2026-03-08 02:30 does not exist in New York; it maps just after the gap.
    expect(localToInstant(2026, 3, 8, 2 * 3600 + 1800, ny)).toBe(Date.parse("2026-03-08T07:30:00Z"))
  })

  it("joins adjacent windows into one open stretch", () => {
    const morning: WindowSpec = { days: [3], start: "09:00", end: "12:00" }
    const afternoon: WindowSpec = { days: [3], start: "12:00", end: "18:00" }
    const wed1000 = Date.parse("2026-11-25T10:00:00Z")
    expect(windowState([morning, afternoon], "UTC", wed1000)).toEqual({ open: true, closesAt: Date.parse("2026-11-25T18:00:00Z") })
  })

  it("never opens when no weekday is selected", () => {
    expect(windowState([{ days: [], start: "09:00", end: "17:00" }], ny, Date.now())).toEqual({ open: false, opensAt: undefined })
  })

  const zones = ["UTC", "America/New_York", "America/Los_Angeles", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"]
  const windowArb = fc.record({
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    start: fc.integer({ min: 0, max: 22 * 3600 }),
    length: fc.integer({ min: 600, max: 6 * 3600 })
  }).map(({ days, start, length }): WindowSpec => {
    const hhmmss = (s: number) => [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60].map((x) => String(x).padStart(2, "0")).join(":")
    return { days, start: hhmmss(start), end: hhmmss(Math.min(start + length, 86_399)) }
  })

  it("property: the state agrees with the local wall clock, and its boundary instants are real boundaries", () => {
    fc.assert(fc.property(
      fc.constantFrom(...zones), fc.array(windowArb, { minLength: 1, maxLength: 3 }),
      fc.integer({ min: Date.parse("2026-01-01T00:00:00Z"), max: Date.parse("2027-12-31T00:00:00Z") }),
      (zone, windows, now) => {
        const local = localParts(now, zone)
        const inside = windows.some((w) => w.days.includes(local.weekday)
          && local.secondsOfDay >= parseTimeOfDay(w.start)! && local.secondsOfDay < parseTimeOfDay(w.end)!)
        const state = windowState(windows, zone, now)
        expect(state.open).toBe(inside)
        if (state.open) {
          expect(state.closesAt).toBeGreaterThan(now)
          expect(isOpen(windows, zone, state.closesAt - 1000)).toBe(true)
          expect(isOpen(windows, zone, state.closesAt)).toBe(false)
        } else {
          expect(state.opensAt).toBeDefined()
          expect(state.opensAt!).toBeGreaterThan(now)
          expect(state.opensAt! - now).toBeLessThanOrEqual(8 * 86_400_000)
          expect(isOpen(windows, zone, state.opensAt!)).toBe(true)
          expect(isOpen(windows, zone, state.opensAt! - 1000)).toBe(false)
        }
      }
    ), { numRuns: 300 })
  })
})
