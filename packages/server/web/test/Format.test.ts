import { describe, expect, it } from "vitest"
import { contactName, crmLink, duration, fillScript, instantToZonedInput, leadScore, localClock, windowOpen, zonedToInstant } from "../src/Format.ts"
import type { Contact } from "../src/Types.ts"

const contact = (over: Partial<Contact> = {}): Contact => ({
  id: "0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f", phone: "+14155550123", firstName: "Ada", lastName: "Lovelace",
  company: "Analytical Engines", email: null, timeZone: "America/New_York", status: "new", crmId: null, sourceCrm: null,
  tags: [], customFields: {}, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", ...over
})

describe("Format", () => {
  it("names a contact, falling back to the phone", () => {
    expect(contactName(contact())).toBe("Ada Lovelace")
    expect(contactName(contact({ firstName: null, lastName: " " }))).toBe("+14155550123")
  })

  it("formats durations", () => {
    expect(duration(0)).toBe("0:00")
    expect(duration(75)).toBe("1:15")
    expect(duration(3725)).toBe("1:02:05")
    expect(duration(-4)).toBe("0:00")
  })

  it("converts a wall time in the contact's zone to the right instant, across DST", () => {
    // New York is UTC-5 in winter and UTC-4 in summer.
    expect(zonedToInstant("2026-01-15T10:30", "America/New_York").toISOString()).toBe("2026-01-15T15:30:00.000Z")
    expect(zonedToInstant("2026-07-15T10:30", "America/New_York").toISOString()).toBe("2026-07-15T14:30:00.000Z")
    expect(zonedToInstant("2026-07-15T10:30", "Asia/Kolkata").toISOString()).toBe("2026-07-15T05:00:00.000Z")
    // 02:30 does not exist on 2026-03-08 in New York (clocks jump 02:00 -> 03:00): it resolves past the jump.
    expect(zonedToInstant("2026-03-08T02:30", "America/New_York").toISOString()).toBe("2026-03-08T07:30:00.000Z")
    // 01:30 happens twice on 2026-11-01: the first (EDT) is chosen.
    expect(zonedToInstant("2026-11-01T01:30", "America/New_York").toISOString()).toBe("2026-11-01T05:30:00.000Z")
    expect(() => zonedToInstant("tomorrow", "UTC")).toThrow(/expected YYYY-MM-DDTHH:MM/)
  })

  it("round-trips instants through the datetime-local value of a zone", () => {
    for (const iso of ["2026-01-15T15:30:00Z", "2026-07-04T23:59:00Z", "2026-03-29T01:15:00Z"]) {
      for (const tz of ["America/Los_Angeles", "Europe/London", "Australia/Sydney"]) {
        const at = new Date(iso)
        expect(zonedToInstant(instantToZonedInput(at, tz), tz).getTime()).toBe(at.getTime())
      }
    }
  })

  it("shows the local clock of a zone", () => {
    expect(localClock(new Date("2026-01-15T15:30:00Z"), "America/New_York")).toMatch(/^10:30 EST$/)
  })

  it("fills the script from built-in and custom fields and marks what is missing", () => {
    const parts = fillScript("Hi {{firstName}} from {{ company }}, plan {{plan}}, {{customFields.tier}}; {{nope}}.", contact({ customFields: { plan: "Gold", tier: 2 } }))
    expect(parts.map((p) => p.text).join("")).toBe("Hi Ada from Analytical Engines, plan Gold, 2; [nope].")
    expect(parts.filter((p) => p.missing).map((p) => p.field)).toEqual(["nope"])
    // Single braces, as the embedded demo's script writes them.
    expect(fillScript("Hi {first_name} at {company}", contact()).map((p) => p.text).join("")).toBe("Hi Ada at Analytical Engines")
  })

  it("knows whether a calling window is open on the zone's clock", () => {
    const windows = [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" }]
    // Thursday 2026-01-15 15:30 UTC = 10:30 in New York, 07:30 in Los Angeles.
    const at = new Date("2026-01-15T15:30:00Z")
    expect(windowOpen(windows, "America/New_York", at)).toBe(true)
    expect(windowOpen(windows, "America/Los_Angeles", at)).toBe(false)
    // Saturday.
    expect(windowOpen(windows, "America/New_York", new Date("2026-01-17T15:30:00Z"))).toBe(false)
    expect(windowOpen([], "UTC", at)).toBe(true)
  })

  it("reads lead scores and builds CRM links only when it can", () => {
    expect(leadScore(contact({ customFields: { lead_score: "87" } }))).toBe(87)
    expect(leadScore(contact({ customFields: { leadScore: "high" } }))).toBeUndefined()
    expect(crmLink(contact({ crmId: "123", sourceCrm: "hubspot", customFields: { hubspotPortalId: 42 } })))
      .toBe("https://app.hubspot.com/contacts/42/record/0-1/123")
    expect(crmLink(contact({ crmId: "123", sourceCrm: "hubspot" }))).toBeUndefined()
    expect(crmLink(contact({ customFields: { crmUrl: "javascript:alert(1)" } }))).toBeUndefined()
  })
})
