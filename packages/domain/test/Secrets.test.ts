import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import fc from "fast-check"
import * as Secrets from "../src/Secrets.ts"

const key = (id: string, fill: number): Secrets.Key => ({ id, material: Redacted.make(new Uint8Array(32).fill(fill)) })

describe("Secrets", () => {
  it.effect("encrypts to an envelope without the plaintext and decrypts it back (property)", () =>
    Effect.gen(function*() {
      const secrets = Secrets.Secrets.make({ current: key("k1", 1), previous: [] })
      const samples = fc.sample(fc.tuple(fc.string({ minLength: 1 }), fc.string()), 50)
      for (const [plain, context] of samples) {
        const envelope = yield* secrets.encrypt(plain, context)
        expect(envelope.startsWith("v1.k1.")).toBe(true)
        if (plain.length >= 4) expect(envelope).not.toContain(plain)
        expect(yield* secrets.decrypt(envelope, context)).toBe(plain)
      }
    }))

  it.effect("the same plaintext encrypts differently each time (random IV)", () =>
    Effect.gen(function*() {
      const secrets = Secrets.Secrets.make({ current: key("k1", 1), previous: [] })
      expect(yield* secrets.encrypt("token")).not.toBe(yield* secrets.encrypt("token"))
    }))

  it.effect("tampering, a wrong context, or an unknown key fails to decrypt", () =>
    Effect.gen(function*() {
      const secrets = Secrets.Secrets.make({ current: key("k1", 1), previous: [] })
      const envelope = yield* secrets.encrypt("refresh-token", "crm:1")
      const parts = envelope.split(".")
      const flipped = [...parts.slice(0, 4), Buffer.from("x" + parts[4]!, "utf8").toString("base64url")].join(".")
      for (const [e, ctx] of [[flipped, "crm:1"], [envelope, "crm:2"], [envelope.replace("v1.k1.", "v1.k9."), "crm:1"], ["garbage", "crm:1"]] as const) {
        const exit = yield* Effect.exit(secrets.decrypt(e, ctx))
        expect(Exit.isFailure(exit)).toBe(true)
      }
      const unknown = yield* Effect.flip(secrets.decrypt(envelope.replace("v1.k1.", "v1.k9."), "crm:1"))
      expect(unknown.message).toBe("key 'k9' is not in the keyring (was it removed before re-encryption?)")
    }))

  it.effect("rotation: old envelopes open with a retired key and are flagged for re-encryption", () =>
    Effect.gen(function*() {
      const old = Secrets.Secrets.make({ current: key("2025", 1), previous: [] })
      const envelope = yield* old.encrypt("secret")
      const rotated = Secrets.Secrets.make({ current: key("2026", 2), previous: [key("2025", 1)] })
      expect(yield* rotated.decrypt(envelope)).toBe("secret")
      expect(rotated.needsRotation(envelope)).toBe(true)
      expect(rotated.needsRotation(yield* rotated.encrypt("secret"))).toBe(false)
    }))

  it.effect("parses a keyring from configuration and explains bad keys", () =>
    Effect.gen(function*() {
      const k = Buffer.alloc(32, 3).toString("base64")
      const ring = yield* Secrets.parseKeyring(`new:${k}, old:${k}`)
      expect([ring.current.id, ring.previous.map((p) => p.id)]).toStrictEqual(["new", ["old"]])
      const short = yield* Effect.flip(Secrets.parseKeyring(`k:${Buffer.alloc(16).toString("base64")}`))
      expect(short.message).toBe("key 'k' is 16 bytes (expected 32 bytes of base64, e.g. from `openssl rand -base64 32`)")
      const empty = yield* Effect.flip(Secrets.parseKeyring(""))
      expect(empty.message).toContain("no encryption key configured")
    }))
})
