/**
 * The contact model at the API boundary: property-based round-trips of the
 * JSON form, and the exact messages for bad phones, time zones, enum values,
 * lead scores and missing fields.
 */
import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import fc from "fast-check"
import { type CountryCode, getCountries, getExampleNumber } from "libphonenumber-js/max"
import examples from "libphonenumber-js/examples.mobile.json" with { type: "json" }
import { Contact } from "../src/Contact.ts"
import * as Decode from "../src/Decode.ts"
import * as Enums from "../src/Enums.ts"
import * as S from "./support/samples.ts"

const phones = getCountries().flatMap((c) => {
  const n = getExampleNumber(c as CountryCode, examples)
  return n !== undefined && n.isValid() ? [n.number as string] : []
})
const zones = Intl.supportedValuesOf("timeZone")
const maybe = <A>(arb: fc.Arbitrary<A>) => fc.option(arb, { nil: null })
const iso = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString())

/** A contact as an API client would send it (the `jsonCreate` shape). */
const wireContact = fc.record({
  crmId: maybe(fc.string({ minLength: 1 })),
  sourceCrm: maybe(fc.constantFrom(...Enums.CrmType.literals)),
  firstName: maybe(fc.string()),
  lastName: maybe(fc.string()),
  company: maybe(fc.string()),
  title: maybe(fc.string()),
  email: maybe(fc.constantFrom("a@b.co", "grace.hopper@navy.mil", "x+tag@example.org")),
  phone: fc.constantFrom(...phones),
  alternatePhones: fc.array(fc.constantFrom(...phones), { maxLength: 3 }),
  timeZone: maybe(fc.constantFrom(...zones)),
  timeZoneSource: maybe(fc.constantFrom("crm", "user", "address", "phone_prefix", "default")),
  leadScore: maybe(fc.integer({ min: 0, max: 100 })),
  status: fc.constantFrom(...Enums.ContactStatus.literals),
  stage: maybe(fc.string()),
  source: maybe(fc.string()),
  ownerId: fc.constant(null),
  tags: fc.array(fc.string({ minLength: 1 }).filter((s) => s.trim().length > 0), { maxLength: 4 }),
  customFields: fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>),
  consent: fc.record({
    status: fc.constantFrom(...Enums.ConsentStatus.literals),
    method: maybe(fc.string()),
    capturedAt: maybe(iso),
    evidence: maybe(fc.string())
  }),
  lastContactedAt: maybe(iso)
})

const decodeCreate = Decode.decodeUnknownResult(Contact.jsonCreate, "contact")
const message = (input: unknown) => {
  const r = decodeCreate(input)
  return Result.isFailure(r) ? r.failure.message : "decoded"
}
const valid = Schema.encodeSync(Contact.jsonCreate)(S.contact)

describe("Contact at the JSON boundary", () => {
  it("any valid body decodes, encodes back to the same JSON, and survives JSON.stringify", () => {
    fc.assert(fc.property(wireContact, (body) => {
      const decoded = decodeCreate(body)
      expect(Result.isSuccess(decoded)).toBe(true)
      const again = Schema.encodeSync(Contact.jsonCreate)(Result.getOrThrow(decoded))
      expect(JSON.parse(JSON.stringify(again))).toStrictEqual(JSON.parse(JSON.stringify(body)))
    }), { numRuns: 200 })
  })

  it("names each bad field, its value and the expected form, all at once", () => {
    expect(message({ ...valid, phone: "555-12", timeZone: "Moon/Base", status: "in-progress", leadScore: 140 })).toBe(
      "invalid contact: " + [
        "phone: phone '555-12' is not in E.164 form (expected E.164, e.g. +14155550123)",
        "timeZone: time zone 'Moon/Base' is not an IANA time zone name (expected e.g. America/New_York, Europe/Berlin, UTC)",
        "leadScore: lead score 140 is out of range (expected an integer from 0 to 100)",
        `status: Expected "new" | "attempted" | "contacted" | "qualified" | "unqualified" | "callback" | "converted" | "do_not_call" | "bad_number", got "in-progress"`
      ].join("; ")
    )
  })

  it("reports missing required fields by name", () => {
    const { phone: _p, status: _s, ...rest } = valid
    expect(message(rest)).toBe("invalid contact: phone: is required but missing; status: is required but missing")
  })

  it("reports bad values inside arrays and nested objects with their path", () => {
    expect(message({ ...valid, alternatePhones: ["+14155550123", "12"] })).toBe(
      "invalid contact: alternatePhones[1]: phone '12' is not in E.164 form (expected E.164, e.g. +14155550123)"
    )
    expect(message({ ...valid, consent: { ...valid.consent, status: "maybe" } })).toBe(
      `invalid contact: consent.status: Expected "granted" | "denied" | "unknown", got "maybe"`
    )
    expect(message({ ...valid, email: "grace at navy" })).toBe(
      "invalid contact: email: email 'grace at navy' is not an email address (expected e.g. ada@example.com)"
    )
  })

  it("rejects any lead score outside 0-100 (property)", () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 101 })), (score) => {
      expect(message({ ...valid, leadScore: score })).toBe(
        `invalid contact: leadScore: lead score ${score} is out of range (expected an integer from 0 to 100)`
      )
    }))
  })
})
