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
 * outer transaction (Effect SQL turns them into savepoints), which lets a
 * caller group several repository calls atomically. A `SET LOCAL` inside a
 * savepoint outlives the savepoint, so nesting a different tenant, or the
 * system path inside a tenant, would silently change who the rest of the
 * transaction runs as: that is refused as a defect.
 */
import { Context, Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { OrganizationId } from "./Ids.ts"
import { appRole, systemRole } from "./internal/schemaSql.ts"

export { appRole, systemRole }

type Scope = { readonly _tag: "tenant"; readonly orgId: OrganizationId } | { readonly _tag: "system" }

/** Who the current transaction runs as, tracked per fiber so nesting can be checked without a query. */
const CurrentScope = Context.Reference<Scope | null>("@autodialer/domain/Tenancy/CurrentScope", { defaultValue: () => null })

const describe = (scope: Scope) => scope._tag === "system" ? "the system path" : `tenant ${scope.orgId}`

const enter = <A, E, R>(scope: Scope, role: string, orgSetting: string, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const outer = yield* CurrentScope
    if (outer !== null && describe(outer) !== describe(scope)) {
      return yield* Effect.die(new Error(`${describe(scope)} cannot run inside a transaction of ${describe(outer)}`))
    }
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(Effect.gen(function*() {
      // One round trip: set_config('role', r, true) is SET LOCAL ROLE r.
      yield* sql`SELECT set_config('role', ${role}, true), set_config('app.org_id', ${orgSetting}, true)`
      return yield* effect
    })).pipe(Effect.provideService(CurrentScope, scope))
  })

/** Runs `effect` in a transaction scoped to organization `orgId`. */
export const withTenant = (orgId: OrganizationId) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R | SqlClient.SqlClient> =>
  enter({ _tag: "tenant", orgId }, appRole, orgId, effect)

/** Runs `effect` in a transaction as the system role, which is not limited to one tenant. */
export const withSystem = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError, R | SqlClient.SqlClient> =>
  enter({ _tag: "system" }, systemRole, "", effect)

/** The organization of the current transaction, or null outside `withTenant`. */
export const currentOrg: Effect.Effect<string | null, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly org: string | null }>`SELECT app_current_org()::text AS org`
  return rows[0]?.org ?? null
})
