import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import * as UuidV7 from "../src/UuidV7.ts"

const random10 = fc.uint8Array({ minLength: 10, maxLength: 10 })
const millis = fc.integer({ min: 0, max: 0xffff_ffff_ffff })

describe("UuidV7", () => {
  it("lays out timestamp, version and variant as RFC 9562 specifies", () => {
    const id = UuidV7.make(0x0123_4567_89ab, new Uint8Array([0xff, 0xee, 0xff, 1, 2, 3, 4, 5, 6, 7]))
    expect(id).toBe("01234567-89ab-7fee-bf01-020304050607")
    expect(UuidV7.isUuidV7(id)).toBe(true)
    expect(UuidV7.timestampOf(id)).toBe(0x0123_4567_89ab)
  })

  it("encodes any 48-bit time and any random bytes into a valid v7 id that sorts by time", () => {
    fc.assert(fc.property(millis, millis, random10, random10, (t1, t2, r1, r2) => {
      const a = UuidV7.make(t1, r1)
      const b = UuidV7.make(t2, r2)
      expect(UuidV7.isUuidV7(a)).toBe(true)
      expect(UuidV7.timestampOf(a)).toBe(t1)
      if (t1 < t2) expect(a < b).toBe(true)
    }))
  })

  it("rejects times outside 48 bits and short randomness", () => {
    expect(() => UuidV7.make(-1, new Uint8Array(10))).toThrow(/48-bit/)
    expect(() => UuidV7.make(2 ** 48, new Uint8Array(10))).toThrow(/48-bit/)
    expect(() => UuidV7.make(1, new Uint8Array(9))).toThrow(/10 random bytes/)
  })

  it("next() is strictly increasing even when the clock stands still or steps back", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1_000, max: 1_010 }), random10), { minLength: 2, maxLength: 200 }), (steps) => {
      let previous: string | undefined
      for (const [t, r] of steps) {
        const id = UuidV7.next(previous, t, r)
        expect(UuidV7.isUuidV7(id)).toBe(true)
        if (previous !== undefined) expect(id > previous).toBe(true)
        previous = id
      }
    }))
  })

  it("next() carries into the next millisecond when the counter is exhausted", () => {
    const full = UuidV7.make(5, new Uint8Array(10).fill(0xff))
    const after = UuidV7.next(full, 5, new Uint8Array(10))
    expect(UuidV7.timestampOf(after)).toBe(6)
    expect(after > full).toBe(true)
  })

  it.effect("generate reads the Effect clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_764_000_000_000)
      const id = yield* UuidV7.generate
      // Monotonic: never below the clock, and equal unless an earlier id in this process was later.
      expect(UuidV7.timestampOf(id)).toBeGreaterThanOrEqual(1_764_000_000_000)
      expect(UuidV7.isUuidV7(id)).toBe(true)
    }))
})
