/** Minimal rows for integration tests, written through the system role. */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as Ids from "../../src/Ids.ts"
import * as Tenancy from "../../src/Tenancy.ts"

let counter = 0
const random = () => globalThis.crypto.getRandomValues(new Uint8Array(10))
export const newId = <S extends Ids.IdSchema>(schema: S): S["Type"] => Ids.make(schema, Date.now() + counter++, random())

export const organization = (slug: string) =>
  Tenancy.withSystem(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = newId(Ids.OrganizationId)
    yield* sql`INSERT INTO organizations ${sql.insert({
      id,
      name: slug,
      slug: `${slug}-${id.slice(-8)}`,
      plan: "pro",
      limits: JSON.stringify({ maxUsers: 10, maxAiCallsPerMonth: 1000, maxConcurrentCalls: 50 }),
      settings: JSON.stringify({ defaultTimeZone: "America/New_York", defaultRegion: "US", recordCalls: true })
    })}`
    return id
  }))

export const contact = (orgId: Ids.OrganizationId, phone = "+14155550123") =>
  Tenancy.withTenant(orgId)(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = newId(Ids.ContactId)
    yield* sql`INSERT INTO contacts ${sql.insert({ id, orgId, phone, firstName: "Ada" })}`
    return id
  }))

export const campaign = (orgId: Ids.OrganizationId) =>
  Tenancy.withTenant(orgId)(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = newId(Ids.CampaignId)
    yield* sql`INSERT INTO campaigns ${sql.insert({
      id,
      orgId,
      name: "Q4 outreach",
      mode: "predictive",
      callingWindow: JSON.stringify({ days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00", fallbackTimeZone: "America/New_York" }),
      abandonPolicy: JSON.stringify({ maxAbandonRate: 0.03, periodDays: 30, safeHarborSeconds: 2, safeHarborRecordingId: null }),
      attemptRules: JSON.stringify({ maxAttemptsPerContact: 5, maxAttemptsPerDay: 2, ringTimeoutSeconds: 25 }),
      pacing: JSON.stringify({ linesPerAgent: 2, maxConcurrentCalls: 20 }),
      amd: JSON.stringify({ enabled: true, onMachine: "hangup", voicemailRecordingId: null })
    })}`
    return id
  }))
