/**
 * Credentials at rest are sealed with the domain's `Secrets` (AES-256-GCM envelope, stored in
 * `CrmConnection.credentialsEncrypted`); only a connector opens them, and only in memory.
 *
 * The connector configuration carries the envelope and the context it was sealed with. `open`
 * decrypts it through `Secrets` and decodes the JSON with the connector's own schema. Tokens are
 * held wrapped in `Redacted`, so they never reach a log line or an error message; refreshed ones
 * are sealed back into the connection row through a `TokenStore` (see TokenStore.ts).
 */
import type { CrmType } from "@autodialer/domain/Enums"
import { Secrets } from "@autodialer/domain/Secrets"
import { Effect, Redacted, Schema } from "effect"
import { CrmCredentialsInvalid } from "./CrmError.ts"

/** A `Secrets` envelope and the additional authenticated data it was sealed with. */
export interface SealedCredentials {
  readonly envelope: string
  /** The `context` given to `Secrets.encrypt` (e.g. the connection id); "" when none. */
  readonly context?: string
}

/**
 * Opens and decodes a connection's credentials with `schema`. Errors name the missing or
 * malformed key but never echo a value.
 */
export const open = <S extends Schema.Top & { readonly DecodingServices: never }>(
  provider: CrmType,
  sealed: SealedCredentials,
  schema: S
): Effect.Effect<S["Type"], CrmCredentialsInvalid, Secrets> =>
  Effect.gen(function*() {
    const secrets = yield* Secrets
    const plain = yield* secrets.decrypt(sealed.envelope, sealed.context).pipe(
      Effect.map(Redacted.make),
      Effect.mapError((e) =>
        new CrmCredentialsInvalid({ provider, operation: "openCredentials", message: `credentials cannot be decrypted: ${e.message}` })
      )
    )
    const json = yield* Effect.try({
      try: () => JSON.parse(Redacted.value(plain)) as unknown,
      catch: () => new CrmCredentialsInvalid({ provider, operation: "openCredentials", message: "decrypted credentials are not JSON" })
    })
    return yield* (Schema.decodeUnknownEffect(schema as never)(json) as Effect.Effect<S["Type"], Schema.SchemaError>).pipe(
      Effect.mapError((e) =>
        new CrmCredentialsInvalid({
          provider,
          operation: "openCredentials",
          // Paths only: the schema's message would quote the secret values it rejected.
          message: `credentials do not have the shape ${provider} needs: ${issuePaths(e)}`
        })
      )
    )
  })

const issuePaths = (error: Schema.SchemaError): string => {
  const paths = [...error.message.matchAll(/at (\[[^\n]*\])/g)].map((m) => m[1])
  return paths.length > 0 ? `check ${paths.join(", ")}` : "check the required keys"
}

/** Seals credentials the way the server stores them; for fixtures and the connect endpoint. */
export const seal = (credentials: unknown, context?: string): Effect.Effect<SealedCredentials, never, Secrets> =>
  Effect.gen(function*() {
    const secrets = yield* Secrets
    const envelope = yield* secrets.encrypt(JSON.stringify(credentials), context)
    return context === undefined ? { envelope } : { envelope, context }
  })
