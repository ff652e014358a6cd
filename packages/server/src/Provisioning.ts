/**
 * Creating an organization with its first admin and API key: what the CLI
 * (`autodialer org create`), the embedded demo seed and the tests use. It is
 * not an HTTP endpoint on purpose: a self-hosted server has no public sign-up.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import * as Passwords from "@autodialer/domain/Passwords"
import type { Role } from "./api/Security.ts"
import { apiKeyPrefix } from "./http/Authentication.ts"

export interface NewOrganization {
  readonly name: string
  readonly slug: string
  readonly defaultTimeZone?: string
  readonly defaultRegion?: string
  readonly admin: { readonly email: string; readonly fullName: string; readonly password?: string }
}

export interface Provisioned {
  readonly orgId: string
  readonly adminId: string
  /** The admin's API key secret (shown once). */
  readonly apiKey: string
}

export const createOrganization = (input: NewOrganization) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const orgId = yield* UuidV7.generate
    yield* Tenancy.withSystem(sql`INSERT INTO organizations ${sql.insert({
      id: orgId, name: input.name, slug: input.slug, plan: "free",
      limits: JSON.stringify({ maxUsers: 100, maxAiCallsPerMonth: 10_000, maxConcurrentCalls: 100 }),
      settings: JSON.stringify({ defaultTimeZone: input.defaultTimeZone ?? "America/New_York", defaultRegion: input.defaultRegion ?? "US", recordCalls: false })
    })}`)
    const admin = yield* addUser(orgId, { ...input.admin, role: "admin" })
    return { orgId, adminId: admin.userId, apiKey: admin.apiKey } satisfies Provisioned
  })

/** Adds a user with an API key to an organization. */
export const addUser = (
  orgId: string,
  user: { readonly email: string; readonly fullName: string; readonly role: Role; readonly password?: string; readonly teamId?: string }
) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const userId = yield* UuidV7.generate
    const passwordHash = user.password === undefined ? null : yield* Passwords.hash(user.password)
    const apiKey = yield* Passwords.generateToken(apiKeyPrefix)
    yield* Tenancy.withTenant(orgId as OrganizationId)(Effect.gen(function*() {
      yield* sql`INSERT INTO users ${sql.insert({
        id: userId, orgId, email: user.email, fullName: user.fullName, role: user.role, passwordHash, teamId: user.teamId ?? null
      })}`
      yield* sql`INSERT INTO api_keys ${sql.insert({
        id: yield* UuidV7.generate, orgId, userId, name: `${user.fullName} (initial key)`, prefix: apiKey.slice(0, 12),
        keyHash: Passwords.tokenDigest(apiKey)
      })}`
    }))
    return { userId, apiKey }
  })
