/**
 * `CallStore` on the domain schema, shared by every process that talks to the
 * carrier: a key claimed by one worker is seen as claimed by the next, so an
 * originate re-issued after a failover returns the first call instead of
 * dialling again (exactly-once across processes, not only within one).
 *
 * The call row is the dialing session's (`calls`, written by
 * `DialingSessionRepo.recordDial` before the originate, with the attempt's
 * `idempotency_key`); this store never creates calls:
 * - `claim` sets the row's `carrier_call_id` if nobody has (one UPDATE, so two
 *   concurrent claims serialise on the row lock and exactly one wins);
 * - `transition` locks the row, folds its stored events with the pure
 *   `CallState.apply`, stores the new event (idempotent by provider event key)
 *   in the same transaction and returns the transition. The state is never
 *   stored separately: it is the fold of `call_events`, so it cannot drift
 *   from them.
 * Carrier requests and events carry no tenant, so it runs on the system path;
 * each event is written with its call's organization.
 */
import { Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import { CallEvent, type Provider } from "./CallEvent.ts"
import { type CallRecord, CallStore, type CallStoreService } from "./CallStore.ts"
import * as CallState from "./CallState.ts"
import { CallNotFound } from "./TelephonyError.ts"

interface CallRow {
  readonly id: string
  readonly orgId: string
  readonly carrierCallId: string
  readonly provider: Provider
  readonly providerCallId: string | null
  readonly idempotencyKey: string
}

const decodeEvent = Schema.decodeUnknownEffect(CallEvent)

/** The Postgres-backed store. Needs a `SqlClient` on a database with the domain migrations (4 and 5). */
export const layer: Layer.Layer<CallStore, never, SqlClient.SqlClient> = Layer.effect(
  CallStore,
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // The port's operations cannot fail on storage: a database error is a defect of this process (Temporal retries the session).
    const system = <A>(effect: Effect.Effect<A, SqlError, SqlClient.SqlClient>): Effect.Effect<A> =>
      Tenancy.withSystem(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.orDie)
    const systemOrNotFound = <A>(effect: Effect.Effect<A, SqlError | CallNotFound, SqlClient.SqlClient>): Effect.Effect<A, CallNotFound> =>
      Tenancy.withSystem(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.catchTag("SqlError", (e) => Effect.die(e)))

    const columns = sql`id, org_id AS "orgId", carrier_call_id AS "carrierCallId", provider, provider_call_id AS "providerCallId",
      idempotency_key AS "idempotencyKey"`

    /** The call's state: its stored events folded in arrival order. */
    const stateOf = (row: CallRow) =>
      Effect.gen(function*() {
        const stored = yield* sql<{ readonly key: string; readonly payload: unknown }>`
          SELECT provider_event_key AS key, payload FROM call_events WHERE call_id = ${row.id} ORDER BY received_at, id`
        let state = CallState.initial(row.carrierCallId, row.provider)
        for (const e of stored) {
          const decoded = yield* Effect.result(decodeEvent(typeof e.payload === "string" ? JSON.parse(e.payload) : e.payload))
          if (decoded._tag === "Failure") {
            yield* Effect.logWarning(`call event ${e.key} in call_events does not decode; left out of the call state: ${decoded.failure.message}`)
            continue
          }
          state = CallState.apply(state, decoded.success).state
        }
        return state
      })

    const recordOf = (row: CallRow) =>
      Effect.map(stateOf(row), (state): CallRecord => {
        const providerCallId = row.providerCallId ?? state.providerCallId
        return {
          callId: row.carrierCallId, provider: row.provider, idempotencyKey: row.idempotencyKey, state,
          ...(providerCallId === undefined ? {} : { providerCallId })
        }
      })

    const claim: CallStoreService["claim"] = (input) =>
      system(Effect.gen(function*() {
        const taken = yield* sql<{ readonly id: string }>`
          UPDATE calls SET carrier_call_id = ${input.callId}
          WHERE idempotency_key = ${input.idempotencyKey} AND carrier_call_id IS NULL RETURNING id`
        if (taken.length > 0) {
          return {
            _tag: "Claimed" as const,
            record: { callId: input.callId, provider: input.provider, idempotencyKey: input.idempotencyKey, state: CallState.initial(input.callId, input.provider) }
          }
        }
        const [row] = yield* sql<CallRow>`SELECT ${columns} FROM calls WHERE idempotency_key = ${input.idempotencyKey} AND carrier_call_id IS NOT NULL`
        if (row === undefined) {
          return yield* Effect.die(new Error(
            `CallStorePg: no call row holds idempotency key '${input.idempotencyKey}'; record the dial (DialingSessionRepo.recordDial) before placing it`
          ))
        }
        return { _tag: "AlreadyClaimed" as const, record: yield* recordOf(row) }
      }))

    const release: CallStoreService["release"] = (idempotencyKey) =>
      system(sql`UPDATE calls SET carrier_call_id = NULL WHERE idempotency_key = ${idempotencyKey}`).pipe(Effect.asVoid)

    const attachProviderCallId: CallStoreService["attachProviderCallId"] = (callId, providerCallId) =>
      systemOrNotFound(sql<{ readonly id: string }>`
        UPDATE calls SET provider_call_id = ${providerCallId} WHERE carrier_call_id = ${callId} RETURNING id`.pipe(
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new CallNotFound({ callId })) : Effect.void))
      ))

    const get: CallStoreService["get"] = (callId) =>
      system(Effect.gen(function*() {
        const [row] = yield* sql<CallRow>`SELECT ${columns} FROM calls WHERE carrier_call_id = ${callId} LIMIT 1`
        return row === undefined ? Option.none() : Option.some(yield* recordOf(row))
      }))

    const findByProviderCallId: CallStoreService["findByProviderCallId"] = (provider, providerCallId) =>
      system(Effect.gen(function*() {
        const [row] = yield* sql<CallRow>`
          SELECT ${columns} FROM calls WHERE provider = ${provider} AND provider_call_id = ${providerCallId} AND carrier_call_id IS NOT NULL`
        return row === undefined ? Option.none() : Option.some(yield* recordOf(row))
      }))

    const transition: CallStoreService["transition"] = (event) =>
      systemOrNotFound(Effect.gen(function*() {
        const [row] = yield* sql<CallRow>`SELECT ${columns} FROM calls WHERE carrier_call_id = ${event.callId} LIMIT 1 FOR UPDATE`
        if (row === undefined) return yield* Effect.fail(new CallNotFound({ callId: event.callId }))
        const t = CallState.apply(yield* stateOf(row), event)
        if (t._tag === "Duplicate") return t
        // Stale events are stored too: they are part of what the carrier said, and the fold absorbs them again.
        // clock_timestamp(): arrival order after taking the row lock, which is the order the fold replays.
        const id = yield* UuidV7.generate
        yield* sql`
          INSERT INTO call_events (id, org_id, call_id, provider, provider_call_id, provider_event_key, event_type, payload, occurred_at, received_at)
          VALUES (${id}, ${row.orgId}, ${row.id}, ${event.provider}, ${event.providerCallId ?? null}, ${event.eventKey}, ${event._tag},
            ${JSON.stringify(event)}::jsonb, ${new Date(event.at)}, clock_timestamp())
          ON CONFLICT (provider, provider_event_key) DO NOTHING`
        if (row.providerCallId === null && t.state.providerCallId !== undefined) {
          yield* sql`UPDATE calls SET provider_call_id = ${t.state.providerCallId} WHERE id = ${row.id} AND provider_call_id IS NULL`
        }
        return t
      }))

    return CallStore.of({ claim, release, attachProviderCallId, get, findByProviderCallId, transition })
  })
)
