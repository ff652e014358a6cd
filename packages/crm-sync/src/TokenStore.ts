/**
 * Where refreshed OAuth tokens go: back into the connection row, sealed.
 *
 * A connector that refreshes an access token (and, when the CRM rotates it, the refresh token)
 * hands the new pair to its `ConnectionTokens`; `TokenStore.layerRepo` re-seals the connection's
 * credentials with the domain's `Secrets`, bound to the row (`credentialsContext`), through
 * `CrmConnectionRepo.replaceCredentials`. So the next sync, and any other worker, opens the new
 * token instead of refreshing again, and a rotated refresh token is never lost. Before refreshing,
 * a connector asks `load` for the stored pair: when another process already refreshed, it takes
 * that token and does not call the token endpoint at all.
 *
 * Inside a database transaction (the push holds one for its per-connection lock) the write waits
 * for the commit and runs on its own connection (`afterCommit`), so a single-connection database
 * (PGlite) cannot deadlock on it. Token values stay `Redacted`; errors name the connection only.
 */
import type { CrmType } from "@autodialer/domain/Enums"
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { CrmCredentialsInvalid, type CrmError, CrmRequestFailed } from "./CrmError.ts"

/** An access token and the refresh token that goes with it (null when there is none). */
export interface Tokens {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string> | null
}

/** The stored tokens of one connection. */
export interface ConnectionTokens {
  /** The tokens stored now (possibly refreshed by another process since this connector opened them). */
  readonly load: Effect.Effect<Tokens, CrmError>
  /**
   * Stores a refreshed pair; the other credential keys (client id and secret...) are kept. A
   * failed write is logged, not raised: the new token works in memory for this run, and the next
   * run refreshes again.
   */
  readonly save: (tokens: Tokens) => Effect.Effect<void>
}

export interface ConnectionRef {
  readonly orgId: OrganizationId
  readonly id: CrmConnectionId
  readonly crmType: CrmType
}

export class TokenStore extends Context.Service<TokenStore, {
  readonly forConnection: (connection: ConnectionRef) => ConnectionTokens
}>()("@autodialer/crm-sync/TokenStore") {
  /** Tokens live in `crm_connections.credentials_encrypted`, sealed by the repository. */
  static readonly layerRepo: Layer.Layer<TokenStore, never, CrmConnectionRepo | SqlClient.SqlClient> = Layer.effect(
    TokenStore,
    Effect.gen(function*() {
      const repo = yield* CrmConnectionRepo
      const sql = yield* SqlClient.SqlClient
      return TokenStore.of({
        forConnection: (connection) => {
          const failed = (operation: string, what: string) => (e: { readonly _tag: string }) =>
            e._tag === "DecryptionFailed"
              ? new CrmCredentialsInvalid({
                provider: connection.crmType,
                operation,
                message: `the stored credentials of connection ${connection.id} cannot be decrypted; reconnect the account`
              })
              : new CrmRequestFailed({
                provider: connection.crmType,
                operation,
                status: null,
                message: `${what} of connection ${connection.id} failed (${e._tag}); the refreshed token is used in memory for this run`
              })
          const stored = repo.credentials(connection.orgId, connection.id).pipe(
            Effect.mapError(failed("loadTokens", "reading the stored tokens")),
            Effect.flatMap((plain) => decodeStored(connection, plain))
          )
          return {
            load: Effect.map(stored, ({ accessToken, refreshToken }) => ({
              accessToken: Redacted.make(accessToken),
              refreshToken: refreshToken === undefined ? null : Redacted.make(refreshToken)
            })),
            save: (tokens) =>
              sql.afterCommit(
                Effect.gen(function*() {
                  const { json } = yield* stored
                  const next = {
                    ...json,
                    accessToken: Redacted.value(tokens.accessToken),
                    ...(tokens.refreshToken === null ? {} : { refreshToken: Redacted.value(tokens.refreshToken) })
                  }
                  yield* repo.replaceCredentials(connection.orgId, connection.id, JSON.stringify(next)).pipe(
                    Effect.mapError(failed("saveTokens", "storing the refreshed tokens"))
                  )
                }).pipe(Effect.catch((e: CrmError) =>
                  Effect.logWarning("crm refreshed token not stored").pipe(
                    Effect.annotateLogs({ orgId: connection.orgId, connectionId: connection.id, crm: connection.crmType, reason: e.message })
                  )))
              )
          }
        }
      })
    })
  )
}

const StoredJson = Schema.fromJsonString(Schema.Record(Schema.String, Schema.Unknown))

/** The stored credentials document and its token keys; messages never quote a value. */
const decodeStored = (connection: ConnectionRef, plain: string) =>
  Effect.gen(function*() {
    const json = yield* Schema.decodeUnknownEffect(StoredJson)(plain).pipe(
      Effect.mapError(() =>
        new CrmCredentialsInvalid({
          provider: connection.crmType,
          operation: "loadTokens",
          message: `the stored credentials of connection ${connection.id} are not a JSON object; reconnect the account`
        })
      )
    )
    const text = (key: string) => Option.fromNullishOr(typeof json[key] === "string" ? json[key] : undefined)
    const accessToken = text("accessToken")
    if (Option.isNone(accessToken)) {
      return yield* new CrmCredentialsInvalid({
        provider: connection.crmType,
        operation: "loadTokens",
        message: `the stored credentials of connection ${connection.id} have no accessToken; reconnect the account`
      })
    }
    return { json, accessToken: accessToken.value, refreshToken: Option.getOrUndefined(text("refreshToken")) }
  })
