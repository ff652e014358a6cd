/**
 * The migrated schema on both backends: migrations are idempotent, row-level
 * security isolates tenants even for queries with no org filter, foreign keys
 * cannot cross tenants, and deletes cascade (or keep history) as documented
 * in docs/data-model.md.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Ids from "../src/Ids.ts"
import * as Schema from "../src/internal/schemaSql.ts"
import * as Migrations from "../src/Migrations.ts"
import * as Tenancy from "../src/Tenancy.ts"
import { backends, layerTimeout } from "./support/backends.ts"
import * as F from "./support/fixtures.ts"

const count = (table: string, where = "true") =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM ${sql(table)} WHERE ${sql.unsafe(where)}`
    return rows[0]!.n
  })

/** The classified reason of a failed statement and the database's own message. */
const failure = <A, R>(effect: Effect.Effect<A, SqlError, R>) =>
  Effect.map(Effect.flip(effect), (error) => {
    const reason = error.reason
    const cause = reason.cause as { readonly message?: string } | undefined
    return {
      tag: reason._tag,
      constraint: reason._tag === "UniqueViolation" ? reason.constraint : undefined,
      message: cause?.message ?? error.message
    }
  })

for (const backend of backends("schema")) {
  describe.skipIf(backend.skip)(backend.name, () => {
    layer(backend.layer(), { timeout: layerTimeout, excludeTestServices: true })("schema", (it) => {
      it.effect("applying the migrations again is a no-op, and role creation tolerates existing roles", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const again = yield* Migrations.migrate
          assert.deepStrictEqual(again, [])
          // Roles are cluster-wide: another database's migration already made them.
          for (const statement of Schema.rolesAndFunctions) yield* sql.unsafe(statement)
          const applied = yield* sql<{ readonly id: number }>`SELECT migration_id AS id FROM effect_sql_migrations ORDER BY 1`
          assert.deepStrictEqual(applied.map((r) => r.id), [1, 2, 3, 4, 5, 6, 7, 8])
          const rls = yield* sql<{ readonly relname: string }>`
            SELECT relname FROM pg_class
            WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
              AND relrowsecurity AND relforcerowsecurity`
          const secured = new Set(rls.map((r) => r.relname))
          for (const table of [...Schema.tenantTables, ...Migrations.sessionTenantTables, "organizations", "dnc_entries"]) {
            assert.isTrue(secured.has(table), `${table} has RLS enabled and forced`)
          }
        }))

      it.effect("a tenant reads, updates and deletes only its own rows, even without an org filter", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const a = yield* F.organization("tenant-a")
          const b = yield* F.organization("tenant-b")
          const contactA = yield* F.contact(a, "+14155550101")
          const contactB = yield* F.contact(b, "+14155550102")

          const seen = yield* Tenancy.withTenant(a)(sql<{ readonly id: string }>`SELECT id FROM contacts`)
          assert.deepStrictEqual(seen.map((r) => r.id), [contactA])

          const orgs = yield* Tenancy.withTenant(a)(sql<{ readonly id: string }>`SELECT id FROM organizations`)
          assert.deepStrictEqual(orgs.map((r) => r.id), [a])

          const updated = yield* Tenancy.withTenant(a)(
            sql<{ readonly id: string }>`UPDATE contacts SET first_name = 'Mallory' RETURNING id`
          )
          assert.deepStrictEqual(updated.map((r) => r.id), [contactA])

          const deleted = yield* Tenancy.withTenant(a)(sql<{ readonly id: string }>`DELETE FROM contacts RETURNING id`)
          assert.deepStrictEqual(deleted.map((r) => r.id), [contactA])

          const bRow = yield* Tenancy.withSystem(
            sql<{ readonly firstName: string }>`SELECT first_name FROM contacts WHERE id = ${contactB}`
          )
          assert.deepStrictEqual(bRow.map((r) => r.firstName), ["Ada"], "tenant B's contact is untouched")
        }))

      it.effect("a tenant cannot write rows for another tenant or point at another tenant's rows", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const a = yield* F.organization("writer-a")
          const b = yield* F.organization("writer-b")
          const contactB = yield* F.contact(b, "+14155550103")
          const campaignA = yield* F.campaign(a)

          const forged = yield* failure(Tenancy.withTenant(a)(
            sql`INSERT INTO contacts ${sql.insert({ id: F.newId(Ids.ContactId), orgId: b, phone: "+14155550104" })}`
          ))
          assert.strictEqual(forged.tag, "AuthorizationError", "insert with another org's id is rejected by the policy")
          assert.include(forged.message, "row-level security")

          // The FK check itself bypasses RLS; the composite (org_id, contact_id) key is what stops this.
          const crossRef = yield* failure(Tenancy.withTenant(a)(
            sql`INSERT INTO campaign_contacts ${sql.insert({ id: F.newId(Ids.CampaignContactId), orgId: a, campaignId: campaignA, contactId: contactB })}`
          ))
          assert.strictEqual(crossRef.tag, "ConstraintError", "queue row pointing at tenant B's contact is rejected")
          assert.include(crossRef.message, "foreign key")

          const bookkeeping = yield* failure(Tenancy.withTenant(a)(sql`SELECT * FROM effect_sql_migrations`))
          assert.strictEqual(bookkeeping.tag, "AuthorizationError", "the app role cannot touch the migrations table")

          const noTenant = yield* sql.withTransaction(Effect.gen(function*() {
            yield* sql.unsafe(`SET LOCAL ROLE ${Tenancy.appRole}`)
            return yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM contacts`
          }))
          assert.strictEqual(noTenant[0]!.n, 0, "the app role without app.org_id sees nothing")
        }))

      it.effect("deleting a contact cascades to its queue rows and notes; calls keep their history", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* F.organization("cascade")
          const contactId = yield* F.contact(org, "+14155550105")
          const campaignId = yield* F.campaign(org)
          const callId = F.newId(Ids.CallId)
          yield* Tenancy.withTenant(org)(Effect.gen(function*() {
            const queueId = F.newId(Ids.CampaignContactId)
            yield* sql`INSERT INTO campaign_contacts ${sql.insert({ id: queueId, orgId: org, campaignId, contactId })}`
            yield* sql`INSERT INTO call_notes ${sql.insert({ id: F.newId(Ids.CallNoteId), orgId: org, contactId, body: "asked for a callback" })}`
            yield* sql`INSERT INTO calls ${sql.insert({
              id: callId, orgId: org, campaignId, contactId, campaignContactId: queueId, provider: "simulated",
              direction: "outbound", fromNumber: "+14155550199", toNumber: "+14155550105", status: "completed"
            })}`
            yield* sql`INSERT INTO call_events ${sql.insert({
              id: F.newId(Ids.CallEventId), orgId: org, callId, provider: "simulated", providerEventKey: `${callId}:1`,
              eventType: "completed", occurredAt: new Date()
            })}`
            yield* sql`DELETE FROM contacts WHERE id = ${contactId}`
          }))
          yield* Tenancy.withSystem(Effect.gen(function*() {
            assert.strictEqual(yield* count("campaign_contacts", `contact_id = '${contactId}'`), 0)
            assert.strictEqual(yield* count("call_notes", `contact_id = '${contactId}'`), 0)
            const calls = yield* sql<{ readonly contactId: string | null; readonly campaignContactId: string | null; readonly orgId: string }>`
              SELECT contact_id, campaign_contact_id, org_id FROM calls WHERE id = ${callId}`
            assert.deepStrictEqual(calls, [{ contactId: null, campaignContactId: null, orgId: org }])
            assert.strictEqual(yield* count("call_events", `call_id = '${callId}'`), 1)
          }))

          // Deleting the campaign empties its queue but keeps calls with campaign_id NULL.
          yield* Tenancy.withTenant(org)(sql`DELETE FROM campaigns WHERE id = ${campaignId}`)
          const afterCampaign = yield* Tenancy.withSystem(
            sql<{ readonly campaignId: string | null }>`SELECT campaign_id FROM calls WHERE id = ${callId}`
          )
          assert.deepStrictEqual(afterCampaign, [{ campaignId: null }])

          // Deleting the organization removes everything it owns.
          yield* Tenancy.withSystem(sql`DELETE FROM organizations WHERE id = ${org}`)
          yield* Tenancy.withSystem(Effect.gen(function*() {
            for (const table of ["calls", "call_events", "campaigns", "contacts"]) {
              assert.strictEqual(yield* count(table, `org_id = '${org}'`), 0, `${table} emptied with the org`)
            }
          }))
        }))

      it.effect("the tenant and role end with the transaction: nothing leaks to the next user of the connection", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* F.organization("leak")
          const before = yield* sql<{ readonly role: string }>`SELECT current_user AS role`
          const inside = yield* Tenancy.withTenant(org)(
            sql<{ readonly role: string; readonly org: string | null }>`SELECT current_user AS role, app_current_org()::text AS org`
          )
          assert.deepStrictEqual(inside.map((r) => [r.role, r.org]), [[Tenancy.appRole, org]])
          // Run enough plain queries to touch every pooled connection.
          for (let i = 0; i < 6; i++) {
            const after = yield* sql<{ readonly role: string; readonly org: string | null }>`
              SELECT current_user AS role, app_current_org()::text AS org`
            assert.deepStrictEqual(after.map((r) => [r.role, r.org]), [[before[0]!.role, null]])
          }
          // A failed tenant transaction rolls back its writes and also resets the role.
          const failed = yield* Effect.flip(Tenancy.withTenant(org)(Effect.gen(function*() {
            yield* sql`INSERT INTO contacts ${sql.insert({ id: F.newId(Ids.ContactId), orgId: org, phone: "+14155550140" })}`
            return yield* Effect.fail("boom" as const)
          })))
          assert.strictEqual(failed, "boom")
          const rows = yield* Tenancy.withTenant(org)(sql`SELECT id FROM contacts WHERE phone = '+14155550140'`)
          assert.strictEqual(rows.length, 0)
          assert.deepStrictEqual(yield* Tenancy.currentOrg, null)
        }))

      it.effect("nesting: the same tenant groups calls atomically; another tenant or the system path inside is refused", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const a = yield* F.organization("nest-a")
          const b = yield* F.organization("nest-b")
          const grouped = yield* Effect.flip(Tenancy.withTenant(a)(Effect.gen(function*() {
            yield* F.contact(a, "+14155550160")
            yield* F.contact(a, "+14155550161")
            return yield* Effect.fail("abort" as const)
          })))
          assert.strictEqual(grouped, "abort")
          const kept = yield* Tenancy.withTenant(a)(sql`SELECT id FROM contacts WHERE phone IN ('+14155550160', '+14155550161')`)
          assert.strictEqual(kept.length, 0, "both inner inserts rolled back with the outer transaction")

          const cross = yield* Effect.exit(Tenancy.withTenant(a)(F.contact(b, "+14155550162")))
          assert.strictEqual(cross._tag, "Failure")
          assert.include(String(cross), `tenant ${b} cannot run inside a transaction of tenant ${a}`)
          const escalate = yield* Effect.exit(Tenancy.withTenant(a)(Tenancy.withSystem(sql`SELECT 1`)))
          assert.include(String(escalate), `the system path cannot run inside a transaction of tenant ${a}`)
        }))

      it.effect("updated_at is maintained by the trigger; created_at is not touched", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* F.organization("stamps")
          const id = yield* F.contact(org, "+14155550150")
          type Stamps = { readonly createdAt: Date; readonly updatedAt: Date }
          const read = Tenancy.withTenant(org)(sql<Stamps>`SELECT created_at, updated_at FROM contacts WHERE id = ${id}`)
          const before = (yield* read)[0]!
          yield* Effect.sleep("20 millis")
          // Even an explicit attempt to set updated_at is overridden.
          yield* Tenancy.withTenant(org)(sql`UPDATE contacts SET first_name = 'Later', updated_at = '2000-01-01' WHERE id = ${id}`)
          const after = (yield* read)[0]!
          assert.strictEqual(after.createdAt.getTime(), before.createdAt.getTime())
          assert.isAbove(after.updatedAt.getTime(), before.updatedAt.getTime())
        }))

      it.effect("call events are append-only and unique by provider event key", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* F.organization("events")
          const eventId = F.newId(Ids.CallEventId)
          const insert = (id: string) =>
            sql`INSERT INTO call_events ${sql.insert({
              id, orgId: org, provider: "twilio", providerEventKey: `CA123:${org}`, eventType: "ringing", occurredAt: new Date()
            })}`
          yield* Tenancy.withTenant(org)(insert(eventId))
          const duplicate = yield* failure(Tenancy.withTenant(org)(insert(F.newId(Ids.CallEventId))))
          assert.deepStrictEqual([duplicate.tag, duplicate.constraint], ["UniqueViolation", "call_events_provider_provider_event_key_key"])
          const update = yield* failure(Tenancy.withTenant(org)(
            sql`UPDATE call_events SET event_type = 'completed' WHERE id = ${eventId}`
          ))
          assert.include(update.message, "append-only")
        }))

      it.effect("at most one default caller id per organization (partial unique index)", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* F.organization("numbers")
          const add = (number: string, isDefault: boolean) =>
            Tenancy.withTenant(org)(sql`INSERT INTO phone_numbers ${sql.insert({
              id: F.newId(Ids.PhoneNumberId), orgId: org, number, provider: "twilio", isDefault
            })}`)
          yield* add("+14155550110", true)
          yield* add("+14155550111", false)
          const second = yield* failure(add("+14155550112", true))
          assert.deepStrictEqual([second.tag, second.constraint], ["UniqueViolation", "phone_numbers_one_default_key"])
        }))

      it.effect("CHECK constraints reject values outside the enums", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* F.organization("checks")
          const bad = yield* failure(Tenancy.withTenant(org)(
            sql`INSERT INTO contacts ${sql.insert({ id: F.newId(Ids.ContactId), orgId: org, phone: "+14155550120", status: "in-progress" })}`
          ))
          assert.strictEqual(bad.tag, "ConstraintError")
          assert.include(bad.message, "contacts_status_check")
          const score = yield* failure(Tenancy.withTenant(org)(
            sql`INSERT INTO contacts ${sql.insert({ id: F.newId(Ids.ContactId), orgId: org, phone: "+14155550121", leadScore: 101 })}`
          ))
          assert.include(score.message, "contacts_lead_score_check")
          const phone = yield* failure(Tenancy.withTenant(org)(
            sql`INSERT INTO contacts ${sql.insert({ id: F.newId(Ids.ContactId), orgId: org, phone: "4155550121" })}`
          ))
          assert.include(phone.message, "contacts_phone_check")
        }))

      it.effect("call_metrics (migration 6): answered + missed within calls made, voicemail within missed, rates 0..1", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const org = yield* F.organization("metric-checks")
          const agent = F.newId(Ids.UserId)
          yield* Tenancy.withTenant(org)(
            sql`INSERT INTO users (id, org_id, email, full_name, role) VALUES (${agent}, ${org}, ${`${agent}@example.com`}, 'Agent', 'agent')`
          )
          const insert = (day: string, row: Record<string, unknown>) =>
            Tenancy.withTenant(org)(sql`INSERT INTO call_metrics ${
              sql.insert({ id: F.newId(Ids.AnalyticsId), orgId: org, agentId: agent, day, callsMade: 10, ...row })
            }`)
          yield* insert("2026-11-01", {
            answeredCalls: 4, missedCalls: 6, voicemailCalls: 3, recordedCalls: 2, avgTalkSeconds: 61.5, answerRate: 0.4, recordingRate: 0.5
          })
          assert.strictEqual(yield* count("call_metrics", `org_id = '${org}'`), 1)
          const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
            [{ answeredCalls: 6, missedCalls: 5 }, "call_metrics_answered_missed_check"],
            [{ missedCalls: 2, voicemailCalls: 3 }, "call_metrics_voicemail_check"],
            [{ answeredCalls: 1, recordedCalls: 2 }, "call_metrics_recorded_check"],
            [{ answerRate: 1.5 }, "call_metrics_answer_rate_check"],
            [{ recordingRate: -0.1 }, "call_metrics_recording_rate_check"],
            [{ avgTalkSeconds: -1 }, "call_metrics_avg_talk_seconds_check"]
          ]
          for (const [row, constraint] of cases) {
            const bad = yield* failure(insert("2026-11-02", row))
            assert.strictEqual(bad.tag, "ConstraintError", constraint)
            assert.include(bad.message, constraint)
          }
        }))
    })
  })
}
