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

/** Two hex digits for each byte value (a table: ids are made for every stored event, on the webhook hot path). */
const hexByte = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))

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

const toBytes = (uuid: string): Uint8Array => {
  const digits = uuid.replace(/-/g, "")
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

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

const format = (b: Uint8Array): string => {
  const h = (i: number) => hexByte[b[i]!]!
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
}

let last: string | undefined

/**
 * Random bytes drawn from the CSPRNG in blocks: one `getRandomValues` call
 * serves 409 ids instead of one call per id (the call, not the bytes, is what
 * costs on the webhook hot path).
 */
const pool = new Uint8Array(4096)
let poolOffset = pool.length
const randomBytes = (): Uint8Array => {
  if (poolOffset + 10 > pool.length) {
    globalThis.crypto.getRandomValues(pool)
    poolOffset = 0
  }
  // A copy, so a caller that keeps it never sees the pool refilled under it.
  const out = pool.slice(poolOffset, poolOffset + 10)
  poolOffset += 10
  return out
}

/**
 * Generates a UUIDv7 from the Effect clock and the platform CSPRNG, strictly
 * increasing within this process (see `next`).
 */
export const generate: Effect.Effect<string> = Effect.flatMap(Clock.currentTimeMillis, (now) =>
  Effect.sync(() => {
    last = next(last, now, randomBytes())
    return last
  }))
