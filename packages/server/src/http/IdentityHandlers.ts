/**
 * Handlers of the identity side: system probes, login, the organization,
 * users, teams and API keys. Managing the organization, its users and keys
 * is for admins; managers may create teams; everyone may read.
 */
import { Clock, Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import * as Passwords from "@autodialer/domain/Passwords"
import * as Page from "@autodialer/domain/Page"
import { Api } from "../api/Api.ts"
import { InvalidRequest, NotFound, Unauthorized, Unavailable } from "../api/Errors.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { inOrg, iso, isoOrNull, requireRole } from "./Access.ts"
import { apiKeyPrefix, login } from "./Authentication.ts"

export interface UserRow {
  readonly id: string; readonly email: string; readonly fullName: string; readonly role: "admin" | "manager" | "agent"
  readonly teamId: string | null; readonly isActive: boolean; readonly createdAt: Date
}
export const userView = (r: UserRow) => ({
  id: r.id, email: r.email, fullName: r.fullName, role: r.role, teamId: r.teamId, isActive: r.isActive, createdAt: iso(r.createdAt)
})
interface OrgRow { readonly id: string; readonly name: string; readonly slug: string; readonly plan: string; readonly settings: unknown; readonly createdAt: Date }
const orgView = (r: OrgRow) => {
  const settings = (typeof r.settings === "string" ? JSON.parse(r.settings) : r.settings) as Record<string, unknown>
  return {
    id: r.id, name: r.name, slug: r.slug, plan: r.plan,
    defaultTimeZone: String(settings["defaultTimeZone"] ?? "America/New_York"),
    defaultRegion: String(settings["defaultRegion"] ?? "US"),
    createdAt: iso(r.createdAt)
  }
}
interface KeyRow {
  readonly id: string; readonly name: string; readonly prefix: string; readonly userId: string | null
  readonly createdAt: Date; readonly lastUsedAt: Date | null; readonly revokedAt: Date | null
}
const keyView = (r: KeyRow) => ({
  id: r.id, name: r.name, prefix: r.prefix, userId: r.userId, createdAt: iso(r.createdAt),
  lastUsedAt: isoOrNull(r.lastUsedAt), revokedAt: isoOrNull(r.revokedAt)
})

const notFound = (resource: string, id: string) =>
  new NotFound({ resource, id, message: `${resource} ${id} does not exist in your organization` })

export const SystemHandlers = HttpApiBuilder.group(Api, "system", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const probe = sql`SELECT 1 AS ok`.pipe(Effect.timeout("2 seconds"), Effect.as("ok"), Effect.orElseSucceed(() => "unreachable"))
  return handlers.handleAll({
    healthz: () => Effect.succeed({ status: "ok" as const, checks: { process: "ok" } }),
    readyz: () =>
      Effect.flatMap(probe, (database) =>
        database === "ok"
          ? Effect.succeed({ status: "ok" as const, checks: { database } })
          : Effect.fail(new Unavailable({ message: "the database does not answer; check DATABASE_URL and that Postgres is up" })))
  })
}))

const selectUser = (sql: SqlClient.SqlClient, id: string) =>
  sql<UserRow>`SELECT id, email, full_name, role, team_id, is_active, created_at FROM users WHERE id = ${id}`

export const AuthHandlers = HttpApiBuilder.group(Api, "auth", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  return handlers.handleAll({
    login: ({ payload }) =>
      Effect.gen(function*() {
        const session = yield* login(payload)
        const rows = yield* Tenancy.withTenant(session.orgId as never)(selectUser(sql, session.userId)).pipe(Effect.orDie)
        return { token: session.token, expiresAt: session.expiresAt, user: userView(rows[0]!) }
      }).pipe(Effect.provideService(SqlClient.SqlClient, sql)),
    logout: () =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        if (p.apiKeyId !== null) {
          return yield* new InvalidRequest({ message: "API keys do not log out; revoke the key with DELETE /api-keys/{id} instead" })
        }
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* inOrg(sql`UPDATE sessions SET revoked_at = ${now} WHERE user_id = ${p.userId} AND revoked_at IS NULL`)
      }),
    me: () =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const [user, org] = yield* inOrg(Effect.all([selectUser(sql, p.userId), sql<OrgRow>`SELECT * FROM organizations WHERE id = ${p.orgId}`]))
        if (user[0] === undefined || org[0] === undefined) return yield* new Unauthorized({ message: "the user of this token no longer exists" })
        return { user: userView(user[0]), organization: orgView(org[0]), via: p.apiKeyId === null ? "session" as const : "apiKey" as const }
      }).pipe(Effect.catchTag("Unauthorized", (e) => Effect.die(e)))
  })
}))

export const OrganizationHandlers = HttpApiBuilder.group(Api, "organization", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const current = Effect.flatMap(CurrentPrincipal, (p) =>
    inOrg(sql<OrgRow>`SELECT * FROM organizations WHERE id = ${p.orgId}`).pipe(Effect.map((rows) => orgView(rows[0]!))))
  return handlers.handleAll({
    get: () => current,
    update: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("admin", "changing the organization")
        yield* inOrg(Effect.gen(function*() {
          if (payload.name !== undefined) yield* sql`UPDATE organizations SET name = ${payload.name} WHERE id = ${p.orgId}`
          const patch: Record<string, string> = {}
          if (payload.defaultTimeZone !== undefined) patch["defaultTimeZone"] = payload.defaultTimeZone
          if (payload.defaultRegion !== undefined) patch["defaultRegion"] = payload.defaultRegion
          if (Object.keys(patch).length > 0) {
            yield* sql`UPDATE organizations SET settings = settings || ${JSON.stringify(patch)}::jsonb WHERE id = ${p.orgId}`
          }
        }))
        return yield* current
      })
  })
}))

