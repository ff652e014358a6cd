/**
 * The schema migrations, run by the Effect SQL `Migrator` from in-code
 * records (no file-system loader, so they work in a bundle). Applying them a
 * second time is a no-op: the migrator records applied ids in
 * `effect_sql_migrations`, and role creation checks for existing roles because
 * roles are shared by every database of the cluster.
 */
import { Effect } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import * as Schema from "./internal/schemaSql.ts"
import * as SessionSchema from "./internal/dialingSessionSql.ts"
import * as CallMetricsSchema from "./internal/callMetricsSql.ts"
import * as CampaignDeskSchema from "./internal/campaignDeskSql.ts"
import * as CallStatusHotSchema from "./internal/callStatusHotSql.ts"

const run = (statements: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const statement of statements) yield* sql.unsafe(statement).withoutTransform
  })

/** The name of the migrations bookkeeping table. */
export const table = "effect_sql_migrations"

/** The SQL of each migration, keyed `<id>_<name>`, in application order. */
export const statements: Readonly<Record<string, ReadonlyArray<string>>> = {
  "1_roles_and_functions": Schema.rolesAndFunctions,
  "2_tables": Schema.tables,
  "3_row_level_security": [
    ...Schema.rowLevelSecurity,
    // The blanket grant above includes the migrator's own table: the application roles must not touch it.
    `REVOKE ALL ON ${table} FROM ${Schema.appRole}, ${Schema.systemRole}`
  ],
  "4_dialing_session": SessionSchema.dialingSession,
  "5_call_store_lookup": SessionSchema.callStoreLookup,
  "6_call_metrics_outcomes": CallMetricsSchema.callMetricsOutcomes,
  "7_campaign_desk_settings": CampaignDeskSchema.campaignDeskSettings,
  "8_call_status_hot": CallStatusHotSchema.callStatusHot
}

/** Migration records for the Effect SQL `Migrator`. */
export const records = Object.fromEntries(Object.entries(statements).map(([name, sql]) => [name, run(sql)]))

export const loader = Migrator.fromRecord(records)

/** Applies pending migrations; returns the ones applied now (empty when up to date). */
export const migrate = Migrator.make({})({ loader, table })

export { appRole, systemRole, tenantTables } from "./internal/schemaSql.ts"
export { sessionTenantTables } from "./internal/dialingSessionSql.ts"
