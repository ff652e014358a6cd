/**
 * Credentials at rest are sealed (encrypted); only a connector opens them, and only in memory.
 *
 * The connector configuration carries the sealed blob. `CredentialVault.decrypt` (backed by the
 * domain's secrets service in the server, by a function in tests) turns it into a `Redacted`
 * JSON string, which each connector decodes with its own schema. Refreshed access tokens live in
 * the connector's memory only, wrapped in `Redacted` so they never reach a log line.
 */
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { CrmCredentialsInvalid } from "./CrmError.ts"
import type { CrmProvider } from "./PendingDomain.ts"

/** Ciphertext as stored in the connection row. Opaque to everything but the vault. */
export const SealedCredentials = Schema.String.pipe(Schema.brand("SealedCredentials"))
export type SealedCredentials = typeof SealedCredentials.Type

export interface CredentialVaultShape {
  readonly decrypt: (sealed: SealedCredentials) => Effect.Effect<Redacted.Redacted<string>, CredentialsUnreadable>
}

/** The vault could not open a sealed blob (wrong key, corrupted). Carries no secret material. */
export class CredentialsUnreadable extends Schema.TaggedError<CredentialsUnreadable>()("CredentialsUnreadable", {
  message: Schema.String
}) {}

export class CredentialVault extends Context.Service<CredentialVault, CredentialVaultShape>()(
  "@autodialer/crm-sync/CredentialVault"
) {
  /** Builds the vault from an injected decrypt function (e.g. the domain's Secrets service). */
  static readonly layerFromFunction = (
    decrypt: (sealed: string) => Effect.Effect<string, CredentialsUnreadable>
  ): Layer.Layer<CredentialVault> =>
    Layer.succeed(CredentialVault, { decrypt: (sealed) => Effect.map(decrypt(sealed), (plain) => Redacted.make(plain)) })

  /**
   * Test vault: "sealed" is `test-sealed:` + base64 of the JSON. Anything else is unreadable,
   * which lets tests prove that plain JSON is never accepted as sealed.
   */
  static readonly layerTest: Layer.Layer<CredentialVault> = CredentialVault.layerFromFunction((sealed) =>
    sealed.startsWith("test-sealed:")
      ? Effect.succeed(Buffer.from(sealed.slice("test-sealed:".length), "base64").toString("utf8"))
      : Effect.fail(new CredentialsUnreadable({ message: "not sealed by the test vault" }))
  )

  /** The counterpart of `layerTest` for building fixtures. */
  static readonly sealForTest = (credentials: unknown): SealedCredentials =>
    `test-sealed:${Buffer.from(JSON.stringify(credentials), "utf8").toString("base64")}` as SealedCredentials
}

/**
 * Opens and decodes a connection's credentials with `schema`. Errors name the missing or
 * malformed key but never echo a value.
 */
export const open = <S extends Schema.Top & { readonly DecodingServices: never }>(
  provider: CrmProvider,
  sealed: SealedCredentials,
  schema: S
): Effect.Effect<S["Type"], CrmCredentialsInvalid, CredentialVault> =>
  Effect.gen(function*() {
    const vault = yield* CredentialVault
    const plain = yield* vault.decrypt(sealed).pipe(
      Effect.mapError((e) => new CrmCredentialsInvalid({ provider, operation: "openCredentials", message: e.message }))
    )
    const json = yield* Effect.try({
      try: () => JSON.parse(Redacted.value(plain)) as unknown,
      catch: () => new CrmCredentialsInvalid({ provider, operation: "openCredentials", message: "credentials are not JSON" })
    })
    return yield* (Schema.decodeUnknownEffect(schema as never)(json) as Effect.Effect<S["Type"], Schema.SchemaError>).pipe(
      Effect.mapError((e) =>
        new CrmCredentialsInvalid({
          provider,
          operation: "openCredentials",
          // Paths only: the formatter would otherwise print the secret values it rejected.
          message: `credentials do not have the shape ${provider} needs: ${issuePaths(e)}`
        })
      )
    )
  })

const issuePaths = (error: Schema.SchemaError): string => {
  const paths = [...error.message.matchAll(/at (\[[^\n]*\])/g)].map((m) => m[1])
  return paths.length > 0 ? `check ${paths.join(", ")}` : "check the required keys"
}
