import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Page from "../src/Page.ts"

const ids = ["0190a3c2-7b1e-7cde-8f00-000000000003", "0190a3c2-7b1e-7cde-8f00-000000000002", "0190a3c2-7b1e-7cde-8f00-000000000001"]

describe("Page", () => {
  it("uses the extra row only to signal a next page", () => {
    const rows = ids.map((id) => ({ id }))
    expect(Page.fromRows(rows, 2)).toStrictEqual({ items: rows.slice(0, 2), nextCursor: Page.encodeCursor(ids[1]!) })
    expect(Page.fromRows(rows.slice(0, 2), 2)).toStrictEqual({ items: rows.slice(0, 2), nextCursor: null })
  })

  it.effect("cursors round-trip; foreign cursors are rejected with a clear message", () =>
    Effect.gen(function*() {
      expect(yield* Page.decodeCursor(Page.encodeCursor(ids[0]!))).toBe(ids[0])
      expect(yield* Page.decodeCursor(undefined)).toBeUndefined()
      const bad = yield* Effect.flip(Page.decodeCursor("bm9wZQ"))
      expect(bad.message).toBe("cursor 'bm9wZQ' was not issued by this API (expected the nextCursor of a previous page)")
    }))
})
