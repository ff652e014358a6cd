/**
 * The append-only log of provider events. `append` is idempotent by
 * (provider, provider event key): a webhook the carrier retries, or one that
 * two servers receive, is stored once, and the caller learns whether it was
 * new, so it acts on each event exactly once ("nothing is acted on before it
 * is stored").
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { CallEvent } from "./Call.ts"
import type { Provider } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { CallId, OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { encodeRow } from "./internal/repo.ts"
import { withTenant } from "./Tenancy.ts"

/** The event key is already used by another organization's event: a routing bug or a forged webhook. */
export class CallEventKeyConflict extends Schema.TaggedError<CallEventKeyConflict>()("CallEventKeyConflict", {
  provider: Schema.String,
  providerEventKey: Schema.String
}) {
  override get message() {
    return `${this.provider} event '${this.providerEventKey}' was already stored for another organization`
  }
}

export type NewCallEvent = Omit<typeof CallEvent.insert.Type, "id" | "orgId">

export interface Appended {
  readonly event: CallEvent
  /** False when the event had been stored before (a duplicate delivery). */
  readonly inserted: boolean
}

export class CallEventRepo extends Context.Service<CallEventRepo, {
  readonly append: (orgId: OrganizationId, input: NewCallEvent) => Effect.Effect<Appended, CallEventKeyConflict | SqlError>
  readonly forCall: (orgId: OrganizationId, callId: CallId) => Effect.Effect<ReadonlyArray<CallEvent>, SqlError>
  /** Links events that arrived before their call was known; returns how many were linked. */
  readonly linkToCall: (
    orgId: OrganizationId,
    provider: Provider,
    providerCallId: string,
    callId: CallId
  ) => Effect.Effect<number, SqlError>
}>()("@autodialer/domain/CallEventRepo") {
  static readonly layer = Layer.effect(
    CallEventRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(CallEvent, "call_events")
      const encode = encodeRow(CallEvent.insert)
      const tenant = (orgId: OrganizationId) => <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        withTenant(orgId)(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const append: CallEventRepo["Service"]["append"] = (orgId, input) =>
        tenant(orgId)(Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.CallEventId)
          const row = yield* encode(CallEvent.insert.make({ ...input, id, orgId }))
          const inserted = yield* rows.decode(yield* sql`
            INSERT INTO call_events ${sql.insert(row)}
            ON CONFLICT (provider, provider_event_key) DO NOTHING
            RETURNING *`)
          if (inserted[0] !== undefined) return { event: inserted[0], inserted: true }
          const existing = yield* rows.decode(yield* sql`
            SELECT * FROM call_events WHERE provider = ${input.provider} AND provider_event_key = ${input.providerEventKey}`)
          if (existing[0] === undefined) {
            // Row-level security hides it: the key belongs to another tenant.
            return yield* new CallEventKeyConflict({ provider: input.provider, providerEventKey: input.providerEventKey })
          }
          return { event: existing[0], inserted: false }
        }))

      const forCall: CallEventRepo["Service"]["forCall"] = (orgId, callId) =>
        tenant(orgId)(Effect.flatMap(
          sql`SELECT * FROM call_events WHERE call_id = ${callId} ORDER BY occurred_at, id`,
          rows.decode
        ))

      const linkToCall: CallEventRepo["Service"]["linkToCall"] = (orgId, provider, providerCallId, callId) =>
        tenant(orgId)(Effect.map(
          sql<{ readonly id: string }>`
            UPDATE call_events SET call_id = ${callId}
            WHERE provider = ${provider} AND provider_call_id = ${providerCallId} AND call_id IS NULL
            RETURNING id`,
          (r) => r.length
        ))

      return CallEventRepo.of({ append, forCall, linkToCall })
    })
  )
}
