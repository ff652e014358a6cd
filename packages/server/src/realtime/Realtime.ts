/**
 * The realtime event bus behind the agent and supervisor channels.
 *
 * Channels are `user:<userId>` (call offered, connected with the screen-pop,
 * ended, wrap-up timer) and `campaign:<campaignId>` (live stats). Every event
 * carries its organization, and subscribers only ever receive events of their
 * own organization.
 *
 * - `layerMemory`: an in-process PubSub, for the embedded default (PGlite has
 *   a single connection, so LISTEN would block it) and single-process servers.
 * - `layerPg`: Postgres LISTEN/NOTIFY on one channel, so any server process
 *   can publish (a webhook, a worker) and any can serve the subscriber.
 */
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, PubSub, Queue, Schema, type Scope, Stream } from "effect"

export const RealtimeEvent = Schema.Struct({
  orgId: Schema.String,
  channel: Schema.String,
  type: Schema.String,
  at: Schema.Number,
  data: Schema.Unknown
})
export type RealtimeEvent = typeof RealtimeEvent.Type

export const userChannel = (userId: string): string => `user:${userId}`
export const campaignChannel = (campaignId: string): string => `campaign:${campaignId}`

export interface RealtimeService {
  readonly publish: (event: RealtimeEvent) => Effect.Effect<void>
  /** Events of `orgId` on `channel` from now on, until the scope closes. */
  readonly subscribe: (orgId: string, channel: string) => Effect.Effect<Stream.Stream<RealtimeEvent>, never, Scope.Scope>
}

export class Realtime extends Context.Service<Realtime, RealtimeService>()("@autodialer/server/Realtime") {
  static readonly layerMemory: Layer.Layer<Realtime> = Layer.effect(
    Realtime,
    Effect.gen(function*() {
      const hub = yield* PubSub.unbounded<RealtimeEvent>()
      return Realtime.of({
        publish: (event) => PubSub.publish(hub, event).pipe(Effect.asVoid),
        subscribe: (orgId, channel) =>
          Effect.map(PubSub.subscribe(hub), (sub) =>
            Stream.fromSubscription(sub).pipe(Stream.filter((e) => e.orgId === orgId && e.channel === channel)))
      })
    })
  )

  /**
   * One NOTIFY channel for all events, and one LISTEN per process (a shared
   * connection), fanned out in memory: subscribers cost no connection each.
   * Payloads are small JSON documents (NOTIFY allows 8000 bytes).
   */
  static readonly layerPg: Layer.Layer<Realtime, never, PgClient.PgClient> = Layer.effect(
    Realtime,
    Effect.gen(function*() {
      const pg = yield* PgClient.PgClient
      const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(RealtimeEvent))
      const hub = yield* PubSub.unbounded<RealtimeEvent>()
      const notifications = yield* pg.listen(notifyChannel).pipe(Effect.orDie)
      yield* Effect.forkScoped(
        Effect.forever(
          Queue.take(notifications).pipe(
            Effect.flatMap((n) => decode(n.payload)),
            Effect.flatMap((e) => PubSub.publish(hub, e)),
            Effect.catch((error) => Effect.logWarning("realtime: dropped a notification", error))
          )
        )
      )
      return Realtime.of({
        publish: (event) =>
          pg.notify(notifyChannel, JSON.stringify(event)).pipe(
            Effect.catch((error) => Effect.logWarning("realtime: NOTIFY failed; event dropped", error))
          ),
        subscribe: (orgId, channel) =>
          Effect.map(PubSub.subscribe(hub), (sub) =>
            Stream.fromSubscription(sub).pipe(Stream.filter((e) => e.orgId === orgId && e.channel === channel)))
      })
    })
  )
}

export const notifyChannel = "autodialer_realtime"
