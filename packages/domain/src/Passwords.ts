/**
 * Hashing of passwords, API keys and session tokens with scrypt
 * (node:crypto), verified in constant time. Format:
 * `scrypt$N=<cost>,r=<block>,p=<par>$<salt b64>$<hash b64>`, so the cost can
 * be raised later and old hashes still verify (`needsRehash`).
 *
 * API keys and session tokens are long random strings, not guessable
 * passwords: for them `tokenDigest` (SHA-256) is enough and allows lookup by
 * hash with a unique index, which a salted hash would not.
 */
import { Effect, Schema } from "effect"
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto"

export interface ScryptParams {
  readonly N: number
  readonly r: number
  readonly p: number
}

/** OWASP's scrypt minimum (N=2^17, r=8, p=1). */
export const defaultParams: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }

const keyLength = 32

export class HashFormatInvalid extends Schema.TaggedError<HashFormatInvalid>()("HashFormatInvalid", {
  message: Schema.String
}) {}

const derive = (password: string, salt: Uint8Array, params: ScryptParams) =>
  Effect.callback<Buffer>((resume) => {
    scrypt(password.normalize("NFKC"), salt, keyLength, { ...params, maxmem: 256 * params.N * params.r }, (error, key) => {
      resume(error ? Effect.die(error) : Effect.succeed(key))
    })
  })

/** Hashes a password with a fresh random salt. */
export const hash = (password: string, params: ScryptParams = defaultParams): Effect.Effect<string> =>
  Effect.gen(function*() {
    const salt = randomBytes(16)
    const key = yield* derive(password, salt, params)
    return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString("base64")}$${key.toString("base64")}`
  })

const parse = (stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined => {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored)
  if (match === null) return undefined
  const [, N, r, p, salt, key] = match
  return {
    params: { N: Number(N), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt!, "base64"),
    key: Buffer.from(key!, "base64")
  }
}

/** True when `password` matches `stored`; the comparison takes the same time wherever the bytes differ. */
export const verify = (password: string, stored: string): Effect.Effect<boolean, HashFormatInvalid> =>
  Effect.gen(function*() {
    const parsed = parse(stored)
    if (parsed === undefined) {
      return yield* new HashFormatInvalid({ message: "stored hash is not in scrypt$N=..,r=..,p=..$salt$hash form" })
    }
    const key = yield* derive(password, parsed.salt, parsed.params)
    return key.length === parsed.key.length && timingSafeEqual(key, parsed.key)
  })

/** True when `stored` used weaker parameters than `params` and should be re-hashed at the next login. */
export const needsRehash = (stored: string, params: ScryptParams = defaultParams): boolean => {
  const parsed = parse(stored)
  return parsed === undefined || parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p
}

/** A new random bearer token (API key or session token) with a recognisable prefix. */
export const generateToken = (prefix: string): Effect.Effect<string> =>
  Effect.sync(() => `${prefix}_${randomBytes(32).toString("base64url")}`)

/** SHA-256 hex digest of a high-entropy token, for storage and lookup. */
export const tokenDigest = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex")

/** Constant-time comparison of a presented token with a stored digest. */
export const tokenMatches = (token: string, storedDigest: string): boolean => {
  const a = Buffer.from(tokenDigest(token), "hex")
  const b = Buffer.from(storedDigest, "hex")
  return a.length === b.length && timingSafeEqual(a, b)
}
