/**
 * Runnable example: place three calls on the simulated carrier in real time,
 * bridge the humans to an agent, play the safe-harbour message to machines,
 * and print the normalised event stream.
 *
 *   node --conditions=@autodialer/source packages/telephony/examples/usage.ts
 */
import { Console, Effect, Stream } from "effect"
import { SimulatedCarrier, Telephony } from "@autodialer/telephony"

const program = Effect.gen(function*() {
  const telephony = yield* Telephony
  // React to answers as the engine would: bridge people, release machines.
  yield* telephony.events.pipe(
    Stream.tap((e) => Console.log(`${e.callId}  ${e._tag}${e._tag === "Answered" ? ` (${e.answeredBy})` : ""}`)),
    Stream.filter((e) => e._tag === "Answered"),
    Stream.runForEach((e) =>
      (e.answeredBy === "human"
        ? telephony.bridge(e.callId, { _tag: "Sip", uri: "sip:agent-7@pbx.example.com" })
        : telephony.playAndRelease(e.callId, { _tag: "Speech", text: "Sorry we missed you." })).pipe(Effect.ignore)
    ),
    Effect.forkChild
  )
  yield* Effect.yieldNow // let the subscriber start: the stream carries events published after it subscribes
  for (const contact of ["alice", "bob", "carol"]) {
    yield* telephony.originate({
      to: "+14155550123", from: "+14155550100", ringTimeoutSec: 8,
      amd: "detect", record: false, idempotencyKey: `${contact}:attempt-1`
    })
  }
  yield* Effect.sleep("12 seconds")
})

// A fast profile so the demo ends in seconds; the default profile is realistic.
const carrier = SimulatedCarrier.layer({
  seed: 2026,
  profile: { busy: 0.1, failed: 0, answer: 0.9, machine: 0.3, ringMedianMs: 2_000, talkMeanMs: 6_000, amdMedianMs: 800, promptMs: 1_500 }
})

Effect.runPromise(program.pipe(Effect.provide(carrier)))
