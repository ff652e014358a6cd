/**
 * Encryption at rest for CRM and provider credentials (and TOTP secrets):
 * AES-256-GCM with a random 96-bit IV per message and an authentication tag,
 * so tampering is detected. Each envelope names the key that sealed it, so
 * keys can be rotated: new writes use the current key, old rows still open
 * with the retired keys until re-encrypted (`needsRotation`).
 *
 * Envelope: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 * An optional `context` (e.g. the row's org and id) is bound as additional
 * authenticated data: a ciphertext copied to another row will not open.
 */
import { Config, Context, Effect, Layer, Redacted, Schema } from "effect"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"

export class SecretKeyInvalid extends Schema.TaggedError<SecretKeyInvalid>()("SecretKeyInvalid", {
  message: Schema.String
}) {}

export class DecryptionFailed extends Schema.TaggedError<DecryptionFailed>()("DecryptionFailed", {
  keyId: Schema.String,
  message: Schema.String
}) {}

export interface Key {
  readonly id: string
  readonly material: Redacted.Redacted<Uint8Array>
}

export interface Keyring {
  /** Encrypts with this one. */
  readonly current: Key
  /** Retired keys, still accepted for decryption. */
  readonly previous: ReadonlyArray<Key>
}

const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/

/** Builds a key from its id and base64 material, checking it is 32 bytes. */
export const makeKey = (id: string, base64: string): Effect.Effect<Key, SecretKeyInvalid> =>
  Effect.gen(function*() {
    if (!keyIdPattern.test(id)) {
      return yield* new SecretKeyInvalid({ message: `key id '${id}' is invalid (expected 1-32 of A-Z a-z 0-9 _ -)` })
    }
    const material = Buffer.from(base64, "base64")
    if (material.length !== 32) {
      return yield* new SecretKeyInvalid({
        message: `key '${id}' is ${material.length} bytes (expected 32 bytes of base64, e.g. from \`openssl rand -base64 32\`)`
      })
    }
    return { id, material: Redacted.make(new Uint8Array(material)) }
  })

/**
 * Parses `id:base64,id:base64,...`; the first key is current, the rest are
 * retired keys kept for decryption.
 */
export const parseKeyring = (spec: string): Effect.Effect<Keyring, SecretKeyInvalid> =>
  Effect.gen(function*() {
    const parts = spec.split(",").map((s) => s.trim()).filter((s) => s !== "")
    const keys: Array<Key> = []
    for (const part of parts) {
      const colon = part.indexOf(":")
      if (colon <= 0) {
        return yield* new SecretKeyInvalid({ message: "a key entry is not of the form id:base64 (expected e.g. k2026:BASE64...)" })
      }
      keys.push(yield* makeKey(part.slice(0, colon), part.slice(colon + 1)))
    }
    const [current, ...previous] = keys
    if (current === undefined) {
      return yield* new SecretKeyInvalid({ message: "no encryption key configured (expected AUTODIALER_SECRET_KEYS=id:base64)" })
    }
    return { current, previous }
  })

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url")

/** Pure encryption with an explicit IV (12 bytes); `encrypt` on the service draws a random one. */
export const seal = (key: Key, plaintext: string, iv: Uint8Array, context = ""): string => {
  const cipher = createCipheriv("aes-256-gcm", Redacted.value(key.material), iv)
  cipher.setAAD(Buffer.from(context, "utf8"))
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
  return ["v1", key.id, b64(iv), b64(cipher.getAuthTag()), b64(ciphertext)].join(".")
}

/** The key id an envelope was sealed with, or undefined if it is not an envelope. */
export const keyIdOf = (envelope: string): string | undefined => {
  const parts = envelope.split(".")
  return parts.length === 5 && parts[0] === "v1" ? parts[1] : undefined
}

/** Opens an envelope with whichever key of the ring sealed it. */
export const open = (keyring: Keyring, envelope: string, context = ""): Effect.Effect<string, DecryptionFailed> =>
  Effect.gen(function*() {
    const parts = envelope.split(".")
    const [version, keyId, iv, tag, ciphertext] = parts
    if (parts.length !== 5 || version !== "v1" || !keyId || !iv || !tag || ciphertext === undefined) {
      return yield* new DecryptionFailed({ keyId: keyId ?? "?", message: "not a v1 secret envelope (expected v1.<keyId>.<iv>.<tag>.<ciphertext>)" })
    }
    const key = [keyring.current, ...keyring.previous].find((k) => k.id === keyId)
    if (key === undefined) {
      return yield* new DecryptionFailed({ keyId, message: `key '${keyId}' is not in the keyring (was it removed before re-encryption?)` })
    }
    return yield* Effect.try({
      try: () => {
        const decipher = createDecipheriv("aes-256-gcm", Redacted.value(key.material), Buffer.from(iv, "base64url"))
        decipher.setAAD(Buffer.from(context, "utf8"))
        decipher.setAuthTag(Buffer.from(tag, "base64url"))
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8")
      },
      catch: () => new DecryptionFailed({ keyId, message: "authentication failed: wrong key, wrong context, or tampered data" })
    })
  })

export class Secrets extends Context.Service<Secrets, {
  /** Id of the key new envelopes are sealed with (stored next to the ciphertext). */
  readonly currentKeyId: string
  readonly encrypt: (plaintext: string, context?: string) => Effect.Effect<string>
  readonly decrypt: (envelope: string, context?: string) => Effect.Effect<string, DecryptionFailed>
  /** True when the envelope was sealed with a retired key and should be re-encrypted. */
  readonly needsRotation: (envelope: string) => boolean
}>()("@autodialer/domain/Secrets") {
  static readonly make = (keyring: Keyring) =>
    Secrets.of({
      currentKeyId: keyring.current.id,
      encrypt: (plaintext, context) =>
        Effect.sync(() => seal(keyring.current, plaintext, randomBytes(12), context ?? "")),
      decrypt: (envelope, context) => open(keyring, envelope, context ?? ""),
      needsRotation: (envelope) => keyIdOf(envelope) !== keyring.current.id
    })

  static readonly layer = (keyring: Keyring) => Layer.succeed(Secrets, Secrets.make(keyring))

  /** Reads `AUTODIALER_SECRET_KEYS` (`id:base64[,id:base64...]`, first is current). */
  static readonly layerConfig = Layer.effect(
    Secrets,
    Effect.gen(function*() {
      const spec = yield* Config.Redacted("AUTODIALER_SECRET_KEYS")
      return Secrets.make(yield* parseKeyring(Redacted.value(spec)))
    })
  )

  /** A fixed, well-known key for tests only. */
  static readonly layerTest = Layer.succeed(
    Secrets,
    Secrets.make({ current: { id: "test", material: Redacted.make(new Uint8Array(32).fill(7)) }, previous: [] })
  )
}
