/**
 * Pure parts of the CRM sync: how a pulled CRM contact becomes a domain
 * contact of its connection, and how our call outcomes map to the connector's.
 */
import { describe, expect, it } from "vitest"
import type { CrmContact } from "@autodialer/crm-sync"
import { crmOutcome, sourceMarker, toNewContact } from "../src/CrmSync.ts"

const crmContact = (overrides: Partial<CrmContact> = {}): CrmContact => ({
  crmId: "101",
  firstName: "Ana",
  lastName: "Silva",
  email: "ana@example.com",
  phone: "+14155550101" as CrmContact["phone"],
  company: "Acme",
  stage: "OPEN_DEAL",
  timeZone: null,
  doNotCall: false,
  custom: { tier: "gold" },
  modifiedAt: "2026-11-25T10:00:00.000Z",
  ...overrides
})
const connection = { id: "0190a3c2-7b1e-7cde-8f00-0000000000c1", crmType: "hubspot" } as const

describe("toNewContact", () => {
  it("keys the contact by CRM and CRM id and marks the connection it came from", () => {
    const c = toNewContact(crmContact(), connection as never)
    expect(c).toMatchObject({ crmId: "101", sourceCrm: "hubspot", source: sourceMarker(connection.id), customFields: { tier: "gold" } })
  })
  it("turns the CRM's do-not-call flag into do_not_call whatever the stage", () => {
    expect(toNewContact(crmContact({ doNotCall: true, stage: "CONNECTED" }), connection as never).status).toBe("do_not_call")
  })
  it("reads the lead status through the seed mapping, defaulting to new", () => {
    expect(toNewContact(crmContact({ stage: "CONNECTED" }), connection as never).status).toBe("contacted")
    expect(toNewContact(crmContact({ stage: "SOMETHING_CUSTOM" }), connection as never).status).toBe("new")
    expect(toNewContact(crmContact({ stage: null }), connection as never).status).toBe("new")
  })
  it("records a CRM time zone as sourced from the CRM, and none as none", () => {
    expect(toNewContact(crmContact({ timeZone: "Europe/Berlin" as CrmContact["timeZone"] }), connection as never))
      .toMatchObject({ timeZone: "Europe/Berlin", timeZoneSource: "crm" })
    expect(toNewContact(crmContact(), connection as never)).toMatchObject({ timeZone: null, timeZoneSource: null })
  })
})

describe("crmOutcome", () => {
  it.each([
    ["human_answered", "completed", "answered"],
    ["transferred", "completed", "answered"],
    ["abandoned", "completed", "answered"],
    ["answering_machine", "completed", "voicemail"],
    ["voicemail_dropped", "completed", "voicemail"],
    ["no_answer", "no_answer", "no_answer"],
    ["busy", "busy", "busy"],
    ["rejected", "failed", "failed"],
    ["invalid_number", "failed", "failed"],
    [null, "completed", "answered"],
    [null, "no_answer", "no_answer"],
    [null, "canceled", "cancelled"],
    [null, "failed", "failed"]
  ] as const)("%s / %s -> %s", (outcome, status, expected) => {
    expect(crmOutcome(outcome, status)).toBe(expected)
  })
})
