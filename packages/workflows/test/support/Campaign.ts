/**
 * Seeds a campaign on the domain schema (organization, campaign, contacts,
 * queue entries, agents as users assigned to the campaign) and reads back what
 * happened. Seeding runs on the system path, as an admin tool would.
 */
import { Effect, type Layer } from "effect"
import { SqlClient } from "effect/sql"
import { DialingSessionRepo, Ids, Tenancy } from "@autodialer/domain"
import { middayZone } from "./Config.ts"

export interface Seed {
  readonly contacts: number
  readonly agents: number
  readonly agentState?: "ready" | "loggedOut"
  /** IANA zone per contact index, or null for the campaign's (default: a zone where it is about noon now). */
  readonly zoneOf?: (i: number) => string | null
}

export interface Seeded {
  readonly orgId: Ids.OrganizationId
  readonly campaignId: Ids.CampaignId
  /** Users assigned to the campaign, in creation order. */
  readonly agentIds: ReadonlyArray<Ids.UserId>
}

export const seedCampaign = (seed: Seed) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const orgId = yield* Ids.generate(Ids.OrganizationId)
    const campaignId = yield* Ids.generate(Ids.CampaignId)
    const agentIds: Array<Ids.UserId> = []
    for (let i = 0; i < seed.agents; i++) agentIds.push(yield* Ids.generate(Ids.UserId))
    yield* Tenancy.withSystem(Effect.gen(function*() {
      yield* sql`INSERT INTO organizations (id, name, slug, plan, limits, settings)
        VALUES (${orgId}, 'Workflows test', ${`wf-${orgId.slice(-12)}`}, 'pro', '{}', ${JSON.stringify({ defaultTimeZone: "America/New_York" })})`
      yield* sql`INSERT INTO campaigns (id, org_id, name, mode, calling_window, abandon_policy, attempt_rules, pacing, amd)
        VALUES (${campaignId}, ${orgId}, 'Session test', 'progressive', '{}', '{}', '{}', '{}', '{}')`
      for (let i = 0; i < seed.contacts; i++) {
        const contactId = yield* Ids.generate(Ids.ContactId)
        const entryId = yield* Ids.generate(Ids.CampaignContactId)
        // By default the contact's own zone is one where it is about noon now: the engine applies the
        // law's 08:00-21:00 where the number is, so a +1 415 number without a zone would make
        // every session test depend on the hour it runs at.
        const zone = seed.zoneOf === undefined ? middayZone() : seed.zoneOf(i)
        yield* sql`INSERT INTO contacts (id, org_id, phone, time_zone, time_zone_source)
          VALUES (${contactId}, ${orgId}, ${`+1415555${String(i).padStart(4, "0")}`}, ${zone}, ${zone === null ? null : "user"})`
        yield* sql`INSERT INTO campaign_contacts (id, org_id, campaign_id, contact_id) VALUES (${entryId}, ${orgId}, ${campaignId}, ${contactId})`
      }
      for (const [i, id] of agentIds.entries()) {
        yield* sql`INSERT INTO users (id, org_id, email, full_name, role)
          VALUES (${id}, ${orgId}, ${`agent-${i}-${id.slice(-8)}@example.com`}, ${`Agent ${i}`}, 'agent')`
      }
    }))
    const repo = yield* DialingSessionRepo.DialingSessionRepo
    yield* repo.assignAgents(orgId, campaignId, agentIds, seed.agentState === "loggedOut" ? "offline" : "available", new Date())
    return { orgId, campaignId, agentIds } satisfies Seeded
  }).pipe(Effect.provide(DialingSessionRepo.DialingSessionRepo.layer))

/** Calls answered three hours ago (one abandoned): abandon budget already spent. Not tied to a queue entry. */
export const seedSpentBudget = (layer: Layer.Layer<SqlClient.SqlClient, unknown>, seeded: Seeded, calls = 40) =>
  query(layer, `INSERT INTO calls (id, org_id, campaign_id, provider, direction, from_number, to_number, status, answered_by, outcome,
      attempt, queued_at, answered_at, ended_at)
    SELECT gen_random_uuid(), $1, $2, 'simulated', 'outbound', '+14155550100', '+14155550199', 'completed', 'human',
      CASE WHEN g = 1 THEN 'abandoned' ELSE 'human_answered' END, 1, now() - interval '3 hours', now() - interval '3 hours',
      now() - interval '3 hours'
    FROM generate_series(1, $3::int) g`, [seeded.orgId, seeded.campaignId, calls])

export const query = <A extends object>(layer: Layer.Layer<SqlClient.SqlClient, unknown>, text: string, params: ReadonlyArray<unknown> = []) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return (yield* sql.unsafe<A>(text, params as Array<never>)) as ReadonlyArray<A>
  }).pipe(Effect.provide(layer))))
