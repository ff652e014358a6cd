/**
 * Login sessions with opaque bearer tokens: created at login, resolved on
 * each request (system path: the token is what identifies the tenant),
 * revoked at logout or for all of a user's sessions (password change).
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Ids from "./Ids.ts"
import type { OrganizationId, SessionId, UserId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import * as Passwords from "./Passwords.ts"
import { withSystem, withTenant } from "./Tenancy.ts"
import { isSessionActive, Session } from "./User.ts"

export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  sessionId: Schema.String
}) {
  override get message() {
    return `session ${this.sessionId} does not exist in this organization`
  }
}

export interface NewSession {
  readonly userId: UserId
  readonly now: Date
  readonly ttlSeconds: number
  readonly ipAddress: string | null
  readonly userAgent: string | null
}

export class SessionRepo extends Context.Service<SessionRepo, {
  readonly create: (
    orgId: OrganizationId,
    input: NewSession
  ) => Effect.Effect<{ readonly session: Session; readonly token: string }, SqlError>
  /** The active session for a presented token at `now` (records the use), or none. */
  readonly authenticate: (token: string, now: Date) => Effect.Effect<Option.Option<Session>, SqlError>
  readonly revoke: (orgId: OrganizationId, id: SessionId, now: Date) => Effect.Effect<void, SessionNotFound | SqlError>
  /** Revokes every active session of a user; returns how many. */
  readonly revokeAllForUser: (orgId: OrganizationId, userId: UserId, now: Date) => Effect.Effect<number, SqlError>
}>()("@autodialer/domain/SessionRepo") {
  static readonly layer = Layer.effect(
    SessionRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(Session, "sessions")
      const provide = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        Effect.provideService(effect, SqlClient.SqlClient, sql)

      const create: SessionRepo["Service"]["create"] = (orgId, input) =>
        Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.SessionId)
          const token = yield* Passwords.generateToken("ads")
          const session = yield* rows.insert(orgId, Session.insert.make({
            id,
            orgId,
            userId: input.userId,
            tokenHash: Passwords.tokenDigest(token),
            ipAddress: input.ipAddress,
            userAgent: input.userAgent,
            expiresAt: new Date(input.now.getTime() + input.ttlSeconds * 1000),
            revokedAt: null,
            lastSeenAt: input.now
          }))
          return { session, token }
        })

      const authenticate: SessionRepo["Service"]["authenticate"] = (token, now) =>
        provide(withSystem(Effect.gen(function*() {
          const found = yield* rows.decode(yield* sql`
            UPDATE sessions SET last_seen_at = ${now}
            WHERE token_hash = ${Passwords.tokenDigest(token)} AND revoked_at IS NULL AND expires_at > ${now}
            RETURNING *`)
          return Option.filter(Option.fromNullishOr(found[0]), (s) => isSessionActive(s, now))
        })))

      const revoke: SessionRepo["Service"]["revoke"] = (orgId, id, now) =>
        provide(withTenant(orgId)(Effect.gen(function*() {
          const r = yield* sql`UPDATE sessions SET revoked_at = COALESCE(revoked_at, ${now}) WHERE id = ${id} RETURNING id`
          if (r.length === 0) return yield* new SessionNotFound({ sessionId: id })
        })))

      const revokeAllForUser: SessionRepo["Service"]["revokeAllForUser"] = (orgId, userId, now) =>
        provide(withTenant(orgId)(Effect.map(
          sql`UPDATE sessions SET revoked_at = ${now} WHERE user_id = ${userId} AND revoked_at IS NULL RETURNING id`,
          (r) => r.length
        )))

      return SessionRepo.of({ create, authenticate, revoke, revokeAllForUser })
    })
  )
}
