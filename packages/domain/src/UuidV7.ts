/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids sort
 * by creation time, which keeps B-tree inserts local and makes keyset
 * pagination by id follow creation order.
 *
 * `make` is pure (time and randomness are arguments) so the engine and tests can
 * build ids deterministically; `generate` is the Effect edge that reads the
 * Effect `Clock` (so `TestClock` controls it) and the platform CSPRNG.
 */
import { Clock, Effect } from "effect"

/** Matches any RFC 9562 UUID in canonical lower- or upper-case form. */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

/**
 * Builds a UUIDv7 from a Unix time in milliseconds and at least 10 random
 * bytes (only 74 random bits are used; version and variant take the rest).
 */
export const make = (unixMillis: number, random: Uint8Array): string => {
  if (!Number.isSafeInteger(unixMillis) || unixMillis < 0 || unixMillis > 0xffff_ffff_ffff) {
    throw new RangeError(`unixMillis ${unixMillis} is outside the 48-bit range of a UUIDv7 timestamp`)
  }
  if (random.length < 10) {
    throw new RangeError(`UUIDv7 needs 10 random bytes, got ${random.length}`)
  }
  const bytes = new Uint8Array(16)
  // 48-bit big-endian timestamp; split because bitwise ops are 32-bit in JS.
  const high = Math.floor(unixMillis / 0x1_0000_0000)
  const low = unixMillis % 0x1_0000_0000
  bytes[0] = (high >>> 8) & 0xff
  bytes[1] = high & 0xff
  bytes[2] = (low >>> 24) & 0xff
  bytes[3] = (low >>> 16) & 0xff
  bytes[4] = (low >>> 8) & 0xff
  bytes[5] = low & 0xff
  bytes[6] = 0x70 | (random[0]! & 0x0f) // version 7
  bytes[7] = random[1]!
  bytes[8] = 0x80 | (random[2]! & 0x3f) // variant 10xx
  for (let i = 9; i < 16; i++) bytes[i] = random[i - 6]!
  return format(bytes)
}

/** The Unix milliseconds encoded in a UUIDv7. */
export const timestampOf = (uuid: string): number => Number.parseInt(uuid.replace(/-/g, "").slice(0, 12), 16)

/** True when `uuid` is a canonical UUID with version nibble 7 and the RFC variant. */
export const isUuidV7 = (uuid: string): boolean =>
  uuidPattern.test(uuid) && uuid[14] === "7" && "89ab".includes(uuid[19]!.toLowerCase())

const toBytes = (uuid: string): Uint8Array => Uint8Array.from(uuid.replace(/-/g, "").match(/../g)!, (h) => Number.parseInt(h, 16))

/**
 * The next id after `previous` (RFC 9562 section 6.2, method 2): when the
 * clock has not moved past `previous`'s millisecond (same millisecond, or a
 * clock step backwards), the 74 random bits of `previous` are incremented
 * instead, so ids made by one process are strictly increasing.
 */
export const next = (previous: string | undefined, unixMillis: number, random: Uint8Array): string => {
  if (previous === undefined || unixMillis > timestampOf(previous)) return make(unixMillis, random)
  const bytes = toBytes(previous)
  // Increment the 74-bit counter spread over rand_a (12 bits) and rand_b (62 bits), skipping version/variant bits.
  for (let i = 15; i >= 6; i--) {
    if (i === 8) {
      const low = (bytes[8]! & 0x3f) + 1
      bytes[8] = 0x80 | (low & 0x3f)
      if (low <= 0x3f) return format(bytes)
      continue
    }
    if (i === 6) {
      const low = (bytes[6]! & 0x0f) + 1
      bytes[6] = 0x70 | (low & 0x0f)
      if (low <= 0x0f) return format(bytes)
      // Counter exhausted within this millisecond: borrow the next one.
      return make(timestampOf(previous) + 1, random)
    }
    bytes[i] = (bytes[i]! + 1) & 0xff
    if (bytes[i] !== 0) return format(bytes)
  }
  return make(timestampOf(previous) + 1, random)
}

const format = (bytes: Uint8Array): string => {
  const h = hex(bytes)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

let last: string | undefined

/**
 * Generates a UUIDv7 from the Effect clock and `crypto.getRandomValues`,
 * strictly increasing within this process (see `next`).
 */
export const generate: Effect.Effect<string> = Effect.gen(function*() {
  const now = yield* Clock.currentTimeMillis
  const random = yield* Effect.sync(() => globalThis.crypto.getRandomValues(new Uint8Array(10)))
  return yield* Effect.sync(() => {
    last = next(last, now, random)
    return last
  })
})
