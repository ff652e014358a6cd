/**
 * Field mapping: how one CRM record becomes our contact, per organization.
 *
 * Each connector ships defaults (HubSpot's `firstname`, Salesforce's `FirstName`, Zoho's
 * `First_Name`); an organization overrides any of them, adds custom fields, sets the region used
 * for national phone numbers, and says which CRM value each of our contact statuses becomes.
 * `mapContact` is pure: a record either maps completely or is rejected with every field problem
 * listed (field, CRM property, value, what was expected), and never throws.
 */
import { Email } from "@autodialer/domain/User"
import { ContactStatus } from "@autodialer/domain/Enums"
import * as Phone from "@autodialer/domain/Phone"
import { IanaTimeZone } from "@autodialer/domain/TimeZone"
import { Result, Schema } from "effect"
import type { CrmContact } from "./CrmConnector.ts"
import { FieldIssue, RecordRejected } from "./CrmConnector.ts"

/** The contact fields a CRM can feed. `phone` is required; everything else is optional. */
export const ContactField = Schema.Literals([
  "firstName",
  "lastName",
  "email",
  "phone",
  "company",
  "stage",
  "timeZone",
  "doNotCall"
])
export type ContactField = typeof ContactField.Type

const fieldsOf = <S extends Schema.Top>(value: S) =>
  Schema.Struct({
    firstName: Schema.optionalKey(value),
    lastName: Schema.optionalKey(value),
    email: Schema.optionalKey(value),
    phone: Schema.optionalKey(value),
    company: Schema.optionalKey(value),
    stage: Schema.optionalKey(value),
    timeZone: Schema.optionalKey(value),
    doNotCall: Schema.optionalKey(value)
  })

/** Region code for numbers stored without a country code ("US", "GB"). */
export const Region = Phone.Region

/** A fully resolved mapping for one connection. */
export class FieldMapping extends Schema.Class<FieldMapping>("@autodialer/crm-sync/FieldMapping")({
  /** Our field -> the CRM property it is read from. A field absent here is not synced. */
  fields: fieldsOf(Schema.String),
  /** Our custom-field key -> the CRM property it is read from. */
  custom: Schema.Record(Schema.String, Schema.String),
  defaultRegion: Region,
  /**
   * Our contact status -> the CRM value `updateContactStatus` writes into the `stage` property.
   * Unlisted statuses are written as they are.
   */
  statusValues: Schema.Record(ContactStatus, Schema.optionalKey(Schema.String))
}) {}

/** What an organization may override; every part is optional and merged over the defaults. */
export class FieldMappingOverrides extends Schema.Class<FieldMappingOverrides>(
  "@autodialer/crm-sync/FieldMappingOverrides"
)({
  fields: Schema.optionalKey(fieldsOf(Schema.NullOr(Schema.String))),
  custom: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  defaultRegion: Schema.optionalKey(Region),
  statusValues: Schema.optionalKey(Schema.Record(ContactStatus, Schema.optionalKey(Schema.String)))
}) {}

/** Merges overrides over defaults. A field overridden with `null` is no longer synced. */
export const resolve = (defaults: FieldMapping, overrides: FieldMappingOverrides | undefined): FieldMapping => {
  if (overrides === undefined) return defaults
  const fields: Record<string, string> = { ...defaults.fields }
  for (const [field, property] of Object.entries(overrides.fields ?? {})) {
    if (property === null) delete fields[field]
    else fields[field] = property
  }
  return new FieldMapping({
    fields: fields as FieldMapping["fields"],
    custom: { ...defaults.custom, ...overrides.custom },
    defaultRegion: overrides.defaultRegion ?? defaults.defaultRegion,
    statusValues: { ...defaults.statusValues, ...overrides.statusValues }
  })
}

/** The CRM properties a connector must request to fill this mapping. */
export const crmProperties = (mapping: FieldMapping): ReadonlyArray<string> => [
  ...new Set([...Object.values(mapping.fields), ...Object.values(mapping.custom)])
]

/** The CRM value for one of our statuses. */
export const crmStatusValue = (mapping: FieldMapping, status: ContactStatus): string => mapping.statusValues[status] ?? status

/** A CRM record after its envelope was decoded, before mapping. */
export interface SourceRecord {
  readonly crmId: string
  /** CRM property -> raw value, as the vendor sent it. */
  readonly properties: Readonly<Record<string, unknown>>
  /** The vendor's last-modified timestamp, raw. */
  readonly modifiedAt: unknown
  /** 1-based line for file sources, for error messages. */
  readonly line?: number
}

