/**
 * Group commit for carrier webhooks: the events that arrive within a short
 * window (or until a batch is full) are stored together by
 * `CallEventStore.storeBatch`, one transaction and one multi-row INSERT per
 * batch, and every request waits for its own batch's COMMIT before it is
 * answered. That keeps the webhook contract (the event is durable before the
 * 2xx) while Postgres pays one WAL flush and a handful of round trips per
 * batch instead of per event.
 *
 * A batch that fails (after retrying deadlocks, serialization conflicts and
 * lost connections, which are safe to retry because the insert is idempotent)
 * fails every request in it with `EventStoreUnavailable`: the routes answer
 * 503 and the carrier redelivers. The transaction rolled back, so none of its
 * events is half-stored.
 *
 * Batches in flight are limited (`concurrency`), each holding one pooled
 * connection, so a burst cannot take the whole pool from the API. New events
 * of stored calls are published on the workflows' `EventBus` (when present)
 * after the commit, by one fiber, in commit order, without holding up the
 * answers.
 */
import { Context, Data, Deferred, Effect, Layer, Option, Queue, Semaphore } from "effect"
import type { SqlClient } from "effect/sql"
import { EventBus } from "@autodialer/workflows/EventBus"
import * as CallEventStore from "../CallEventStore.ts"

export interface BatchOptions {
  /** How long the first event of a batch waits for others to join it, in ms (0: only what is already queued). */
  readonly windowMs: number
  /** Most events in one batch (one INSERT statement). */
  readonly maxBatch: number
  /** Batches in flight at once; each holds one pooled connection until it commits. */
  readonly concurrency: number
  /** Attempts of a batch whose failure is retryable (deadlock, serialization, connection). */
  readonly attempts: number
}

export const defaultOptions: BatchOptions = { windowMs: 1, maxBatch: 256, concurrency: 4, attempts: 3 }

/** The batch holding this event could not be committed; nothing of it was stored, the carrier should retry. */
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

const make = (options: Partial<BatchOptions>) =>
  Effect.gen(function*() {
    const o: BatchOptions = { ...defaultOptions, ...options }
    const sqlContext = yield* Effect.context<SqlClient.SqlClient>()
    const bus = yield* Effect.serviceOption(EventBus)
    const queue = yield* Queue.unbounded<Pending>()
    const slots = yield* Semaphore.make(o.concurrency)

    const publications = yield* Queue.unbounded<{ readonly campaignId: string; readonly event: CallEventStore.Incoming["event"] }>()
    if (Option.isSome(bus)) {
      yield* Effect.forkScoped(Effect.forever(
        Effect.flatMap(Queue.take(publications), ({ campaignId, event }) => bus.value.publish(campaignId, event))
      ))
    }

    const flush = (batch: ReadonlyArray<Pending>) =>
      CallEventStore.storeBatch(batch.map((p) => p.incoming)).pipe(
        Effect.retry({ times: o.attempts - 1, while: (error) => error.isRetryable }),
        Effect.provideContext(sqlContext),
        Effect.matchCauseEffect({
          onFailure: (cause) =>
            Effect.andThen(
              Effect.logError(`webhook batch of ${batch.length} events rolled back; answering 503`, cause),
              Effect.forEach(batch, (p) => Deferred.fail(p.done, new EventStoreUnavailable({ batchSize: batch.length, cause })), { discard: true })
            ),
          onSuccess: (results) =>
            Effect.gen(function*() {
              for (let i = 0; i < batch.length; i++) yield* Deferred.succeed(batch[i]!.done, results[i])
              if (Option.isNone(bus)) return
              for (let i = 0; i < batch.length; i++) {
                const stored = results[i]
                if (stored?.inserted === true && stored.call.campaignId !== null) {
                  yield* Queue.offer(publications, { campaignId: stored.call.campaignId, event: { ...batch[i]!.incoming.event, callId: stored.call.id } })
                }
              }
            })
        }),
        Effect.annotateLogs({ batchSize: batch.length })
      )

    // One collector forms batches; a batch starts only when a slot is free, so under load the
    // queue grows while the slots are busy and the next batch takes what has accumulated.
    yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
      yield* slots.take(1)
      const first = yield* Queue.take(queue)
      if (o.windowMs > 0) yield* Effect.sleep(o.windowMs)
      // The collector is the only taker, so what `size` counts is there to take (takeBetween with a minimum of 0 takes nothing).
      const waiting = Math.min(yield* Queue.size(queue), o.maxBatch - 1)
      const rest = waiting > 0 ? yield* Queue.takeBetween(queue, 1, waiting) : []
      yield* Effect.forkScoped(flush([first, ...rest]).pipe(Effect.ensuring(slots.release(1))))
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
