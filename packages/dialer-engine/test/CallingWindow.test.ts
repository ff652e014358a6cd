import { describe, expect, it } from "vitest"
import * as CallingWindow from "../src/CallingWindow.ts"
import * as TimeZone from "../src/TimeZone.ts"

const ny: TimeZone.ZoneInference = { zones: ["America/New_York"], provenance: "contact" }
const open = (hours: CallingWindow.CallingHours, inf: TimeZone.ZoneInference, iso: string) => CallingWindow.check(hours, inf, Date.parse(iso)).open

describe("CallingWindow", () => {
  it("opens at 08:00 local across the spring-forward DST change", () => {
    // 8 March 2026: New York moves from UTC-5 to UTC-4 at 07:00 UTC.
    expect(open(CallingWindow.defaultHours, ny, "2026-03-08T11:59:00Z")).toBe(false) // 07:59 EDT
    expect(open(CallingWindow.defaultHours, ny, "2026-03-08T12:00:00Z")).toBe(true) // 08:00 EDT
    // The day before, 12:00 UTC was 07:00 EST: closed.
    expect(open(CallingWindow.defaultHours, ny, "2026-03-07T12:00:00Z")).toBe(false)
  })

  it("closes at 21:00 local across the fall-back DST change", () => {
    // 1 November 2026: back to UTC-5. 21:00 EST = 02:00 UTC the next day.
    expect(open(CallingWindow.defaultHours, ny, "2026-11-02T01:59:00Z")).toBe(true) // 20:59 EST
    expect(open(CallingWindow.defaultHours, ny, "2026-11-02T02:00:00Z")).toBe(false)
    expect(open(CallingWindow.defaultHours, ny, "2026-10-31T01:00:00Z")).toBe(false) // 21:00 EDT the day before
  })

  it("applies holidays, weekday windows and per-state overrides (the stricter wins)", () => {
    const hours: CallingWindow.CallingHours = {
      window: { start: "08:00", end: "21:00" },
      weekdays: { "6": { start: "10:00", end: "16:00" }, "0": null },
      holidays: ["2026-07-03"],
      regions: { FL: { window: { start: "08:00", end: "20:00" }, noSundays: true, holidays: ["2026-05-25"] } }
    }
    const fl: TimeZone.ZoneInference = { zones: ["America/New_York"], provenance: "contact", region: "FL" }
    expect(CallingWindow.check(hours, ny, Date.parse("2026-07-03T15:00:00Z"))).toEqual({ open: false, reason: "holiday", zone: "America/New_York" })
    expect(open(hours, ny, "2026-07-04T13:00:00Z")).toBe(false) // Saturday 09:00
    expect(open(hours, ny, "2026-07-04T15:00:00Z")).toBe(true) // Saturday 11:00
    expect(open(hours, ny, "2026-07-05T15:00:00Z")).toBe(false) // Sunday
    expect(open(hours, ny, "2026-07-06T00:30:00Z")).toBe(false) // Sunday 20:30
    expect(open(hours, ny, "2026-07-07T00:30:00Z")).toBe(true) // Monday 20:30
    expect(open(hours, fl, "2026-07-07T00:30:00Z")).toBe(false) // Florida: until 20:00
    expect(open(hours, fl, "2026-05-25T15:00:00Z")).toBe(false) // Florida holiday
    expect(open(hours, ny, "2026-05-25T15:00:00Z")).toBe(true)
  })

  it("requires every candidate zone to be open when the zone is ambiguous, and refuses an unknown zone", () => {
    const us = TimeZone.inferFromNumber("+15555550100") // 555: no geographic area code
    expect(us.provenance).toBe("countryAmbiguous")
    // 13:00 UTC: 09:00 in New York but 05:00 in Los Angeles.
    expect(open(CallingWindow.defaultHours, us, "2026-06-10T13:00:00Z")).toBe(false)
    expect(open(CallingWindow.defaultHours, us, "2026-06-10T19:00:00Z")).toBe(true) // 15:00 NY, 09:00 HI
    expect(CallingWindow.check(CallingWindow.defaultHours, { zones: [], provenance: "unknown" }, 0)).toEqual({ open: false, reason: "unknownZone" })
    expect(CallingWindow.check({ ...CallingWindow.defaultHours, fallbackZone: "UTC" }, { zones: [], provenance: "unknown" }, Date.parse("2026-06-10T12:00:00Z")).open).toBe(true)
  })

  it("finds the next opening", () => {
    expect(CallingWindow.nextOpen(CallingWindow.defaultHours, ny, Date.parse("2026-03-08T11:00:00Z"))).toBe(Date.parse("2026-03-08T12:00:00Z"))
  })
})

describe("TimeZone", () => {
  it("infers the zone from the area code, with its provenance and state", () => {
    expect(TimeZone.inferFromNumber("+14155550123")).toEqual({ zones: ["America/Los_Angeles"], provenance: "areaCode", country: "US", region: "CA" })
    expect(TimeZone.inferFromNumber("+13125550123").zones).toEqual(["America/Chicago"])
    expect(TimeZone.inferFromNumber("+442071234567")).toMatchObject({ zones: ["Europe/London"], provenance: "country", country: "GB" })
  })

  it("prefers the contact's own zone and keeps the inferred state", () => {
    expect(TimeZone.forContact("America/Denver", undefined, "+13055550100")).toMatchObject({ zones: ["America/Denver"], provenance: "contact", region: "FL" })
  })
})
