/**
 * Group commit for carrier webhooks: the events that queue up while the
 * batches before them commit (or arrive within an optional window, up to a
 * full batch) are stored together by
 * `CallEventStore.storeBatch`, one statement (so one commit, one WAL flush)
 * per batch, and every request waits for its own batch's commit before it is
 * answered. That keeps the webhook contract (the event is durable before the
 * 2xx) while Postgres pays one round trip and one flush per batch instead of
 * several per event.
 *
 * Each batch in flight runs on a lane: a pooled connection the batcher keeps,
 * switched once to the system role at session level, on which each statement
 * commits on its own (one round trip per batch): the driver returns on
 * ReadyForQuery, which Postgres sends only after the statement's implicit
 * COMMIT (with `synchronous_commit=on`, after its WAL flush). Lanes are at most
 * `concurrency` and at most half of the Postgres pool, so a burst of webhooks
 * never starves the API. A pool too small to spare connections (embedded
 * PGlite has one) gets no held lanes: each batch borrows a connection for one
 * transaction as the system role instead. A batch is split into waves that never touch
 * one call twice (`CallEventStore.waves`); waves run one after another and
 * each answers its own requests.
 *
 * A wave that fails (after retrying deadlocks, serialization conflicts and
 * lost connections, which is safe because the insert is idempotent) fails
 * every request in it, and those of the waves after it, with
 * `EventStoreUnavailable`: the routes answer 503 and the carrier redelivers.
 * A statement is atomic, so none of a failed wave's events is half-stored.
 *
 * New events of stored calls are published on the workflows' `EventBus` (when
 * present) after the commit, by one fiber, in commit order, without holding
 * up the answers.
 */
import { Context, Data, Deferred, Effect, Exit, Layer, Option, Queue, Scope } from "effect"
import { SqlClient } from "effect/sql"
import type { Connection } from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import { PgClient } from "@effect/sql-pg"
import { Tenancy } from "@autodialer/domain"
import { EventBus } from "@autodialer/workflows/EventBus"
import * as CallEventStore from "../CallEventStore.ts"

export interface BatchOptions {
  /** How long the first event of a batch waits for others to join it, in ms (0: only what is already queued). */
  readonly windowMs: number
  /** Most events in one batch (one INSERT statement). */
  readonly maxBatch: number
  /** Batches in flight at once; each holds one pooled connection (a lane), at most half of the pool. */
  readonly concurrency: number
  /** Attempts of a wave whose failure is retryable (deadlock, serialization); a lost connection is retried once per pooled connection. */
  readonly attempts: number
}

/**
 * No waiting window by default: an event that finds a lane free is stored at
 * once, and under load the events queue up while every lane is busy and the
 * next batch takes them all (measured on the webhook benchmark: a 1-2 ms
 * window gave lower throughput and no better latency).
 */
export const defaultOptions: BatchOptions = { windowMs: 0, maxBatch: 256, concurrency: 4, attempts: 3 }

/** The batch holding this event could not be committed; the event was not stored, the carrier should retry. */
export class EventStoreUnavailable extends Data.TaggedError("EventStoreUnavailable")<{
  readonly batchSize: number
  readonly cause: unknown
}> {
  override get message(): string {
    return `the event store is unavailable (a batch of ${this.batchSize} events was rolled back); the event was not stored, retry later`
  }
}

export interface CallEventBatcherService {
  /** Stores the event with the next batch; succeeds once that batch has committed (`undefined`: not our call). */
  readonly submit: (incoming: CallEventStore.Incoming) => Effect.Effect<CallEventStore.Stored | undefined, EventStoreUnavailable>
}

interface Pending {
  readonly incoming: CallEventStore.Incoming
  readonly done: Deferred.Deferred<CallEventStore.Stored | undefined, EventStoreUnavailable>
}

/** A connection of the batcher's own, as the system role, reopened after it is lost; or, on a small pool, a borrowed one per batch. */
interface Lane {
  readonly held: boolean
  open: { readonly connection: Connection; readonly scope: Scope.Closeable } | undefined
}

/** Held lanes for a pool of `poolSize` connections: none below 4, else at most half of it. */
export const heldLanes = (concurrency: number, poolSize: number): number =>
  poolSize < 4 ? 0 : Math.max(1, Math.min(concurrency, Math.floor(poolSize / 2)))

/** SQLSTATE of the server's error, when it sent one. */
const sqlState = (error: SqlError): string | undefined => {
  const cause: unknown = error.reason.cause
  return typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined
}

/**
 * The lane's connection is gone: the socket broke, or the server ended the
 * session (57P01 admin shutdown, 57P02 crash, 57P03 not accepting; e.g. a
 * failover or pg_terminate_backend), which the driver reports as an unknown
 * error. Nothing of the statement was committed, so it is retried on a new
 * connection.
 */
const isLostConnection = (error: SqlError) => error.reason._tag === "ConnectionError" || (sqlState(error)?.startsWith("57P0") ?? false)

