/**
 * The errors the HTTP API can answer with, as Schema-tagged classes carrying
 * their HTTP status. Every one has a `message` that says what was wrong and
 * what to do about it; clients switch on `_tag`. Handlers translate service
 * and SQL failures into these in one place (`http/Failures.ts`).
 */
import { Schema } from "effect"

/** 400: the request was understood but a value is wrong; `field` names it. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String,
  field: Schema.optionalKey(Schema.String)
}, { httpApiStatus: 400 }) {}

/** 401: no credentials, or credentials that do not match an active key or session. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}, { httpApiStatus: 401 }) {}

/** 403: authenticated, but the caller's role may not do this. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  message: Schema.String,
  requiredRole: Schema.optionalKey(Schema.String)
}, { httpApiStatus: 403 }) {}

/**
 * 404: no such resource in the caller's organization. Rows of other
 * organizations are reported exactly like missing ones, so ids cannot be probed.
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String,
  resource: Schema.String,
  id: Schema.String
}, { httpApiStatus: 404 }) {}

/** 409: the request conflicts with existing data (a duplicate, or a state that forbids the transition). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String
}, { httpApiStatus: 409 }) {}

/** One rejected CSV row: the 1-based line number in the file, the column and why. */
export const RowError = Schema.Struct({
  line: Schema.Int,
  column: Schema.optionalKey(Schema.String),
  value: Schema.optionalKey(Schema.String),
  message: Schema.String
})
export type RowError = typeof RowError.Type

/** 422: a CSV import was rejected as a whole; nothing was written. */
export class ImportRejected extends Schema.TaggedError<ImportRejected>()("ImportRejected", {
  message: Schema.String,
  rowsRead: Schema.Int,
  errors: Schema.Array(RowError)
}, { httpApiStatus: 422 }) {}

/** 503: a dependency (Temporal, the carrier, a voice server) is not reachable now; retry later. */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  message: Schema.String
}, { httpApiStatus: 503 }) {}

/** The errors every authenticated endpoint may answer with. */
export const Common = [InvalidRequest, Forbidden, NotFound, Conflict] as const
