/**
 * Carrier events into the system: each event of the `Telephony` port's
 * stream is matched to our call, stored in `call_events` (idempotent by the
 * provider's event key) and only then published on the event bus to the
 * session that owns the campaign ("nothing is acted on before it is stored").
 *
 * A worker that hosts a carrier in-process (the simulated carrier, the
 * embedded default) runs `forward` next to its sessions. On a server, the
 * webhook handler does the same per request.
 */
import { Effect, Schedule, Stream } from "effect"
import { CallEvent as CallEvents, Telephony } from "@autodialer/telephony"
import { EventBus } from "./EventBus.ts"
import { SessionStore } from "./SessionStore.ts"

type CallEvent = CallEvents.CallEvent

class UnknownCall {
  readonly _tag = "UnknownCall"
}

/** Store one carrier event and publish it; events of unknown calls are logged and dropped. */
export const ingest = (event: CallEvent): Effect.Effect<void, never, SessionStore | EventBus> =>
  Effect.gen(function*() {
    const store = yield* SessionStore
    const bus = yield* EventBus
    // A carrier may report a call before its originate returned and was
    // attached (Twilio's "initiated" callback does): wait briefly for it.
    const owner = yield* store.callOfCarrierCall(event.callId).pipe(
      Effect.flatMap((found) => (found === undefined ? Effect.fail(new UnknownCall()) : Effect.succeed(found))),
      Effect.retry({ while: (e) => e instanceof UnknownCall, schedule: Schedule.spaced("50 millis"), times: 60 })
    )
    yield* store.recordEvent(owner.campaignId, owner.callId, event)
    yield* bus.publish(owner.campaignId, event)
  }).pipe(
    Effect.catch((error) => Effect.logWarning(`carrier event ${event.eventKey} of call ${event.callId} not ingested`, error))
  )

/** Forward the carrier's whole event stream, forever (fork it in the worker's scope). */
export const forward: Effect.Effect<void, never, Telephony | SessionStore | EventBus> = Effect.gen(function*() {
  const telephony = yield* Telephony
  // In order, one at a time: a call's events must reach its session in the
  // order the carrier produced them. Only an event that precedes its call's
  // attach waits, and that wait ends as soon as the originate returns.
  yield* Stream.runForEach(telephony.events, ingest)
})
