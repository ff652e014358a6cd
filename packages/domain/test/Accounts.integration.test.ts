/**
 * Organizations, users, API keys, sessions, CRM connections (credentials
 * encrypted at rest) and the operational logs, on both backends.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { AgentStateRepo } from "../src/AgentStateRepo.ts"
import { AnalyticsRepo } from "../src/AnalyticsRepo.ts"
import { ApiKeyRepo } from "../src/ApiKeyRepo.ts"
import { AuditRepo } from "../src/AuditRepo.ts"
import { CrmConnectionRepo } from "../src/CrmConnectionRepo.ts"
import { CrmSyncLogRepo } from "../src/CrmSyncLogRepo.ts"
import type { IanaTimeZone } from "../src/TimeZone.ts"
import { OrganizationRepo } from "../src/OrganizationRepo.ts"
import * as Passwords from "../src/Passwords.ts"
import { type Keyring, Secrets } from "../src/Secrets.ts"
import { SessionRepo } from "../src/SessionRepo.ts"
import * as Tenancy from "../src/Tenancy.ts"
import { UserRepo, type NewUser } from "../src/UserRepo.ts"
import { VoiceServerRepo } from "../src/VoiceServerRepo.ts"
import { backends, layerTimeout } from "./support/backends.ts"

const repos = Layer.mergeAll(
  OrganizationRepo.layer, UserRepo.layer, ApiKeyRepo.layer, SessionRepo.layer, CrmConnectionRepo.layer,
  CrmSyncLogRepo.layer, VoiceServerRepo.layer, AgentStateRepo.layer, AnalyticsRepo.layer, AuditRepo.layer
).pipe(Layer.provide(Secrets.layerTest))

const t0 = new Date("2026-11-25T15:00:00Z")
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

const newOrg = (slug: string) =>
  Effect.flatMap(OrganizationRepo, (orgs) =>
    orgs.create({
      name: slug,
      slug: `${slug}-${Math.random().toString(36).slice(2, 8)}`,
      plan: "starter",
      limits: { maxUsers: 5, maxAiCallsPerMonth: 100, maxConcurrentCalls: 4 },
      settings: { defaultTimeZone: "Europe/Berlin" as IanaTimeZone, defaultRegion: "DE", recordCalls: false }
    }))

const agent = (email: string, passwordHash: string | null = null): NewUser => ({
  teamId: null, email, fullName: "Alan Turing", role: "agent", crmUserId: "hs-owner-7", passwordHash,
  twoFactorEnabled: false, twoFactorSecretEncrypted: null, twoFactorRecoveryHashes: [], isActive: true
})

for (const backend of backends("accounts")) {
  describe.skipIf(backend.skip)(backend.name, () => {
    layer(repos.pipe(Layer.provideMerge(backend.layer())), { timeout: layerTimeout, excludeTestServices: true })("accounts", (it) => {
      it.effect("organizations: created by the system, read by the tenant, settings round-trip through jsonb", () =>
        Effect.gen(function*() {
          const orgs = yield* OrganizationRepo
          const org = yield* newOrg("acme")
          const read = yield* orgs.findById(org.id)
          assert.deepStrictEqual(read.limits, { maxUsers: 5, maxAiCallsPerMonth: 100, maxConcurrentCalls: 4 })
          assert.strictEqual(read.settings.defaultTimeZone, "Europe/Berlin")
          const dup = yield* Effect.flip(orgs.create({ ...read, slug: org.slug }))
          assert.strictEqual(dup._tag, "DuplicateOrganizationSlug")
          const upgraded = yield* orgs.update(org.id, { plan: "enterprise" })
          assert.strictEqual(upgraded.plan, "enterprise")
          assert.strictEqual(Option.getOrThrow(yield* orgs.findBySlug(org.slug)).id, org.id)
          const team = yield* orgs.createTeam(org.id, { name: "Closers", managerId: null })
          assert.deepStrictEqual((yield* orgs.teams(org.id)).map((t) => t.id), [team.id])
        }))

      it.effect("users: unique email per org (case-insensitive), lockout after repeated failures, password verify", () =>
        Effect.gen(function*() {
          const users = yield* UserRepo
          const org = yield* newOrg("people")
          const hash = yield* Passwords.hash("correct horse battery staple", { N: 1024, r: 8, p: 1 })
          const user = yield* users.create(org.id, agent("Alan@Example.com", hash))
          const dup = yield* Effect.flip(users.create(org.id, agent("alan@example.com")))
          assert.strictEqual(dup._tag, "DuplicateUserEmail")
          const found = Option.getOrThrow(yield* users.findByEmail(org.id, "ALAN@example.com"))
          assert.strictEqual(found.id, user.id)
          assert.isTrue(yield* Passwords.verify("correct horse battery staple", found.passwordHash!))
          assert.isFalse(yield* Passwords.verify("Tr0ub4dor&3", found.passwordHash!))

          let current = user
          for (let i = 0; i < 5; i++) current = yield* users.recordFailedLogin(org.id, user.id, at(i))
          assert.strictEqual(current.lockedUntil?.toISOString(), at(4 + 15 * 60).toISOString())
          const unlocked = yield* users.recordLogin(org.id, user.id, at(2000))
          assert.deepStrictEqual([unlocked.failedLoginAttempts, unlocked.lockedUntil], [0, null])
        }))

      it.effect("API keys and sessions: only digests are stored; revoked or expired tokens do not authenticate", () =>
        Effect.gen(function*() {
          const keys = yield* ApiKeyRepo
          const sessions = yield* SessionRepo
          const users = yield* UserRepo
          const sql = yield* SqlClient.SqlClient
          const org = yield* newOrg("tokens")
          const user = yield* users.create(org.id, agent("ada@example.com"))

          const { apiKey, token } = yield* keys.create(org.id, { name: "CI", userId: user.id, scopes: ["calls:read"], expiresAt: at(3600) })
          assert.isTrue(token.startsWith("adk_"))
          const stored = yield* Tenancy.withSystem(sql<{ readonly keyHash: string }>`SELECT key_hash FROM api_keys WHERE id = ${apiKey.id}`)
          assert.notInclude(stored[0]!.keyHash, token)
          assert.strictEqual(Option.getOrThrow(yield* keys.authenticate(token, at(10))).id, apiKey.id)
          assert.isTrue(Option.isNone(yield* keys.authenticate(token, at(3601))), "expired")
          assert.isTrue(Option.isNone(yield* keys.authenticate(`${token}x`, at(10))), "wrong token")
          yield* keys.revoke(org.id, apiKey.id, at(20))
          assert.isTrue(Option.isNone(yield* keys.authenticate(token, at(21))), "revoked")

          const s = yield* sessions.create(org.id, { userId: user.id, now: t0, ttlSeconds: 600, ipAddress: "127.0.0.1", userAgent: null })
          assert.strictEqual(Option.getOrThrow(yield* sessions.authenticate(s.token, at(60))).userId, user.id)
          assert.strictEqual(yield* sessions.revokeAllForUser(org.id, user.id, at(61)), 1)
          assert.isTrue(Option.isNone(yield* sessions.authenticate(s.token, at(62))))
        }))

      it.effect("CRM credentials are stored encrypted, decrypt round-trip, and cannot be moved to another row", () =>
        Effect.gen(function*() {
          const crm = yield* CrmConnectionRepo
          const logs = yield* CrmSyncLogRepo
          const sql = yield* SqlClient.SqlClient
          const org = yield* newOrg("crm")
          const plaintext = JSON.stringify({ accessToken: "pat-na1-SECRET-4242", refreshToken: "refresh-SECRET-77" })
          const conn = yield* crm.create(org.id, {
            crmType: "hubspot", name: "Main portal", externalAccountId: "4242", instanceUrl: null, credentials: plaintext
          })
          const raw = yield* Tenancy.withSystem(sql<{ readonly raw: string }>`
            SELECT encode(convert_to(credentials_encrypted, 'UTF8'), 'escape') AS raw FROM crm_connections WHERE id = ${conn.id}`)
          assert.notInclude(raw[0]!.raw, "SECRET")
          assert.notInclude(raw[0]!.raw, "accessToken")
          assert.strictEqual(conn.credentialsKeyId, "test")
          assert.strictEqual(yield* crm.credentials(org.id, conn.id), plaintext)

          const second = yield* crm.create(org.id, {
            crmType: "salesforce", name: "SF", externalAccountId: null, instanceUrl: "https://x.my.salesforce.com", credentials: "{}"
          })
          // Copy the first connection's ciphertext onto the second row: AAD binds it to its own row.
          yield* Tenancy.withTenant(org.id)(sql`
            UPDATE crm_connections SET credentials_encrypted = ${conn.credentialsEncrypted} WHERE id = ${second.id}`)
          const moved = yield* Effect.flip(crm.credentials(org.id, second.id))
          assert.strictEqual(moved._tag, "DecryptionFailed")

          const advanced = yield* crm.advanceCursor(org.id, conn.id, "contact", "2026-11-25T14:00:00Z", t0)
          assert.deepStrictEqual(advanced.syncCursors, { contact: "2026-11-25T14:00:00Z" })

          yield* logs.append(org.id, {
            connectionId: conn.id, objectType: "contact", objectId: "hs-1", localId: null, action: "pull",
            status: "failed", message: "HubSpot 429: rate limited", details: { retryAfter: 10 }
          })
          const failed = yield* logs.list(org.id, {}, { status: "failed" })
          assert.strictEqual(failed.items[0]!.message, "HubSpot 429: rate limited")
          yield* crm.remove(org.id, conn.id)
          const kept = yield* logs.list(org.id, {})
          assert.strictEqual(kept.items[0]!.connectionId, null, "sync logs outlive their connection")
        }))

      it.effect("key rotation: connections sealed with a retired key are found and re-encrypted", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* newOrg("rotation")
          const oldKey = { id: "old", material: Redacted.make(new Uint8Array(32).fill(1)) }
          const newKey = { id: "new", material: Redacted.make(new Uint8Array(32).fill(2)) }
          // `fresh`: the suite's layer already built CrmConnectionRepo with the test key, and layers are memoized.
          const withKeys = (ring: Keyring) =>
            Effect.provide(Layer.provide(Layer.fresh(CrmConnectionRepo.layer), Layer.merge(Secrets.layer(ring), Layer.succeed(SqlClient.SqlClient, sql))))
          const conn = yield* CrmConnectionRepo.use((crm) => crm.create(org.id, {
            crmType: "zoho", name: "EU", externalAccountId: null, instanceUrl: "https://www.zohoapis.eu", credentials: "zoho-secret"
          })).pipe(withKeys({ current: oldKey, previous: [] }))
          assert.strictEqual(conn.credentialsKeyId, "old")

          const rotated = yield* Effect.gen(function*() {
            const crm = yield* CrmConnectionRepo
            const stale = yield* crm.needingRotation
            assert.isTrue(stale.some((s) => s.id === conn.id && s.orgId === org.id))
            assert.isTrue(yield* crm.rotate(org.id, conn.id))
            assert.isFalse(yield* crm.rotate(org.id, conn.id), "already current")
            return { after: yield* crm.findById(org.id, conn.id), plain: yield* crm.credentials(org.id, conn.id) }
          }).pipe(withKeys({ current: newKey, previous: [oldKey] }))
          assert.deepStrictEqual([rotated.after.credentialsKeyId, rotated.plain], ["new", "zoho-secret"])
          const withoutOld = yield* Effect.flip(
            CrmConnectionRepo.use((crm) => crm.credentials(org.id, conn.id)).pipe(withKeys({ current: oldKey, previous: [] }))
          )
          assert.strictEqual(withoutOld._tag, "DecryptionFailed")
        }))

      it.effect("voice servers, agent states, analytics upserts and the audit log", () =>
        Effect.gen(function*() {
          const voice = yield* VoiceServerRepo
          const agents = yield* AgentStateRepo
          const analytics = yield* AnalyticsRepo
          const audit = yield* AuditRepo
          const users = yield* UserRepo
          const org = yield* newOrg("ops")

          const slow = yield* voice.create(org.id, { name: "b", url: "wss://b.example/ws", status: "active", priority: 20, maxConcurrentCalls: null })
          const fast = yield* voice.create(org.id, { name: "a", url: "wss://a.example/ws", status: "unverified", priority: 10, maxConcurrentCalls: 50 })
          assert.strictEqual(Option.getOrThrow(yield* voice.pick(org.id)).id, slow.id, "only active servers are picked")
          yield* voice.recordCheck(org.id, fast.id, "active", t0)
          const picked = Option.getOrThrow(yield* voice.pick(org.id))
          assert.deepStrictEqual([picked.id, picked.lastVerifiedAt?.toISOString()], [fast.id, t0.toISOString()])

          const ada = yield* users.create(org.id, agent("ada@ops.example"))
          const bob = yield* users.create(org.id, agent("bob@ops.example"))
          const state = (agentId: typeof ada.id, s: "available" | "on_call" | "wrap_up", sec: number) =>
            agents.record(org.id, { agentId, campaignId: null, callId: null, state: s, reason: null, changedAt: at(sec) })
          yield* state(ada.id, "available", 0)
          yield* state(ada.id, "on_call", 10)
          yield* state(bob.id, "available", 5)
          yield* state(ada.id, "wrap_up", 70)
          const now = yield* agents.current(org.id)
          assert.deepStrictEqual(
            Object.fromEntries(now.map((s) => [s.agentId, s.state])),
            { [ada.id]: "wrap_up", [bob.id]: "available" }
          )

          const day = { day: "2026-11-25", callsMade: 10, callsConnected: 4, avgDurationSeconds: 61.5, connectionRate: 0.4, talkMinutes: 4.1, aiCalls: 0 }
          yield* analytics.upsertOrgDaily(org.id, day)
          yield* analytics.upsertOrgDaily(org.id, { ...day, callsMade: 12, connectionRate: 0.5 })
          const range = yield* analytics.orgDaily(org.id, "2026-11-01", "2026-11-30")
          assert.deepStrictEqual(range.map((d) => [d.day, d.callsMade, d.connectionRate]), [["2026-11-25", 12, 0.5]])

          yield* audit.record(org.id, {
            actorUserId: ada.id, actorApiKeyId: null, action: "campaign.start", entityType: "campaign", entityId: "c1",
            changes: { status: ["draft", "running"] }, ipAddress: null
          })
          const entries = yield* audit.list(org.id, {}, { type: "campaign", id: "c1" })
          assert.deepStrictEqual(entries.items.map((e) => e.action), ["campaign.start"])
        }))
    })
  })
}
