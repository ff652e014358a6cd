import * as Phone from "@autodialer/domain/Phone"
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { FieldMapping, SyncCheckpoint } from "../src/index.ts"

const defaults = new FieldMapping.FieldMapping({
  fields: { firstName: "fn", email: "mail", phone: "tel", stage: "stage", timeZone: "tz", doNotCall: "dnc" },
  custom: { source: "lead_source" },
  defaultRegion: Phone.Region.make("US"),
  statusValues: { qualified: "SQL" }
})

const source = (properties: Record<string, unknown>, modifiedAt: unknown = "2026-01-02T03:04:05Z") => ({
  crmId: "r1",
  properties,
  modifiedAt
})

describe("FieldMapping", () => {
  it("merges organization overrides over the connector defaults", () => {
    const resolved = FieldMapping.resolve(
      defaults,
      new FieldMapping.FieldMappingOverrides({
        fields: { phone: "mobile", email: null },
        custom: { tier: "tier__c" },
        defaultRegion: Phone.Region.make("GB"),
        statusValues: { callback: "Call back" }
      })
    )
    assert.strictEqual(resolved.fields.phone, "mobile")
    assert.isUndefined(resolved.fields.email)
    assert.strictEqual(resolved.fields.firstName, "fn")
    assert.deepStrictEqual(resolved.custom, { source: "lead_source", tier: "tier__c" })
    assert.strictEqual(resolved.defaultRegion, "GB")
    assert.strictEqual(FieldMapping.crmStatusValue(resolved, "qualified"), "SQL")
    assert.strictEqual(FieldMapping.crmStatusValue(resolved, "callback"), "Call back")
    assert.strictEqual(FieldMapping.crmStatusValue(resolved, "new"), "new")
    assert.deepStrictEqual([...FieldMapping.crmProperties(resolved)].sort(), ["dnc", "fn", "lead_source", "mobile", "stage", "tier__c", "tz"])
  })

  it("decodes stored overrides and names a bad region", () => {
    const decode = Schema.decodeUnknownResult(FieldMapping.FieldMappingOverrides)
    assert.isTrue(Result.isSuccess(decode({ fields: { phone: "MobilePhone" }, defaultRegion: "DE" })))
    const bad = decode({ defaultRegion: "XX" })
    assert.isTrue(Result.isFailure(bad))
    if (Result.isFailure(bad)) assert.include(bad.failure.message, "region 'XX'")
  })

  it("maps a record: E.164 in the organization's region, flags, custom fields, time zone", () => {
    const gb = FieldMapping.resolve(defaults, new FieldMapping.FieldMappingOverrides({ defaultRegion: Phone.Region.make("GB") }))
    const mapped = FieldMapping.mapContact(gb, source({ fn: "Ana", tel: "020 7946 0958", dnc: "yes", tz: "Europe/London", lead_source: 42, stage: "" }))
    assert.isTrue(Result.isSuccess(mapped))
    if (Result.isSuccess(mapped)) {
      assert.strictEqual(mapped.success.phone, "+442079460958")
      assert.strictEqual(mapped.success.doNotCall, true)
      assert.strictEqual(mapped.success.timeZone, "Europe/London")
      assert.strictEqual(mapped.success.stage, null)
      assert.deepStrictEqual(mapped.success.custom, { source: "42" })
      assert.strictEqual(mapped.success.modifiedAt, "2026-01-02T03:04:05.000Z")
    }
  })

  it("reads vendor timestamps: Salesforce +0000, epoch millis strings", () => {
    const at = (raw: unknown) => {
      const r = FieldMapping.mapContact(defaults, source({ tel: "+14155550101" }, raw))
      return Result.isSuccess(r) ? r.success.modifiedAt : "rejected"
    }
    assert.strictEqual(at("2026-01-02T03:04:05.000+0000"), "2026-01-02T03:04:05.000Z")
    assert.strictEqual(at("1767323045000"), "2026-01-02T03:04:05.000Z")
    assert.strictEqual(at(1767323045000), "2026-01-02T03:04:05.000Z")
    assert.strictEqual(at("last tuesday"), "rejected")
  })

  it("rejects a record with every problem named: field, CRM property, value, expectation", () => {
    const mapped = FieldMapping.mapContact(defaults, source({ fn: 7, mail: "ana-at-example", tel: "555-12", tz: "Mars/Olympus", dnc: "maybe" }, null))
    assert.isTrue(Result.isFailure(mapped))
    if (Result.isFailure(mapped)) {
      const issues = mapped.failure.issues
      assert.deepStrictEqual(issues.map((i) => i.field).sort(), ["doNotCall", "email", "firstName", "modifiedAt", "phone", "timeZone"])
      const phone = issues.find((i) => i.field === "phone")!
      assert.strictEqual(phone.crmField, "tel")
      assert.strictEqual(phone.value, '"555-12"')
      assert.include(phone.expected, "E.164")
      assert.include(issues.find((i) => i.field === "email")!.expected, "ana-at-example")
      assert.include(issues.find((i) => i.field === "timeZone")!.expected, "IANA")
      assert.include(mapped.failure.message, "record r1 rejected")
      assert.include(mapped.failure.message, "phone (tel)")
    }
  })

  it("rejects a record without a phone: it cannot be dialled", () => {
    const mapped = FieldMapping.mapContact(defaults, source({ fn: "Ana" }))
    assert.isTrue(Result.isFailure(mapped) && mapped.failure.issues[0]!.field === "phone")
  })
})

describe("SyncCheckpoint", () => {
  it("round-trips through JSON and refuses a watermark that is not a timestamp", () => {
    const checkpoint = new SyncCheckpoint({ since: "2026-01-01T00:00:00.000Z", cursor: "abc", highWater: "2026-01-02T00:00:00.000Z" })
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(SyncCheckpoint)(checkpoint)))
    assert.deepStrictEqual(Schema.decodeUnknownSync(SyncCheckpoint)(json), checkpoint)
    assert.deepStrictEqual(checkpoint.nextRun, new SyncCheckpoint({ since: "2026-01-02T00:00:00.000Z", cursor: null, highWater: "2026-01-02T00:00:00.000Z" }))
    const bad = Schema.decodeUnknownResult(SyncCheckpoint)({ since: "yesterday", cursor: null, highWater: null })
    assert.isTrue(Result.isFailure(bad) && bad.failure.message.includes("'yesterday' is not an ISO 8601 timestamp"))
  })
})
