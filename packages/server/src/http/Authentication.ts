/**
 * The bearer-token middleware and the password login behind it.
 *
 * A token is looked up by its SHA-256 digest (tokens are 256-bit random, so
 * a digest with a unique index is safe and makes the lookup one index probe).
 * The lookup runs as the system role because the organization is not known
 * until the token is found; everything after it runs as the tenant.
 * Passwords are verified with the domain's scrypt `Passwords` module, in the
 * same time whether or not the user exists.
 */
import { Clock, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { Ids, Tenancy } from "@autodialer/domain"
import * as Passwords from "@autodialer/domain/Passwords"
import { Unauthorized } from "../api/Errors.ts"
import { Authentication, CurrentPrincipal, type Principal, type Role } from "../api/Security.ts"

export const apiKeyPrefix = "adk"
export const sessionPrefix = "ads"
export const sessionTtlMs = 12 * 3600_000

interface TokenRow {
  readonly orgId: string
  readonly userId: string | null
  readonly role: Role | null
  readonly apiKeyId: string | null
  readonly isActive: boolean | null
}

/** Resolves a bearer token to the principal it stands for, or fails with 401. */
export const resolveToken = (token: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const digest = Passwords.tokenDigest(token)
    const now = new Date(yield* Clock.currentTimeMillis)
    const rows = yield* Tenancy.withSystem(
      token.startsWith(`${sessionPrefix}_`)
        ? sql<TokenRow>`
          SELECT s.org_id, s.user_id, u.role, NULL::uuid AS api_key_id, u.is_active
          FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = ${digest} AND s.revoked_at IS NULL AND s.expires_at > ${now}`
        : Effect.gen(function*() {
          const found = yield* sql<TokenRow>`
            SELECT k.org_id, k.user_id, u.role, k.id AS api_key_id, u.is_active
            FROM api_keys k LEFT JOIN users u ON u.id = k.user_id
            WHERE k.key_hash = ${digest} AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ${now})`
          // At most one write a minute per key: a busy integration should not turn every read into a write.
          if (found[0]?.apiKeyId) {
            yield* sql`UPDATE api_keys SET last_used_at = ${now}
              WHERE id = ${found[0].apiKeyId} AND (last_used_at IS NULL OR last_used_at < ${new Date(now.getTime() - 60_000)})`
          }
          return found
        })
    ).pipe(Effect.orDie)
    const row = rows[0]
    if (row === undefined || row.userId === null || row.role === null) {
      return yield* new Unauthorized({ message: "the bearer token is unknown, revoked or expired; create an API key or log in again at POST /auth/login" })
    }
    if (row.isActive === false) {
      return yield* new Unauthorized({ message: "this user is deactivated; ask an admin of your organization to reactivate it" })
    }
    const principal: Principal = { orgId: row.orgId, userId: row.userId, role: row.role, apiKeyId: row.apiKeyId }
    return principal
  })

export const layer = Layer.effect(
  Authentication,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return Authentication.of({
      bearer: (httpEffect, { credential }) =>
        Effect.flatMap(
          resolveToken(Redacted.value(credential)).pipe(Effect.provideService(SqlClient.SqlClient, sql)),
          (principal) => Effect.provideService(httpEffect, CurrentPrincipal, principal)
        )
    })
  })
)

// A fixed hash verified when the user does not exist, so timing does not reveal which emails are registered.
let dummyHash: string | undefined

/** Verifies organization slug + email + password and opens a session. */
export const login = (input: { readonly organization: string; readonly email: string; readonly password: string }) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const refused = new Unauthorized({ message: "organization, email or password is wrong" })
    const rows = yield* Tenancy.withSystem(sql<{
      readonly id: string
      readonly orgId: string
      readonly passwordHash: string | null
      readonly isActive: boolean
      readonly lockedUntil: Date | null
    }>`
      SELECT u.id, u.org_id, u.password_hash, u.is_active, u.locked_until
      FROM users u JOIN organizations o ON o.id = u.org_id
      WHERE o.slug = ${input.organization.toLowerCase()} AND lower(u.email) = ${input.email.toLowerCase()}`).pipe(Effect.orDie)
    const user = rows[0]
    dummyHash ??= yield* Passwords.hash("not-a-password", { N: 2 ** 14, r: 8, p: 1 })
    const ok = yield* Passwords.verify(input.password, user?.passwordHash ?? dummyHash).pipe(Effect.orElseSucceed(() => false))
    const now = yield* Clock.currentTimeMillis
    if (user === undefined || user.passwordHash === null || !user.isActive) return yield* refused
    if (user.lockedUntil !== null && new Date(user.lockedUntil).getTime() > now) {
      return yield* new Unauthorized({ message: `too many failed logins; try again after ${new Date(user.lockedUntil).toISOString()}` })
    }
    if (!ok) {
      yield* Tenancy.withSystem(sql`
        UPDATE users SET failed_login_attempts = failed_login_attempts + 1,
          locked_until = CASE WHEN failed_login_attempts + 1 >= 10 THEN ${new Date(now + 15 * 60_000)} ELSE locked_until END
        WHERE id = ${user.id}`).pipe(Effect.orDie)
      return yield* refused
    }
    const token = yield* Passwords.generateToken(sessionPrefix)
    const expiresAt = new Date(now + sessionTtlMs)
    const sessionId = yield* Ids.generate(Ids.SessionId)
    yield* Tenancy.withSystem(Effect.gen(function*() {
      yield* sql`INSERT INTO sessions ${sql.insert({ id: sessionId, orgId: user.orgId, userId: user.id, tokenHash: Passwords.tokenDigest(token), expiresAt })}`
      yield* sql`UPDATE users SET failed_login_attempts = 0, locked_until = NULL, last_login_at = ${new Date(now)} WHERE id = ${user.id}`
    })).pipe(Effect.orDie)
    return { token, expiresAt: expiresAt.toISOString(), orgId: user.orgId, userId: user.id }
  })
