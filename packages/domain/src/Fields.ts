/**
 * Field shapes shared by every model, with their database and JSON variants
 * (`Model.Class` variants: `select`/`insert`/`update` are the database rows,
 * `json`/`jsonCreate`/`jsonUpdate` the API bodies).
 *
 * - Timestamps are `Date` in the database variants (the Postgres driver
 *   returns `timestamptz` as `Date`) and ISO-8601 strings in JSON.
 * - `jsonb` columns come back from the driver already parsed, and are written
 *   as JSON text (a text parameter of unknown type is cast by Postgres to the
 *   column's `jsonb` type), so the insert/update variants encode to a string.
 * - `created_at`/`updated_at` belong to the database (defaults and a trigger):
 *   they appear in `select` and `json` only.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { OrganizationId } from "./Ids.ts"

/** A point in time: `Date` in the database, ISO-8601 string in JSON. */
export const Timestamp = Model.Field({
  select: Schema.Date,
  insert: Schema.Date,
  update: Schema.Date,
  json: Schema.DateFromString,
  jsonCreate: Schema.DateFromString,
  jsonUpdate: Schema.DateFromString
})

/** A nullable point in time. */
export const NullableTimestamp = Model.Field({
  select: Schema.NullOr(Schema.Date),
  insert: Schema.NullOr(Schema.Date),
  update: Schema.NullOr(Schema.Date),
  json: Schema.NullOr(Schema.DateFromString),
  jsonCreate: Schema.NullOr(Schema.DateFromString),
  jsonUpdate: Schema.NullOr(Schema.DateFromString)
})

/** Set by the database on insert. */
export const CreatedAt = Model.Field({ select: Schema.Date, json: Schema.DateFromString })

/** Maintained by the `set_updated_at` trigger. */
export const UpdatedAt = Model.Field({ select: Schema.Date, json: Schema.DateFromString })

/** Set by the database on insert, but a caller may supply it (imports, replays). */
export const DbTimestamp = Model.Field({
  select: Schema.Date,
  insert: Schema.optionalKey(Schema.Date),
  json: Schema.DateFromString
})

/** A `jsonb` column holding values of `schema`. */
export const Json = <S extends Schema.Top>(schema: S) =>
  Model.Field({
    select: schema,
    insert: Schema.fromJsonString(schema),
    update: Schema.fromJsonString(schema),
    json: schema,
    jsonCreate: schema,
    jsonUpdate: schema
  })

/** Free-form JSON object (custom fields, provider metadata). */
export const JsonObject = Schema.Record(Schema.String, Schema.Json)
export type JsonObject = typeof JsonObject.Type

/**
 * The owning organization. Fixed at insert and never part of an API body:
 * the tenant comes from the authenticated principal, not from the payload.
 */
export const OrgId = Model.Field({ select: OrganizationId, insert: OrganizationId, json: OrganizationId })

/** A decimal amount as text (`numeric` in Postgres), exact for money. */
export const Decimal = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
  /^-?\d+(\.\d+)?$/.test(s) ? undefined : `amount '${s}' is not a decimal number (expected e.g. 0.0135)`
)))

/** A non-negative integer count or duration in seconds. */
export const NonNegativeInt = Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))

/** A string of at least one non-blank character. */
export const NonBlank = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
  s.trim().length > 0 ? undefined : "expected a non-blank string"
)))

/** Free-form labels, each non-blank. */
export const Tags = Schema.Array(NonBlank)

/** A string matching `pattern`, with a message naming the value and an example of the expected form. */
export const Matching = (pattern: RegExp, what: string, expected: string) =>
  Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
    pattern.test(s) ? undefined : `${what} '${s}' is invalid (expected ${expected})`
  )))

/** An ISO 4217 currency code. */
export const Currency = Matching(/^[A-Z]{3}$/, "currency", "an ISO 4217 code such as USD")

/** An ISO-8601 timestamp kept as text inside a jsonb document. */
export const IsoTimestampText = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
  /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s))
    ? undefined
    : `timestamp '${s}' is not ISO-8601 (expected e.g. 2026-11-25T15:04:05Z)`
)))
