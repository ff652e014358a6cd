/**
 * Plumbing shared by the repositories: decoding rows into models (a row the
 * model rejects is a bug or a bad migration, so it is a defect), encoding
 * insert/update variants into columns, and recognising constraint violations.
 *
 * Column names are converted here (camelCase fields <-> snake_case columns,
 * top-level keys only, so jsonb contents keep their keys). The conversions
 * are idempotent, so the repositories work over any `SqlClient`: one built by
 * `Database` (which also converts names) or a plain one.
 */
import { Effect, Schema } from "effect"
import type { SqlError } from "effect/sql/SqlError"

const toCamel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

const mapKeys = (row: object, f: (key: string) => string): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [f(k), v]))

/** A row's column names as model field names (`org_id` -> `orgId`); already-camel keys are unchanged. */
export const fieldsOf = (row: object): Record<string, unknown> => mapKeys(row, toCamel)

/** Model field names as column names (`orgId` -> `org_id`); already-snake keys are unchanged. */
export const columnsOf = (row: object): Record<string, unknown> => mapKeys(row, toSnake)

/** Decodes database rows with the model's select schema; a mismatch is a defect. */
export const decodeRows = <S extends Schema.Constraint & { readonly DecodingServices: never }>(schema: S, table: string) => {
  const decode = Schema.decodeUnknownEffect(Schema.Array(schema))
  return (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<S["Type"]>> =>
    decode(rows.map((row) => fieldsOf(row as object)), { errors: "all" }).pipe(
      Effect.catch((error) => Effect.die(new Error(`row of ${table} does not match its model: ${error.message}`)))
    )
}

/** Encodes a value with an insert/update variant into a column record; a failure is a defect (types already checked). */
export const encodeRow = <S extends Schema.Constraint & { readonly EncodingServices: never }>(schema: S) => {
  const encode = Schema.encodeEffect(schema)
  return (value: S["Type"]): Effect.Effect<Record<string, unknown>> =>
    encode(value).pipe(
      Effect.map((row) => columnsOf(row as object)),
      Effect.catch((error) => Effect.die(new Error(`cannot encode row: ${error.message}`)))
    )
}

/** The violated constraint when `error` is a unique violation. */
export const uniqueViolation = (error: SqlError): string | undefined =>
  error.reason._tag === "UniqueViolation" ? error.reason.constraint : undefined

/** Keeps `rows[0]` or fails with `onEmpty`. */
export const single = <A, E>(onEmpty: () => E) => (rows: ReadonlyArray<A>): Effect.Effect<A, E> =>
  rows.length > 0 ? Effect.succeed(rows[0]!) : Effect.fail(onEmpty())
