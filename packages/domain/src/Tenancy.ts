/**
 * How code reaches tenant data. `withTenant(orgId)(effect)` runs `effect` in a
 * transaction as the `autodialer_app` role (subject to row-level security)
 * with `app.org_id` set for that transaction only, so a query that forgets
 * its `WHERE org_id = ...` still sees one tenant. `withSystem(effect)` runs
 * as `autodialer_system`, which has a permissive policy on every table: for
 * workflows and jobs that span tenants (global DNC, ETL, webhook routing).
 *
 * Both use `SET LOCAL`, so the role and tenant end with the transaction and
 * never leak to the next user of a pooled connection. Nested calls reuse the
 * outer transaction (Effect SQL turns them into savepoints), so the outermost
 * tenant wins; mixing tenants inside one transaction is a bug.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { OrganizationId } from "./Ids.ts"
import { appRole, systemRole } from "./internal/schemaSql.ts"

export { appRole, systemRole }

/** Runs `effect` in a transaction scoped to organization `orgId`. */
export const withTenant = (orgId: OrganizationId) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R | SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(Effect.gen(function*() {
      // One round trip: set_config('role', r, true) is SET LOCAL ROLE r.
      yield* sql`SELECT set_config('role', ${appRole}, true), set_config('app.org_id', ${orgId}, true)`
      return yield* effect
    }))
  })

/** Runs `effect` in a transaction as the system role, which is not limited to one tenant. */
export const withSystem = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R | SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT set_config('role', ${systemRole}, true), set_config('app.org_id', '', true)`
      return yield* effect
    }))
  })

/** The organization of the current transaction, or null outside `withTenant`. */
export const currentOrg: Effect.Effect<string | null, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly org: string | null }>`SELECT app_current_org()::text AS org`
  return rows[0]?.org ?? null
})
