/**
 * Boundary decoding with messages people can act on: each problem names the
 * field, the value that was received and what was expected, e.g.
 * `CallStatus: got "answered-ish", expected "queued" | "ringing" | …`.
 */
import { Effect, Schema, SchemaIssue } from "effect"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const valueAt = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let current: unknown = input
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

const show = (value: unknown): string => (value === undefined ? "nothing" : JSON.stringify(value))

export const describe = (input: unknown, error: Schema.SchemaError): string =>
  formatter(error.issue).issues
    .map((issue) => {
      const path = (issue.path ?? []).map((p) => (typeof p === "object" ? String(p.key) : String(p)))
      const field = path.length === 0 ? "value" : path.join(".")
      return `${field}: got ${show(valueAt(input, path))}, ${issue.message.replace(/^Expected/, "expected")}`
    })
    .join("; ")

/** A decoder whose failure becomes `onError(message)`. */
export const decoder = <S extends Schema.Codec<unknown, unknown>, E>(schema: S, onError: (message: string) => E) => {
  const run = Schema.decodeUnknownEffect(schema as never) as (input: unknown) => Effect.Effect<S["Type"], Schema.SchemaError>
  return (input: unknown): Effect.Effect<S["Type"], E> => run(input).pipe(Effect.mapError((error) => onError(describe(input, error))))
}