const make = (options: Partial<BatchOptions>) =>
  Effect.gen(function*() {
    const o: BatchOptions = { ...defaultOptions, ...options }
    const sql = yield* SqlClient.SqlClient
    const bus = yield* Effect.serviceOption(EventBus)
    const layerScope = yield* Effect.scope
    const queue = yield* Queue.unbounded<Pending>()
    const freeLanes = yield* Queue.unbounded<Lane>()
    // Only Postgres pools are sized here; any other client is treated as a single connection.
    const pg = yield* Effect.serviceOption(PgClient.PgClient)
    // The client keeps the options it was made with, pool limits included (10 is PgPool's default).
    const poolSize = Option.match(pg, { onNone: () => 1, onSome: (client) => (client.config as PgClient.PgPoolConfig).maxConnections ?? 10 })
    const held = heldLanes(o.concurrency, poolSize)
    const lanes: Array<Lane> = held > 0
      ? Array.from({ length: held }, () => ({ held: true, open: undefined }))
      : [{ held: false, open: undefined }]
    yield* Queue.offerAll(freeLanes, lanes)

    const openLane = (lane: Lane) =>
      Effect.gen(function*() {
        if (lane.open !== undefined) return lane.open.connection
        const scope = yield* Scope.fork(layerScope)
        const opened = yield* Effect.gen(function*() {
          const connection = yield* Scope.provide(sql.reserve, scope)
          // Session-level (is_local false): every statement on this lane runs as the system role.
          yield* connection.execute("SELECT set_config('role', $1, false), set_config('app.org_id', '', false)", [Tenancy.systemRole], undefined)
          // The connection goes back to the pool as it came: no role, no organization.
          yield* Scope.addFinalizer(scope, connection.executeRaw("RESET ROLE", []).pipe(
            Effect.andThen(connection.executeRaw("RESET app.org_id", [])),
            Effect.ignore
          ))
          return connection
        }).pipe(Effect.onError(() => Scope.close(scope, Exit.void)))
        lane.open = { connection: opened, scope }
        return opened
      })

    const dropLane = (lane: Lane) =>
      Effect.suspend(() => {
        const open = lane.open
        lane.open = undefined
        return open === undefined ? Effect.void : Scope.close(open.scope, Exit.void)
      })

    /** One wave on the lane, retried while the failure is retryable; a lost connection is replaced first. */
    const storeWave = (lane: Lane, items: ReadonlyArray<CallEventStore.Incoming>) =>
      Effect.gen(function*() {
        if (!lane.held) {
          return yield* Tenancy.withSystem(CallEventStore.storeBatch((text, params) => sql.unsafe(text, params), items)).pipe(
            Effect.provideService(SqlClient.SqlClient, sql)
          )
        }
        const connection = yield* openLane(lane)
        return yield* CallEventStore.storeBatch((text, params) => connection.execute(text, params, undefined), items)
      }).pipe(
        Effect.tapError((error) => isLostConnection(error) ? dropLane(lane) : Effect.void),
        // After a failover every pooled connection may be dead: each is found out on use, so try them all.
        Effect.retry({ times: poolSize, while: isLostConnection }),
        Effect.retry({ times: o.attempts - 1, while: (error) => error.isRetryable && !isLostConnection(error) })
      )

    const publications = yield* Queue.unbounded<{ readonly campaignId: string; readonly event: CallEventStore.Incoming["event"] }>()
    if (Option.isSome(bus)) {
      yield* Effect.forkScoped(Effect.forever(
        Effect.flatMap(Queue.take(publications), ({ campaignId, event }) => bus.value.publish(campaignId, event))
      ))
    }

    const flush = (lane: Lane, batch: ReadonlyArray<Pending>) =>
      Effect.gen(function*() {
        const incoming = batch.map((p) => p.incoming)
        const all = CallEventStore.waves(incoming)
        for (let w = 0; w < all.length; w++) {
          const members = all[w]!.map((i) => batch[i]!)
          const exit = yield* Effect.exit(storeWave(lane, members.map((p) => p.incoming)))
          if (Exit.isFailure(exit)) {
            // This wave and the ones after it (later events of the same calls) are refused together.
            const refused = all.slice(w).flat().map((i) => batch[i]!)
            yield* Effect.logError(`webhook batch of ${refused.length} events could not be stored; answering 503`, exit.cause)
            const error = new EventStoreUnavailable({ batchSize: refused.length, cause: exit.cause })
            for (const p of refused) yield* Deferred.fail(p.done, error)
            return
          }
          for (let i = 0; i < members.length; i++) yield* Deferred.succeed(members[i]!.done, exit.value[i])
          if (Option.isSome(bus)) {
            for (let i = 0; i < members.length; i++) {
              const stored = exit.value[i]
              if (stored?.inserted === true && stored.call.campaignId !== null) {
                yield* Queue.offer(publications, { campaignId: stored.call.campaignId, event: { ...members[i]!.incoming.event, callId: stored.call.id } })
              }
            }
          }
        }
      })

    // One collector forms batches; a batch starts only when a lane is free, so under load the
    // queue grows while the lanes are busy and the next batch takes what has accumulated.
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      const lane = yield* Queue.take(freeLanes)
      const first = yield* Queue.take(queue)
      if (o.windowMs > 0) yield* Effect.sleep(o.windowMs)
      // The collector is the only taker, so what `size` counts is there to take (takeBetween with a minimum of 0 takes nothing).
      const waiting = Math.min(yield* Queue.size(queue), o.maxBatch - 1)
      const rest = waiting > 0 ? yield* Queue.takeBetween(queue, 1, waiting) : []
      yield* Effect.forkScoped(flush(lane, [first, ...rest]).pipe(Effect.ensuring(Queue.offer(freeLanes, lane))))
    })))

    return CallEventBatcher.of({
      submit: (incoming) =>
        Effect.gen(function*() {
          const done = yield* Deferred.make<CallEventStore.Stored | undefined, EventStoreUnavailable>()
          yield* Queue.offer(queue, { incoming, done })
          return yield* Deferred.await(done)
        })
    })
  })

export class CallEventBatcher extends Context.Service<CallEventBatcher, CallEventBatcherService>()("@autodialer/server/CallEventBatcher") {
  /** The batcher over the ambient `SqlClient` (and `EventBus`, when one is provided). */
  static readonly layer = (options: Partial<BatchOptions> = {}): Layer.Layer<CallEventBatcher, never, SqlClient.SqlClient> =>
    Layer.effect(CallEventBatcher, make(options))
}