const OptionalText = Schema.NullOr(Schema.String)
const OptionalEmail = Schema.NullOr(Email)
const OptionalTimeZone = Schema.NullOr(IanaTimeZone)
const Flag = Schema.NullOr(Schema.Union([Schema.Boolean, Schema.Literals(["true", "false", "1", "0", "yes", "no", "TRUE", "FALSE", ""])]))
const Scalar = Schema.NullOr(Schema.Union([Schema.String, Schema.Number, Schema.Boolean]))

const show = (value: unknown): string => {
  if (value === undefined) return "<missing>"
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

const firstLine = (message: string): string => message.split("\n")[0] ?? message

const parseTimestamp = (raw: unknown): string | null => {
  if (typeof raw === "number" && Number.isFinite(raw)) return new Date(raw).toISOString()
  if (typeof raw !== "string" || raw.trim() === "") return null
  const trimmed = raw.trim()
  // HubSpot sends epoch millis as strings in some properties.
  const millis = /^\d{12,14}$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"))
  return Number.isFinite(millis) ? new Date(millis).toISOString() : null
}

/**
 * Maps one decoded CRM record to our contact, or rejects it with every problem found.
 * Empty strings count as absent: CRMs use them for "not filled in".
 */
export const mapContact = (mapping: FieldMapping, source: SourceRecord): Result.Result<CrmContact, RecordRejected> => {
  const issues: Array<FieldIssue> = []
  const read = (field: string, property: string | undefined): unknown => {
    if (property === undefined) return null
    const value = source.properties[property]
    return value === undefined || value === "" ? null : value
  }
  const decode = <S extends Schema.Top & { readonly DecodingServices: never }>(
    field: string,
    schema: S,
    property: string | undefined
  ): S["Type"] | null => {
    const value = read(field, property)
    const result = Schema.decodeUnknownResult(schema as never)(value) as Result.Result<S["Type"], Schema.SchemaError>
    if (Result.isSuccess(result)) return result.success
    issues.push(
      new FieldIssue({
        field,
        crmField: property ?? null,
        value: show(value),
        expected: firstLine(result.failure.message)
      })
    )
    return null
  }

  const fields = mapping.fields
  const firstName = decode("firstName", OptionalText, fields.firstName)
  const lastName = decode("lastName", OptionalText, fields.lastName)
  const email = decode("email", OptionalEmail, fields.email)
  const company = decode("company", OptionalText, fields.company)
  const stage = decode("stage", OptionalText, fields.stage)
  // Calling windows are computed in this zone, so a zone we cannot read rejects the record
  // rather than silently falling back to a guess.
  const timeZone = decode("timeZone", OptionalTimeZone, fields.timeZone)
  const dncRaw = decode("doNotCall", Flag, fields.doNotCall)
  const doNotCall = dncRaw === true || (typeof dncRaw === "string" && ["true", "1", "yes", "TRUE"].includes(dncRaw))

  let phone: CrmContact["phone"] | null = null
  const phoneRaw = read("phone", fields.phone)
  if (typeof phoneRaw === "string" || typeof phoneRaw === "number") {
    const normalised = Phone.parse(String(phoneRaw), mapping.defaultRegion)
    if (Result.isSuccess(normalised)) phone = normalised.success
    else {
      issues.push(new FieldIssue({ field: "phone", crmField: fields.phone ?? null, value: show(phoneRaw), expected: normalised.failure.message }))
    }
  } else {
    issues.push(
      new FieldIssue({
        field: "phone",
        crmField: fields.phone ?? null,
        value: show(phoneRaw),
        expected: "a phone number (the contact cannot be dialled without one)"
      })
    )
  }

  const custom: Record<string, string> = {}
  for (const [key, property] of Object.entries(mapping.custom)) {
    const value = decode(`custom.${key}`, Scalar, property)
    if (value !== null) custom[key] = String(value)
  }

  const modifiedAt = parseTimestamp(source.modifiedAt)
  if (modifiedAt === null) {
    issues.push(
      new FieldIssue({
        field: "modifiedAt",
        crmField: null,
        value: show(source.modifiedAt),
        expected: "an ISO 8601 timestamp or epoch milliseconds"
      })
    )
  }

  if (issues.length > 0 || phone === null || modifiedAt === null) {
    return Result.fail(
      new RecordRejected({
        crmId: source.crmId,
        line: source.line ?? null,
        issues,
        message: `record ${source.crmId}${source.line === undefined ? "" : ` (line ${source.line})`} rejected: ` +
          issues.map((i) => `${i.field}${i.crmField === null ? "" : ` (${i.crmField})`} = ${i.value}: ${i.expected}`).join("; ")
      })
    )
  }
  return Result.succeed({
    crmId: source.crmId,
    firstName,
    lastName,
    email,
    phone,
    company,
    stage,
    timeZone,
    doNotCall,
    custom,
    modifiedAt
  })
}
