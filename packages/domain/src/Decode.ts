/**
 * Boundary decoding with messages a person can act on. Every failure names the
 * field (its path), the bad value and the expected form, e.g.
 * `contacts[0].phone: phone '555-12' is not a valid number for region US (expected E.164, e.g. +14155550123)`.
 *
 * Effect's own messages already say what was expected; decoding with
 * `reportInput` adds the offending value, and `errors: "all"` reports every
 * problem at once instead of the first.
 */
import { Effect, Result, Schema, SchemaIssue } from "effect"

export class DecodeError extends Schema.TaggedError<DecodeError>()("DecodeError", {
  /** What was being decoded, e.g. "Contact" or "webhook body". */
  subject: Schema.String,
  issues: Schema.Array(Schema.Struct({ path: Schema.String, message: Schema.String }))
}) {
  override get message(): string {
    return `invalid ${this.subject}: ` + this.issues.map((i) => `${i.path}: ${i.message}`).join("; ")
  }
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({
  leafHook: (issue) =>
    issue._tag === "MissingKey" ? "is required but missing" : SchemaIssue.defaultLeafHook(issue)
})

const renderPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>): string => {
  if (path.length === 0) return "(root)"
  let out = ""
  for (const segment of path) {
    const key = typeof segment === "object" ? segment.key : segment
    out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`
  }
  return out
}

/** Converts a Schema issue tree into a `DecodeError` about `subject`. */
export const fromIssue = (subject: string, issue: SchemaIssue.Issue): DecodeError =>
  new DecodeError({
    subject,
    issues: formatter(issue).issues.map((i) => ({ path: renderPath(i.path ?? []), message: i.message }))
  })

const options = { errors: "all", reportInput: true } as const

/** Decodes unknown input with `schema`, failing with a `DecodeError`. */
export const decodeUnknown = <S extends Schema.Constraint>(schema: S, subject: string) => {
  const decode = Schema.decodeUnknownEffect(schema)
  return (input: unknown): Effect.Effect<S["Type"], DecodeError, S["DecodingServices"]> =>
    decode(input, options).pipe(Effect.mapError((e) => fromIssue(subject, e.issue)))
}

/** Synchronous variant returning a `Result`, for pure code and tests. */
export const decodeUnknownResult = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, subject: string) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (input: unknown): Result.Result<S["Type"], DecodeError> =>
    Result.mapError(decode(input, options), (e) => fromIssue(subject, e.issue))
}
