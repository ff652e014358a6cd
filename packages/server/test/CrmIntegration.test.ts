/**
 * The CRM credential key of a boot: a configured AUTODIALER_SECRET_KEY (bare
 * or a keyring), the embedded default's generated key file (0600, reused
 * across boots, a corrupt file refused), and serve mode without a key.
 */
import { Effect, Exit, Option, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Secrets } from "@autodialer/domain/Secrets"
import { embeddedKeyring, keyring, keyringFromConfig } from "../src/CrmIntegration.ts"
import type { ServerConfig } from "../src/ServerConfig.ts"

const dir = mkdtempSync(join(tmpdir(), "autodialer-crm-key-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const config = (overrides: Partial<ServerConfig>): ServerConfig => ({
  port: 0, host: "127.0.0.1", publicUrl: "", databaseUrl: Option.none(), dataDir: dir, secretKey: Option.none(),
  temporalAddress: Option.none(), temporalNamespace: "default", temporalCliPath: Option.none(),
  twilioAccountSid: Option.none(), twilioAuthToken: Option.none(), plivoAuthToken: Option.none(), webDir: "", ...overrides
})

describe("CRM credential key", () => {
  it("generates the embedded key once with mode 0600 and reuses it: a sealed secret opens after a restart", async () => {
    const data = join(dir, "embedded")
    const first = await Effect.runPromise(embeddedKeyring(data))
    const path = join(data, "secret.key")
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const content = readFileSync(path, "utf8")
    const sealed = await Effect.runPromise(Secrets.make(first).encrypt("pat-token-1", "ctx"))
    const second = await Effect.runPromise(embeddedKeyring(data))
    expect(readFileSync(path, "utf8")).toBe(content)
    expect(await Effect.runPromise(Secrets.make(second).decrypt(sealed, "ctx"))).toBe("pat-token-1")
    // Another data dir has another key: the envelope does not open there.
    const other = await Effect.runPromise(embeddedKeyring(join(dir, "other")))
    expect(Exit.isFailure(await Effect.runPromiseExit(Secrets.make(other).decrypt(sealed, "ctx")))).toBe(true)
  })

  it("refuses a corrupt key file instead of replacing it", async () => {
    const data = join(dir, "corrupt")
    await Effect.runPromise(embeddedKeyring(data))
    writeFileSync(join(data, "secret.key"), "not a key")
    const error = await Effect.runPromise(Effect.flip(embeddedKeyring(data)))
    expect(error.message).toContain("secret.key: expected 32 bytes of base64")
    expect(readFileSync(join(data, "secret.key"), "utf8")).toBe("not a key")
  })

  it("decodes AUTODIALER_SECRET_KEY as a bare key or a keyring, naming the variable but never the value", async () => {
    const key = randomBytes(32).toString("base64")
    expect((await Effect.runPromise(keyringFromConfig(Redacted.make(key)))).current.id).toBe("default")
    const ring = await Effect.runPromise(keyringFromConfig(Redacted.make(`k2:${key},k1:${randomBytes(32).toString("base64")}`)))
    expect([ring.current.id, ring.previous.map((k) => k.id)]).toEqual(["k2", ["k1"]])
    const short = await Effect.runPromise(Effect.flip(keyringFromConfig(Redacted.make("c2hvcnQta2V5"))))
    expect(short.message).toMatch(/^AUTODIALER_SECRET_KEY: .*is 9 bytes \(expected 32 bytes of base64/)
    expect(short.message).not.toContain("c2hvcnQta2V5")
  })

  it("uses the configured key in either mode, the key file only in the embedded default, none in serve mode", async () => {
    const key = randomBytes(32).toString("base64")
    const configured = await Effect.runPromise(keyring(config({ secretKey: Option.some(Redacted.make(key)), dataDir: join(dir, "configured") }), true))
    expect(Option.map(configured, (k) => k.current.id)).toEqual(Option.some("default"))
    expect(() => statSync(join(dir, "configured", "secret.key"))).toThrow()
    expect(Option.isNone(await Effect.runPromise(keyring(config({ dataDir: join(dir, "serve") }), false)))).toBe(true)
    expect(Option.isSome(await Effect.runPromise(keyring(config({ dataDir: join(dir, "embedded2") }), true)))).toBe(true)
  })
})