export const UsersHandlers = HttpApiBuilder.group(Api, "users", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const get = (id: string) =>
    inOrg(selectUser(sql, id)).pipe(Effect.flatMap((rows) => rows[0] ? Effect.succeed(userView(rows[0])) : Effect.fail(notFound("user", id))))
  return handlers.handleAll({
    list: ({ query }) =>
      Effect.gen(function*() {
        const after = yield* Page.decodeCursor(query.cursor).pipe(
          Effect.mapError((e) => new InvalidRequest({ message: e.message, field: "cursor" }))
        )
        const limit = query.limit ?? Page.defaultLimit
        const rows = yield* inOrg(sql<UserRow>`
          SELECT id, email, full_name, role, team_id, is_active, created_at FROM users
          WHERE ${after === undefined ? sql`true` : sql`id < ${after}`} ORDER BY id DESC LIMIT ${limit + 1}`)
        const page = Page.fromRows(rows, limit)
        return { items: page.items.map(userView), nextCursor: page.nextCursor }
      }),
    get: ({ params }) => get(params.id),
    create: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("admin", "adding users")
        const id = yield* UuidV7.generate
        const passwordHash = payload.password === undefined ? null : yield* Passwords.hash(payload.password)
        yield* inOrg(sql`INSERT INTO users ${sql.insert({
          id, orgId: p.orgId, email: payload.email, fullName: payload.fullName, role: payload.role,
          teamId: payload.teamId ?? null, passwordHash
        })}`)
        return yield* get(id)
      }),
    update: ({ params, payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("admin", "changing users")
        yield* get(params.id)
        if (params.id === p.userId && (payload.role !== undefined && payload.role !== "admin" || payload.isActive === false)) {
          return yield* new InvalidRequest({ message: "you cannot demote or deactivate yourself; ask another admin", field: "role" })
        }
        const patch: Record<string, unknown> = {}
        if (payload.fullName !== undefined) patch["fullName"] = payload.fullName
        if (payload.role !== undefined) patch["role"] = payload.role
        if (payload.teamId !== undefined) patch["teamId"] = payload.teamId
        if (payload.isActive !== undefined) patch["isActive"] = payload.isActive
        if (Object.keys(patch).length > 0) yield* inOrg(sql`UPDATE users SET ${sql.update(patch)} WHERE id = ${params.id}`)
        return yield* get(params.id)
      })
  })
}))

export const TeamsHandlers = HttpApiBuilder.group(Api, "teams", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  interface TeamRow { readonly id: string; readonly name: string; readonly managerId: string | null; readonly createdAt: Date }
  const view = (r: TeamRow) => ({ id: r.id, name: r.name, managerId: r.managerId, createdAt: iso(r.createdAt) })
  return handlers.handleAll({
    list: () => inOrg(sql<TeamRow>`SELECT id, name, manager_id, created_at FROM teams ORDER BY name`).pipe(Effect.map((rows) => rows.map(view))),
    create: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("manager", "creating teams")
        const id = yield* UuidV7.generate
        const rows = yield* inOrg(sql<TeamRow>`INSERT INTO teams ${sql.insert({ id, orgId: p.orgId, name: payload.name, managerId: payload.managerId ?? null })}
          RETURNING id, name, manager_id, created_at`)
        return view(rows[0]!)
      })
  })
}))

export const ApiKeysHandlers = HttpApiBuilder.group(Api, "apiKeys", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  return handlers.handleAll({
    list: () =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        // Admins see every key; others only their own.
        const rows = yield* inOrg(sql<KeyRow>`SELECT id, name, prefix, user_id, created_at, last_used_at, revoked_at FROM api_keys
          WHERE ${p.role === "admin" ? sql`true` : sql`user_id = ${p.userId}`} ORDER BY id DESC`)
        return rows.map(keyView)
      }),
    create: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const userId = payload.userId ?? p.userId
        if (userId !== p.userId) yield* requireRole("admin", "creating keys for other users")
        const users = yield* inOrg(sql`SELECT id FROM users WHERE id = ${userId}`)
        if (users.length === 0) return yield* notFound("user", userId)
        const secret = yield* Passwords.generateToken(apiKeyPrefix)
        const id = yield* UuidV7.generate
        const rows = yield* inOrg(sql<KeyRow>`INSERT INTO api_keys ${sql.insert({
          id, orgId: p.orgId, userId, name: payload.name, prefix: secret.slice(0, 12), keyHash: Passwords.tokenDigest(secret)
        })} RETURNING id, name, prefix, user_id, created_at, last_used_at, revoked_at`)
        return { apiKey: keyView(rows[0]!), secret }
      }),
    revoke: ({ params }) =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const now = new Date(yield* Clock.currentTimeMillis)
        const rows = yield* inOrg(sql`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ${now})
          WHERE id = ${params.id} AND ${p.role === "admin" ? sql`true` : sql`user_id = ${p.userId}`} RETURNING id`)
        if (rows.length === 0) return yield* notFound("api key", params.id)
      })
  })
}))

export const layer = Layer.mergeAll(SystemHandlers, AuthHandlers, OrganizationHandlers, UsersHandlers, TeamsHandlers, ApiKeysHandlers)
