/**
 * API keys. The key itself is returned once, at creation; only its SHA-256
 * digest is stored, so the table cannot be replayed if it leaks. A presented
 * key is resolved through the system path, because its organization is what
 * we are trying to learn.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Ids from "./Ids.ts"
import type { ApiKeyId, OrganizationId, UserId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import * as Passwords from "./Passwords.ts"
import { withSystem } from "./Tenancy.ts"
import { ApiKey, isApiKeyUsable } from "./User.ts"

export class ApiKeyNotFound extends Schema.TaggedError<ApiKeyNotFound>()("ApiKeyNotFound", {
  apiKeyId: Schema.String
}) {
  override get message() {
    return `API key ${this.apiKeyId} does not exist in this organization`
  }
}

export interface NewApiKey {
  readonly name: string
  readonly userId: UserId | null
  readonly scopes: ReadonlyArray<string>
  readonly expiresAt: Date | null
}

/** Keys look like `adk_<43 base64url chars>`; the prefix helps secret scanners and people. */
export const keyPrefix = "adk"

export class ApiKeyRepo extends Context.Service<ApiKeyRepo, {
  /** Creates a key; `token` is the secret to hand to the user and is not stored. */
  readonly create: (
    orgId: OrganizationId,
    input: NewApiKey
  ) => Effect.Effect<{ readonly apiKey: ApiKey; readonly token: string }, SqlError>
  /** The usable key for a presented token at `now` (records the use), or none. */
  readonly authenticate: (token: string, now: Date) => Effect.Effect<Option.Option<ApiKey>, SqlError>
  readonly revoke: (orgId: OrganizationId, id: ApiKeyId, now: Date) => Effect.Effect<ApiKey, ApiKeyNotFound | SqlError>
  readonly list: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<ApiKey>, SqlError>
}>()("@autodialer/domain/ApiKeyRepo") {
  static readonly layer = Layer.effect(
    ApiKeyRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(ApiKey, "api_keys")

      const create: ApiKeyRepo["Service"]["create"] = (orgId, input) =>
        Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.ApiKeyId)
          const token = yield* Passwords.generateToken(keyPrefix)
          const apiKey = yield* rows.insert(orgId, ApiKey.insert.make({
            id,
            orgId,
            userId: input.userId,
            name: input.name,
            prefix: token.slice(0, keyPrefix.length + 9),
            keyHash: Passwords.tokenDigest(token),
            scopes: input.scopes,
            expiresAt: input.expiresAt,
            revokedAt: null,
            lastUsedAt: null
          }))
          return { apiKey, token }
        })

      const authenticate: ApiKeyRepo["Service"]["authenticate"] = (token, now) =>
        withSystem(Effect.gen(function*() {
          const found = yield* rows.decode(yield* sql`
            UPDATE api_keys SET last_used_at = ${now}
            WHERE key_hash = ${Passwords.tokenDigest(token)}
              AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})
            RETURNING *`)
          return Option.filter(Option.fromNullishOr(found[0]), (k) => isApiKeyUsable(k, now))
        })).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const revoke: ApiKeyRepo["Service"]["revoke"] = (orgId, id, now) =>
        Effect.flatMap(
          rows.modify(orgId, id, (current) => ApiKey.update.make({ ...current, revokedAt: current.revokedAt ?? now })),
          Option.match({ onNone: () => Effect.fail(new ApiKeyNotFound({ apiKeyId: id })), onSome: Effect.succeed })
        )

      const list: ApiKeyRepo["Service"]["list"] = (orgId) => rows.findWhere(orgId, sql`true`)

      return ApiKeyRepo.of({ create, authenticate, revoke, list })
    })
  )
}
