/**
 * The event-bus port: carrier events, already stored in `call_events`, agent
 * state changes and agents' desk actions (wrap-up done, preview take/skip)
 * reach the dialing session that owns the campaign.
 *
 * - `layerPg`: Postgres `LISTEN/NOTIFY` (one channel per campaign), for
 *   deployments on a Postgres server where the webhook-receiving server and
 *   the worker running the session are different processes.
 * - `layerMemory`: in-process queues, for the embedded default (PGlite has a
 *   single connection, so a `LISTEN` there would block everything else) and for
 *   a worker that hosts the simulated carrier itself.
 *
 * Delivery is at-most-once and that is enough: the event is in Postgres before
 * it is published, and a session that starts or restarts reads the stored
 * events of its calls in flight.
 */
import { Context, Data, Effect, Layer, Queue, Schema, type Scope } from "effect"
import { PgClient } from "@effect/sql-pg"
import { CallEvent as CallEvents } from "@autodialer/telephony"

/**
 * An agent's availability changed (the agent desktop or a supervisor): stored
 * in `campaign_agents` by the session before the engine hears of it.
 */
export const AgentStateChanged = Schema.TaggedStruct("AgentStateChanged", {
  agentId: Schema.NonEmptyString,
  state: Schema.Literals(["ready", "paused", "loggedOut"]),
  at: Schema.Number
})
export type AgentStateChanged = typeof AgentStateChanged.Type

/**
 * What an agent did at the desk that the session, not the agent's own state
 * row, decides on: end a wrap-up (a disposition was saved, or "done"), take or
 * skip the contact a preview offered. Published by whoever received it (the
 * server's agent endpoints); the session stores the resulting state.
 */
export const AgentAction = Schema.TaggedStruct("AgentAction", {
  agentId: Schema.NonEmptyString,
  action: Schema.Literals(["wrapUpDone", "previewTake", "previewSkip"]),
  /** The queue entry (campaign_contacts.id) of a preview decision. */
  contactId: Schema.optionalKey(Schema.NonEmptyString),
  at: Schema.Number
})
export type AgentAction = typeof AgentAction.Type

/** What a dialing session hears: carrier events of its calls, its agents' state changes and their desk actions. */
export const BusEvent = Schema.Union([CallEvents.CallEvent, AgentStateChanged, AgentAction])
export type BusEvent = typeof BusEvent.Type

/** The subscription broke (the LISTEN connection was lost): the session fails and its retry re-reads Postgres. */
export class EventBusDisconnected extends Data.TaggedError("EventBusDisconnected")<{ readonly campaignId: string; readonly cause: unknown }> {
  override get message(): string {
    return `the event subscription of campaign ${this.campaignId} was lost; the session restarts and re-reads stored events`
  }
}

export interface EventBusService {
  readonly publish: (campaignId: string, event: BusEvent) => Effect.Effect<void>
  /** A queue of the campaign's events from now on, until the scope closes. */
  readonly subscribe: (campaignId: string) => Effect.Effect<Queue.Dequeue<BusEvent, EventBusDisconnected>, never, Scope.Scope>
}

/** The NOTIFY channel of a campaign: a valid identifier under 63 bytes for any id. */
export const channelOf = (campaignId: string): string =>
  `autodialer_calls_${campaignId.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 63)

const decodeEvent = Schema.decodeUnknownEffect(Schema.fromJsonString(BusEvent))

export class EventBus extends Context.Service<EventBus, EventBusService>()("@autodialer/workflows/EventBus") {
  static readonly layerMemory: Layer.Layer<EventBus> = Layer.sync(EventBus, () => {
    const subscribers = new Map<string, Set<Queue.Queue<BusEvent, EventBusDisconnected>>>()
    return EventBus.of({
      publish: (campaignId, event) =>
        Effect.forEach(subscribers.get(campaignId) ?? [], (q) => Queue.offer(q, event), { discard: true }),
      subscribe: (campaignId) =>
        Effect.acquireRelease(
          Effect.gen(function*() {
            const q = yield* Queue.unbounded<BusEvent, EventBusDisconnected>()
            const set = subscribers.get(campaignId) ?? new Set()
            set.add(q)
            subscribers.set(campaignId, set)
            return q
          }),
          (q) => Effect.sync(() => subscribers.get(campaignId)?.delete(q))
        )
    })
  })

  /** LISTEN/NOTIFY; payloads are the event's JSON (well under NOTIFY's 8000-byte limit). */
  static readonly layerPg: Layer.Layer<EventBus, never, PgClient.PgClient> = Layer.effect(
    EventBus,
    Effect.gen(function*() {
      const pg = yield* PgClient.PgClient
      return EventBus.of({
        publish: (campaignId, event) =>
          pg.notify(channelOf(campaignId), JSON.stringify(event)).pipe(
            Effect.catch((error) => Effect.logWarning("event bus: NOTIFY failed; the session will read the event from Postgres", error))
          ),
        subscribe: (campaignId) =>
          Effect.gen(function*() {
            const out = yield* Queue.unbounded<BusEvent, EventBusDisconnected>()
            const notifications = yield* pg.listen(channelOf(campaignId)).pipe(Effect.orDie)
            const pump = Queue.take(notifications).pipe(
              Effect.flatMap((n) =>
                decodeEvent(n.payload).pipe(
                  Effect.flatMap((event) => Queue.offer(out, event)),
                  Effect.catch((error) => Effect.logWarning("event bus: dropped an undecodable notification", error))
                )
              ),
              Effect.forever
            )
            yield* Effect.forkScoped(
              pump.pipe(Effect.catch((cause) => Queue.fail(out, new EventBusDisconnected({ campaignId, cause }))))
            )
            return out
          })
      })
    })
  )
}
