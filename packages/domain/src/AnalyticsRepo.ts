/**
 * Analytics roll-ups. The ETL workflow recomputes a day and `upsert`s it:
 * re-running a day (a retried activity, a late event) replaces the row
 * instead of double counting. Reads are by day range.
 */
import { Context, Effect, Layer } from "effect"
import type { Model } from "effect/schema"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { CallMetric, CampaignDailyStats, ContactMetric, OrgDailySnapshot } from "./Analytics.ts"
import * as Ids from "./Ids.ts"
import type { CampaignId, ContactId, OrganizationId } from "./Ids.ts"
import { decodeRows, encodeRow } from "./internal/repo.ts"
import { withTenant } from "./Tenancy.ts"

type Values<M extends Model.Any> = Omit<M["insert"]["Type"], "id" | "orgId">

export class AnalyticsRepo extends Context.Service<AnalyticsRepo, {
  readonly upsertOrgDaily: (orgId: OrganizationId, values: Values<typeof OrgDailySnapshot>) => Effect.Effect<OrgDailySnapshot, SqlError>
  readonly upsertCampaignDaily: (
    orgId: OrganizationId,
    values: Values<typeof CampaignDailyStats>
  ) => Effect.Effect<CampaignDailyStats, SqlError>
  readonly upsertCallMetric: (orgId: OrganizationId, values: Values<typeof CallMetric>) => Effect.Effect<CallMetric, SqlError>
  readonly upsertContactMetric: (orgId: OrganizationId, values: Values<typeof ContactMetric>) => Effect.Effect<ContactMetric, SqlError>
  /** Days `from`..`to` inclusive (YYYY-MM-DD), oldest first. */
  readonly orgDaily: (orgId: OrganizationId, from: string, to: string) => Effect.Effect<ReadonlyArray<OrgDailySnapshot>, SqlError>
  readonly campaignDaily: (
    orgId: OrganizationId,
    campaignId: CampaignId,
    from: string,
    to: string
  ) => Effect.Effect<ReadonlyArray<CampaignDailyStats>, SqlError>
  readonly contactMetric: (orgId: OrganizationId, contactId: ContactId) => Effect.Effect<ReadonlyArray<ContactMetric>, SqlError>
}>()("@autodialer/domain/AnalyticsRepo") {
  static readonly layer = Layer.effect(
    AnalyticsRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const tenant = (orgId: OrganizationId) => <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        withTenant(orgId)(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const upserter = <M extends Model.Any & { readonly DecodingServices: never; readonly insert: { readonly EncodingServices: never } }>(
        model: M,
        table: string,
        conflict: ReadonlyArray<string>
      ) => {
        const encode = encodeRow(model.insert)
        const decode = decodeRows(model, table)
        return (orgId: OrganizationId, values: Values<M>): Effect.Effect<M["Type"], SqlError> =>
          tenant(orgId)(Effect.gen(function*() {
            const id = yield* Ids.generate(Ids.AnalyticsId)
            const row = yield* encode({ ...values, id, orgId } as M["insert"]["Type"])
            const updates = Object.keys(row).filter((c) => c !== "id" && c !== "org_id" && !conflict.includes(c))
            const rows = yield* decode(yield* sql`
              INSERT INTO ${sql(table)} ${sql.insert(row)}
              ON CONFLICT (${sql.unsafe(conflict.join(", "))})
              DO UPDATE SET ${sql.unsafe(updates.map((c) => `${c} = EXCLUDED.${c}`).join(", "))}
              RETURNING *`)
            return rows[0]!
          }))
      }

      const orgDaily: AnalyticsRepo["Service"]["orgDaily"] = (orgId, from, to) =>
        tenant(orgId)(Effect.flatMap(
          sql`SELECT * FROM org_daily_snapshots WHERE day BETWEEN ${from}::date AND ${to}::date ORDER BY day`,
          decodeRows(OrgDailySnapshot, "org_daily_snapshots")
        ))
      const campaignDaily: AnalyticsRepo["Service"]["campaignDaily"] = (orgId, campaignId, from, to) =>
        tenant(orgId)(Effect.flatMap(
          sql`SELECT * FROM campaign_daily_stats
              WHERE campaign_id = ${campaignId} AND day BETWEEN ${from}::date AND ${to}::date ORDER BY day`,
          decodeRows(CampaignDailyStats, "campaign_daily_stats")
        ))
      const contactMetric: AnalyticsRepo["Service"]["contactMetric"] = (orgId, contactId) =>
        tenant(orgId)(Effect.flatMap(
          sql`SELECT * FROM contact_metrics WHERE contact_id = ${contactId}`,
          decodeRows(ContactMetric, "contact_metrics")
        ))

      return AnalyticsRepo.of({
        upsertOrgDaily: upserter(OrgDailySnapshot, "org_daily_snapshots", ["org_id", "day"]),
        upsertCampaignDaily: upserter(CampaignDailyStats, "campaign_daily_stats", ["campaign_id", "day"]),
        upsertCallMetric: upserter(CallMetric, "call_metrics", ["org_id", "day", "agent_id"]),
        upsertContactMetric: upserter(ContactMetric, "contact_metrics", ["contact_id"]),
        orgDaily,
        campaignDaily,
        contactMetric
      })
    })
  )
}
