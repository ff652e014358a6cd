/**
 * The desks of the embedded default's simulated agents (users marked
 * `crm_user_id = 'simulated'` by the demo seed): when the dialing session puts
 * one in wrap-up, it dispositions the call after its wrap time and is ready
 * again, the way a person at the console would (disposition stored, state
 * logged and pushed on the realtime channels, wrap-up done on the event bus).
 * Real agents do the same through the API.
 */
import { Clock, Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Tenancy } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { EventBus } from "@autodialer/workflows/EventBus"
import type { SessionEvent } from "@autodialer/workflows/SessionObserver"
import { recordState } from "../http/AgentHandlers.ts"
import { Realtime } from "../realtime/Realtime.ts"

/** Builds the observer hook; `wrapMs` is how long a simulated agent wraps up. */
export const make = (wrapMs: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const realtime = yield* Realtime
    const bus = yield* EventBus
    const simulated = new Map<string, { readonly orgId: string } | null>()
    const lookup = (agentId: string) =>
      Effect.suspend(() => {
        const known = simulated.get(agentId)
        if (known !== undefined) return Effect.succeed(known)
        return Tenancy.withSystem(sql<{ readonly orgId: string }>`SELECT org_id FROM users WHERE id = ${agentId} AND crm_user_id = 'simulated'`).pipe(
          Effect.map((rows) => rows[0] ?? null),
          Effect.tap((found) => Effect.sync(() => simulated.set(agentId, found))),
          Effect.provideService(SqlClient.SqlClient, sql)
        )
      })
    const wrapUp = (e: Extract<SessionEvent, { _tag: "WrapUpStarted" }>, orgId: string) =>
      Effect.gen(function*() {
        yield* Effect.sleep(wrapMs)
        yield* Tenancy.withTenant(orgId as OrganizationId)(Effect.gen(function*() {
          const d = yield* sql<{ readonly id: string }>`SELECT id FROM dispositions WHERE is_active ORDER BY (code IN ('interested', 'not_interested')) DESC, sort_order, code LIMIT 1`
          if (d[0] !== undefined && e.callId !== "") yield* sql`UPDATE calls SET disposition_id = ${d[0].id} WHERE session_call_id = ${e.callId}`
          yield* recordState({ orgId, agentId: e.agentId, state: "available", campaignId: e.campaignId, reason: "dispositioned" })
        })).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(Realtime, realtime))
        yield* bus.publish(e.campaignId, { _tag: "AgentAction", agentId: e.agentId, action: "wrapUpDone", at: yield* Clock.currentTimeMillis })
      }).pipe(Effect.catchCause((cause) => Effect.logWarning("simulated agent wrap-up failed", cause)))
    return (event: SessionEvent): Effect.Effect<void> =>
      event._tag !== "WrapUpStarted"
        ? Effect.void
        : lookup(event.agentId).pipe(
          Effect.flatMap((found) => (found === null ? Effect.void : Effect.asVoid(Effect.forkDetach(wrapUp(event, found.orgId))))),
          Effect.catchCause((cause) => Effect.logWarning("simulated agents: lookup failed", cause))
        )
  })
