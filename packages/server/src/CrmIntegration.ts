/**
 * What the server needs to offer CRM sync: the encryption key for stored
 * credentials (`Secrets`) and the workflows' `CrmSyncControl` on a Temporal
 * client. Both are optional at boot; when one is missing the CRM endpoints
 * answer 503 with `unavailable`, which says how to enable them.
 *
 * Key source: `AUTODIALER_SECRET_KEY` (32 bytes of base64, or a keyring
 * `id:base64[,id:base64...]` whose first key is current) in either mode; the
 * embedded default without it generates a key once into
 * `<AUTODIALER_DATA_DIR>/secret.key` (mode 0600) and reuses it on every boot,
 * so connections stored by one run still open in the next.
 */
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import type { Client } from "@temporalio/client"
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { CrmSyncLogRepo } from "@autodialer/domain/CrmSyncLogRepo"
import { type Keyring, makeKey, parseKeyring, SecretKeyInvalid, Secrets } from "@autodialer/domain/Secrets"
import { CrmSyncControl } from "@autodialer/workflows/CrmSyncControl"
import type { ServerConfig } from "./ServerConfig.ts"

export class CrmIntegration extends Context.Service<CrmIntegration, {
  /** Present when Temporal and the secret key are both available. */
  readonly control: CrmSyncControl["Service"] | undefined
  /** Why `control` is missing and how to enable it (the 503 message). */
  readonly unavailable: string
}>()("@autodialer/server/CrmIntegration") {
  /** CRM sync available: the control on `client`, its repositories sealing credentials with `keyring`. */
  static readonly layer = (options: {
    readonly client: Client
    readonly keyring: Keyring
    /** Task queue of the sync workflows (default `autodialer-integrations`). */
    readonly taskQueue?: string
  }): Layer.Layer<CrmIntegration, never, SqlClient.SqlClient> =>
    Layer.effect(CrmIntegration, Effect.map(CrmSyncControl, (control) => ({ control, unavailable: "" }))).pipe(
      Layer.provide(CrmSyncControl.layer({
        client: options.client, ...(options.taskQueue === undefined ? {} : { taskQueue: options.taskQueue })
      })),
      Layer.provide(Layer.mergeAll(CrmConnectionRepo.layer, CrmSyncLogRepo.layer)),
      Layer.provide(Secrets.layer(options.keyring))
    )

  /** CRM sync not available; every CRM endpoint answers 503 with `reason`. */
  static readonly layerUnavailable = (reason: string): Layer.Layer<CrmIntegration> =>
    Layer.succeed(CrmIntegration, { control: undefined, unavailable: reason })
}

/** Said when no `CrmIntegration` was provided at all (e.g. a server built without Temporal). */
export const temporalHint =
  "CRM sync runs on Temporal, which this server is not connected to: set TEMPORAL_ADDRESS (server mode), " +
  "or TEMPORAL_CLI_PATH / .tools/bin/temporal for the embedded dev server, and restart"

export const secretKeyHint =
  "CRM credentials are stored encrypted and no key is configured: set AUTODIALER_SECRET_KEY to 32 bytes of base64 " +
  "(e.g. `openssl rand -base64 32`) and restart"

/** The key file's content: 32 bytes of base64, nothing else. */
const KeyFile = Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9+/]{43}=$/, {
  message: "expected 32 bytes of base64 (44 characters)"
})))

/** `AUTODIALER_SECRET_KEY` as a keyring: a bare base64 key gets the id `default`. */
export const keyringFromConfig = (key: Redacted.Redacted<string>): Effect.Effect<Keyring, SecretKeyInvalid> => {
  const spec = Redacted.value(key).trim()
  const named = spec.includes(":")
  return (named ? parseKeyring(spec) : Effect.map(makeKey("default", spec), (current): Keyring => ({ current, previous: [] }))).pipe(
    Effect.mapError((e) => new SecretKeyInvalid({ message: `AUTODIALER_SECRET_KEY: ${e.message}` }))
  )
}

/** Reads `<dataDir>/secret.key`, creating it (0600) with a random key the first time. */
export const embeddedKeyring = (dataDir: string): Effect.Effect<Keyring, SecretKeyInvalid> =>
  Effect.gen(function*() {
    const path = resolve(dataDir, "secret.key")
    const content = yield* Effect.try({
      try: () => {
        mkdirSync(resolve(dataDir), { recursive: true })
        if (!existsSync(path)) {
          // "wx": never overwrite a key another process wrote a moment ago.
          try {
            writeFileSync(path, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600, flag: "wx" })
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
          }
        }
        chmodSync(path, 0o600)
        return readFileSync(path, "utf8").trim()
      },
      catch: (e) => new SecretKeyInvalid({ message: `${path}: cannot read or create the key file (${e instanceof Error ? e.message : String(e)})` })
    })
    const base64 = yield* Schema.decodeUnknownEffect(KeyFile)(content).pipe(
      Effect.mapError(() => new SecretKeyInvalid({ message: `${path}: expected 32 bytes of base64 (44 characters); delete the file to generate a new key (stored CRM credentials will no longer open)` }))
    )
    const current = yield* makeKey("embedded", base64)
    return { current, previous: [] } satisfies Keyring
  })

/** The keyring of this boot, or none (serve mode without `AUTODIALER_SECRET_KEY`). */
export const keyring = (config: ServerConfig, embedded: boolean): Effect.Effect<Option.Option<Keyring>, SecretKeyInvalid> =>
  Option.isSome(config.secretKey)
    ? Effect.map(keyringFromConfig(config.secretKey.value), Option.some)
    : embedded
    ? Effect.map(embeddedKeyring(config.dataDir === "" ? "./data" : config.dataDir), Option.some)
    : Effect.succeed(Option.none())
