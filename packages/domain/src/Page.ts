/**
 * Keyset pagination. Ids are UUIDv7, so ordering by id is ordering by
 * creation time, and "the rows after this id" is an index range scan that
 * stays fast on page 10,000 (unlike OFFSET) and never skips or repeats rows
 * when new ones arrive. The cursor is opaque to clients.
 */
import { Effect, Schema } from "effect"
import * as UuidV7 from "./UuidV7.ts"

export interface Page<A> {
  readonly items: ReadonlyArray<A>
  /** Pass back to get the next page; null on the last page. */
  readonly nextCursor: string | null
}

export const PageRequest = Schema.Struct({
  /** 1-500, default 50. */
  limit: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 500 })))),
  cursor: Schema.optionalKey(Schema.String)
})
export type PageRequest = typeof PageRequest.Type

export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()("InvalidCursor", {
  cursor: Schema.String,
  message: Schema.String
}) {}

export const defaultLimit = 50

export const encodeCursor = (id: string): string => Buffer.from(id, "utf8").toString("base64url")

/** The id after which the next page starts, or undefined for the first page. */
export const decodeCursor = (cursor: string | undefined): Effect.Effect<string | undefined, InvalidCursor> => {
  if (cursor === undefined) return Effect.succeed(undefined)
  const id = Buffer.from(cursor, "base64url").toString("utf8")
  return UuidV7.uuidPattern.test(id)
    ? Effect.succeed(id)
    : Effect.fail(new InvalidCursor({ cursor, message: `cursor '${cursor}' was not issued by this API (expected the nextCursor of a previous page)` }))
}

/** Builds a page from `limit + 1` fetched rows: the extra row only signals that more exist. */
export const fromRows = <A extends { readonly id: string }>(rows: ReadonlyArray<A>, limit: number): Page<A> => {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null }
}
