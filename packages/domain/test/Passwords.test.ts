import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Passwords from "../src/Passwords.ts"

// Low cost keeps the suite fast; the format records the cost so production hashes use the default.
const cheap = { N: 1024, r: 8, p: 1 }

describe("Passwords", () => {
  it.effect("hash + verify: the right password matches, any other does not", () =>
    Effect.gen(function*() {
      const stored = yield* Passwords.hash("correct horse", cheap)
      expect(stored).toMatch(/^scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/)
      expect(stored).not.toContain("correct horse")
      expect(yield* Passwords.verify("correct horse", stored)).toBe(true)
      expect(yield* Passwords.verify("correct horsf", stored)).toBe(false)
      expect(yield* Passwords.verify("", stored)).toBe(false)
    }))

  it.effect("salts: the same password hashes differently", () =>
    Effect.gen(function*() {
      expect(yield* Passwords.hash("pw", cheap)).not.toBe(yield* Passwords.hash("pw", cheap))
    }))

  it.effect("normalises Unicode so the same password typed differently still matches", () =>
    Effect.gen(function*() {
      const stored = yield* Passwords.hash("caf\u00e9", cheap)
      expect(yield* Passwords.verify("cafe\u0301", stored)).toBe(true)
    }))

  it.effect("malformed stored hashes are a typed error, not a silent false", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Passwords.verify("pw", "md5$abc"))
      expect(error._tag).toBe("HashFormatInvalid")
    }))

  it("needsRehash flags hashes made with a lower cost", () => {
    expect(Passwords.needsRehash("scrypt$N=1024,r=8,p=1$AA==$AA==")).toBe(true)
    expect(Passwords.needsRehash(`scrypt$N=${2 ** 17},r=8,p=1$AA==$AA==`)).toBe(false)
  })

  it.effect("tokens: random, prefixed, matched by digest in constant time", () =>
    Effect.gen(function*() {
      const token = yield* Passwords.generateToken("adk")
      expect(token).toMatch(/^adk_[A-Za-z0-9_-]{43}$/)
      const digest = Passwords.tokenDigest(token)
      expect(digest).toMatch(/^[0-9a-f]{64}$/)
      expect(Passwords.tokenMatches(token, digest)).toBe(true)
      expect(Passwords.tokenMatches(`${token}x`, digest)).toBe(false)
      expect(yield* Passwords.generateToken("adk")).not.toBe(token)
    }))
})
