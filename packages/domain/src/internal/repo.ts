/**
 * Plumbing shared by the repositories: decoding rows into models (a row the
 * model rejects is a bug or a bad migration, so it is a defect), encoding
 * insert/update variants into columns, and recognising constraint violations.
 */
import { Effect, Schema } from "effect"
import type { SqlError } from "effect/sql/SqlError"

/** Decodes database rows with the model's select schema; a mismatch is a defect. */
export const decodeRows = <S extends Schema.Constraint & { readonly DecodingServices: never }>(schema: S, table: string) => {
  const decode = Schema.decodeUnknownEffect(Schema.Array(schema))
  return (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<S["Type"]>> =>
    decode(rows, { errors: "all" }).pipe(
      Effect.catch((error) => Effect.die(new Error(`row of ${table} does not match its model: ${error.message}`)))
    )
}

/** Encodes a value with an insert/update variant into a column record; a failure is a defect (types already checked). */
export const encodeRow = <S extends Schema.Constraint & { readonly EncodingServices: never }>(schema: S) => {
  const encode = Schema.encodeEffect(schema)
  return (value: S["Type"]): Effect.Effect<Record<string, unknown>> =>
    encode(value).pipe(
      Effect.map((row) => row as Record<string, unknown>),
      Effect.catch((error) => Effect.die(new Error(`cannot encode row: ${error.message}`)))
    )
}

/** The violated constraint when `error` is a unique violation. */
export const uniqueViolation = (error: SqlError): string | undefined =>
  error.reason._tag === "UniqueViolation" ? error.reason.constraint : undefined

/** Keeps `rows[0]` or fails with `onEmpty`. */
export const single = <A, E>(onEmpty: () => E) => (rows: ReadonlyArray<A>): Effect.Effect<A, E> =>
  rows.length > 0 ? Effect.succeed(rows[0]!) : Effect.fail(onEmpty())
