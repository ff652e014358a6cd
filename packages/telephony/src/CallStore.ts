/**
 * The durable side of idempotency. Two promises live here:
 * - an originate idempotency key is claimed once, so a retried originate
 *   returns the first call instead of dialling again;
 * - an event is folded into its call's state at most once, by provider event
 *   key, atomically with storing it ("nothing is acted on before it is stored").
 *
 * The port is small so that the server can back it with the domain package's
 * Postgres repositories (`calls`, `call_events`): `claim` is an INSERT … ON
 * CONFLICT on the idempotency key; `transition` is SELECT … FOR UPDATE of the
 * call, the pure `CallState.apply`, an INSERT of the event ON CONFLICT DO
 * NOTHING and an UPDATE of the call, in one transaction. `layerMemory` is the
 * in-process implementation for tests, the demo and embedded use.
 */
import { Context, Effect, Layer, Option, Ref } from "effect"
import type { CallEvent, Provider } from "./CallEvent.ts"
import * as CallState from "./CallState.ts"
import { CallNotFound } from "./TelephonyError.ts"

export interface CallRecord {
  readonly callId: string
  readonly provider: Provider
  readonly idempotencyKey: string
  readonly providerCallId?: string
  readonly state: CallState.CallState
}

export type Claim =
  | { readonly _tag: "Claimed"; readonly record: CallRecord }
  | { readonly _tag: "AlreadyClaimed"; readonly record: CallRecord }

export interface CallStoreService {
  /** Claim an idempotency key for a new call. If the key is taken, the existing call is returned. */
  readonly claim: (input: { readonly idempotencyKey: string; readonly callId: string; readonly provider: Provider }) => Effect.Effect<Claim>
  /** Give a key back after a request the carrier definitely did not act on (e.g. HTTP 429). */
  readonly release: (idempotencyKey: string) => Effect.Effect<void>
  readonly attachProviderCallId: (callId: string, providerCallId: string) => Effect.Effect<void, CallNotFound>
  readonly get: (callId: string) => Effect.Effect<Option.Option<CallRecord>>
  readonly findByProviderCallId: (provider: Provider, providerCallId: string) => Effect.Effect<Option.Option<CallRecord>>
  /** Store the event and fold it into the call's state, atomically and idempotently. */
  readonly transition: (event: CallEvent) => Effect.Effect<CallState.Transition, CallNotFound>
}

export class CallStore extends Context.Service<CallStore, CallStoreService>()("@autodialer/telephony/CallStore") {
  /** In-memory store: correct under concurrency within one process (single Ref updates). */
  static readonly layerMemory: Layer.Layer<CallStore> = Layer.effect(
    CallStore,
    Effect.gen(function*() {
      interface Tables {
        readonly calls: ReadonlyMap<string, CallRecord>
        readonly keys: ReadonlyMap<string, string>
      }
      const ref = yield* Ref.make<Tables>({ calls: new Map(), keys: new Map() })

      const claim: CallStoreService["claim"] = (input) =>
        Ref.modify(ref, (tables): [Claim, Tables] => {
          const existing = tables.keys.get(input.idempotencyKey)
          const existingRecord = existing === undefined ? undefined : tables.calls.get(existing)
          if (existingRecord !== undefined) return [{ _tag: "AlreadyClaimed", record: existingRecord }, tables]
          const record: CallRecord = {
            callId: input.callId,
            provider: input.provider,
            idempotencyKey: input.idempotencyKey,
            state: CallState.initial(input.callId, input.provider)
          }
          return [
            { _tag: "Claimed", record },
            {
              calls: new Map(tables.calls).set(input.callId, record),
              keys: new Map(tables.keys).set(input.idempotencyKey, input.callId)
            }
          ]
        })

      const release: CallStoreService["release"] = (idempotencyKey) =>
        Ref.update(ref, (tables) => {
          const callId = tables.keys.get(idempotencyKey)
          if (callId === undefined) return tables
          const calls = new Map(tables.calls)
          calls.delete(callId)
          const keys = new Map(tables.keys)
          keys.delete(idempotencyKey)
          return { calls, keys }
        })

      const attachProviderCallId: CallStoreService["attachProviderCallId"] = (callId, providerCallId) =>
        Ref.modify(ref, (tables): [boolean, Tables] => {
          const record = tables.calls.get(callId)
          if (record === undefined) return [false, tables]
          const updated: CallRecord = { ...record, providerCallId }
          return [true, { ...tables, calls: new Map(tables.calls).set(callId, updated) }]
        }).pipe(Effect.flatMap((found) => (found ? Effect.void : Effect.fail(new CallNotFound({ callId })))))

      const get: CallStoreService["get"] = (callId) =>
        Ref.get(ref).pipe(Effect.map((tables) => Option.fromUndefinedOr(tables.calls.get(callId))))

      const findByProviderCallId: CallStoreService["findByProviderCallId"] = (provider, providerCallId) =>
        Ref.get(ref).pipe(
          Effect.map((tables) => {
            for (const record of tables.calls.values()) {
              if (record.provider === provider && (record.providerCallId === providerCallId || record.state.providerCallId === providerCallId)) {
                return Option.some(record)
              }
            }
            return Option.none()
          })
        )

      const transition: CallStoreService["transition"] = (event) =>
        Ref.modify(ref, (tables): [CallState.Transition | undefined, Tables] => {
          const record = tables.calls.get(event.callId)
          if (record === undefined) return [undefined, tables]
          const t = CallState.apply(record.state, event)
          if (t._tag === "Duplicate") return [t, tables]
          const providerCallId = record.providerCallId ?? t.state.providerCallId
          const updated: CallRecord = { ...record, state: t.state, ...(providerCallId !== undefined ? { providerCallId } : {}) }
          return [t, { ...tables, calls: new Map(tables.calls).set(event.callId, updated) }]
        }).pipe(
          Effect.flatMap((t) => (t === undefined ? Effect.fail(new CallNotFound({ callId: event.callId })) : Effect.succeed(t)))
        )

      return CallStore.of({ claim, release, attachProviderCallId, get, findByProviderCallId, transition })
    })
  )

  /** Alias used by tests, following the house naming. */
  static readonly layerTest = CallStore.layerMemory
}
