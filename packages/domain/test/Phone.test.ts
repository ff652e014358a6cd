import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import fc from "fast-check"
import { type CountryCode, getCountries, getExampleNumber } from "libphonenumber-js/max"
import examples from "libphonenumber-js/examples.mobile.json" with { type: "json" }
import * as Decode from "../src/Decode.ts"
import * as Phone from "../src/Phone.ts"

const region = (r: string) => r as Phone.Region
const samples = getCountries()
  .map((c) => getExampleNumber(c as CountryCode, examples))
  .filter((n) => n !== undefined && n.isValid())

describe("Phone", () => {
  it("reads national numbers in the default region and returns E.164", () => {
    expect(Phone.parse("(415) 555-0123", region("US"))).toStrictEqual(Result.succeed("+14155550123"))
    expect(Phone.parse("020 7946 0958", region("GB"))).toStrictEqual(Result.succeed("+442079460958"))
    expect(Phone.parse("+49 30 901820", region("US"))).toStrictEqual(Result.succeed("+4930901820"))
  })

  it("names the bad value, the region and the expected form", () => {
    const bad = Phone.parse("555-12", region("US"))
    expect(Result.isFailure(bad) && bad.failure.message).toBe(
      "phone '555-12' is not a valid number for region US (expected E.164, e.g. +14155550123)"
    )
    const noRegion = Phone.parse("0800 FLOWERS")
    expect(Result.isFailure(noRegion) && noRegion.failure.message).toBe(
      "phone '0800 FLOWERS' is not a valid number (expected E.164, e.g. +14155550123)"
    )
  })

  it("parses every region's example number from its national format (property over regions)", () => {
    fc.assert(fc.property(fc.constantFrom(...samples), (n) => {
      const national = n!.formatNational()
      expect(Phone.parse(national, region(n!.country!))).toStrictEqual(Result.succeed(n!.number))
      expect(Schema.is(Phone.E164)(n!.number)).toBe(true)
    }))
  })

  it("the E164 schema only accepts canonical, valid numbers", () => {
    const decode = Decode.decodeUnknownResult(Schema.Struct({ phone: Phone.E164 }), "contact")
    const bad = decode({ phone: "+1 415 555 0123" })
    expect(Result.isFailure(bad) && bad.failure.message).toBe(
      "invalid contact: phone: phone '+1 415 555 0123' is not in E.164 form (expected E.164, e.g. +14155550123)"
    )
    const invalid = decode({ phone: "+10000000000" })
    expect(Result.isFailure(invalid) && invalid.failure.message).toContain("phone '+10000000000' is not a valid number")
    fc.assert(fc.property(fc.string(), (s) => {
      const r = decode({ phone: s })
      if (Result.isFailure(r)) expect(r.failure.issues[0]!.message).toContain(`phone '${s}'`)
    }))
  })

  it("fromInput decodes national input and reports the region in its error", () => {
    const schema = Schema.Struct({ phone: Phone.fromInput(region("US")) })
    const ok = Decode.decodeUnknownResult(schema, "import row")({ phone: "415.555.0123" })
    expect(ok).toStrictEqual(Result.succeed({ phone: "+14155550123" }))
    const bad = Decode.decodeUnknownResult(schema, "import row")({ phone: "555-12" })
    expect(Result.isFailure(bad) && bad.failure.message).toBe(
      "invalid import row: phone: phone '555-12' is not a valid number for region US (expected E.164, e.g. +14155550123)"
    )
  })

  it("rejects unknown regions", () => {
    const r = Decode.decodeUnknownResult(Phone.Region, "settings")("XX")
    expect(Result.isFailure(r) && r.failure.message).toContain("region 'XX' is not a known ISO 3166-1 alpha-2 code")
  })
})
