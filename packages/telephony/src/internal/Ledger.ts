/**
 * Shared plumbing of every adapter: the once-only originate, the idempotent
 * event ingestion through `CallStore`, and the one event stream. Adapters own
 * only the carrier protocol; the rules for duplicates and ordering live here
 * and in `CallState`, so all four behave the same.
 */
import { Clock, Effect, Option, PubSub, Stream } from "effect"
import type { Scope } from "effect"
import type { CallEvent, Provider } from "../CallEvent.ts"
import type * as CallState from "../CallState.ts"
import { CallStore, type CallRecord } from "../CallStore.ts"
import type { CallHandle } from "../Telephony.ts"
import { CallNotFound, InvalidCallState, type TelephonyError } from "../TelephonyError.ts"

export interface Ledger {
  readonly provider: Provider
  /**
   * Run `dial` at most once per idempotency key. `dial` returns the provider
   * call id. If it fails with a retryable-before-dial error (`release` says so),
   * the key is released so a retry may dial; otherwise the call is marked failed
   * and the key stays claimed, so an ambiguous failure can never double-dial.
   */
  readonly originateOnce: <E extends TelephonyError>(
    idempotencyKey: string,
    dial: (callId: string) => Effect.Effect<string | undefined, E>,
    options: {
      readonly releaseOn: (error: E) => boolean
      /** The Failed event to record; its `at` is replaced by the current time. */
      readonly failureEvent: (callId: string, error: E) => CallEvent
    }
  ) => Effect.Effect<CallHandle, E>
  /** Store and fold one event; publish it when applied. */
  readonly ingest: (event: CallEvent) => Effect.Effect<CallState.Transition, CallNotFound>
  readonly record: (callId: string) => Effect.Effect<CallRecord, CallNotFound>
  readonly findByProviderCallId: (providerCallId: string) => Effect.Effect<Option.Option<CallRecord>>
  /** Fail unless the call's status is one of `allowed`. */
  readonly requireStatus: (
    callId: string,
    operation: string,
    allowed: ReadonlyArray<CallState.Status>
  ) => Effect.Effect<CallRecord, CallNotFound | InvalidCallState>
  readonly events: Stream.Stream<CallEvent>
}

export const make = (
  provider: Provider,
  makeCallId: Effect.Effect<string>
): Effect.Effect<Ledger, never, CallStore | Scope.Scope> =>
  Effect.gen(function*() {
    const store = yield* CallStore
    const pubsub = yield* PubSub.unbounded<CallEvent>()
    yield* Effect.addFinalizer(() => PubSub.shutdown(pubsub))

    const ingest = (event: CallEvent) =>
      store.transition(event).pipe(
        Effect.tap((t) => (t._tag === "Applied" ? PubSub.publish(pubsub, t.event) : Effect.void))
      )

    const record = (callId: string) =>
      store.get(callId).pipe(
        Effect.flatMap(Option.match({ onNone: () => Effect.fail(new CallNotFound({ callId })), onSome: Effect.succeed }))
      )

    const originateOnce: Ledger["originateOnce"] = (idempotencyKey, dial, options) =>
      Effect.gen(function*() {
        const callId = yield* makeCallId
        const claim = yield* store.claim({ idempotencyKey, callId, provider })
        if (claim._tag === "AlreadyClaimed") {
          const existing = claim.record
          return {
            callId: existing.callId,
            provider,
            deduplicated: true,
            ...(existing.providerCallId !== undefined ? { providerCallId: existing.providerCallId } : {})
          } satisfies CallHandle
        }
        const providerCallId = yield* dial(callId).pipe(
          Effect.tapError((error) =>
            options.releaseOn(error)
              ? store.release(idempotencyKey)
              : Clock.currentTimeMillis.pipe(
                Effect.flatMap((at) => ingest({ ...options.failureEvent(callId, error), at })),
                Effect.ignore
              )
          )
        )
        if (providerCallId !== undefined) yield* store.attachProviderCallId(callId, providerCallId).pipe(Effect.orDie)
        return {
          callId,
          provider,
          deduplicated: false,
          ...(providerCallId !== undefined ? { providerCallId } : {})
        } satisfies CallHandle
      })

    const requireStatus: Ledger["requireStatus"] = (callId, operation, allowed) =>
      record(callId).pipe(
        Effect.flatMap((r) =>
          allowed.includes(r.state.status)
            ? Effect.succeed(r)
            : Effect.fail(new InvalidCallState({ callId, operation, status: r.state.status }))
        )
      )

    return {
      provider,
      originateOnce,
      ingest,
      record,
      findByProviderCallId: (providerCallId) => store.findByProviderCallId(provider, providerCallId),
      requireStatus,
      events: Stream.fromPubSub(pubsub)
    } satisfies Ledger
  })
