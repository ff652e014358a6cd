import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import fc from "fast-check"
import * as Decode from "../src/Decode.ts"
import * as TimeZone from "../src/TimeZone.ts"

const zones = Intl.supportedValuesOf("timeZone")

describe("IanaTimeZone", () => {
  it("accepts every zone the runtime knows (property over Intl's list)", () => {
    fc.assert(fc.property(fc.constantFrom(...zones), (z) => {
      expect(Schema.is(TimeZone.IanaTimeZone)(z)).toBe(true)
    }))
  })

  it("rejects made-up zones, offsets written as names, and padding, naming the value", () => {
    const decode = Decode.decodeUnknownResult(Schema.Struct({ timeZone: TimeZone.IanaTimeZone }), "contact")
    for (const bad of ["Mars/Olympus_Mons", "EST5EDT6", " America/Chicago", "", "Eastern"]) {
      const r = decode({ timeZone: bad })
      expect(Result.isFailure(r) && r.failure.message).toBe(
        `invalid contact: timeZone: time zone '${bad}' is not an IANA time zone name (expected e.g. America/New_York, Europe/Berlin, UTC)`
      )
    }
  })

  it("canonicalize resolves aliases", () => {
    expect(TimeZone.canonicalize("UTC")).toBe("UTC")
    expect(TimeZone.canonicalize("Nowhere/Else")).toBeUndefined()
  })
})
