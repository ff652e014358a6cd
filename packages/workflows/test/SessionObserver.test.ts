/** The observer port's test layer records every event and fans it out to subscribers; the default layer drops them. */
import { Effect, Fiber, Stream } from "effect"
import { describe, expect, it } from "vitest"
import { ObservedEvents, SessionObserver, type SessionEvent } from "../src/SessionObserver.ts"

const wrap: SessionEvent = { _tag: "WrapUpStarted", at: 1, campaignId: "c1", agentId: "a1", callId: "k1", deadline: 120_001 }
const ended: SessionEvent = { _tag: "CallEnded", at: 2, campaignId: "c1", callId: "k1", contactId: "q1", agentId: "a1", outcome: "human_answered" }

describe("SessionObserver", () => {
  it("layerTest records events in order and streams them to a subscriber", async () => {
    const r = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const observed = yield* ObservedEvents
      const stream = yield* observed.subscribe
      const fiber = yield* Effect.forkChild(Stream.runCollect(Stream.take(stream, 2)))
      yield* Effect.yieldNow
      const observer = yield* SessionObserver
      yield* observer.publish(wrap)
      yield* observer.publish(ended)
      return { all: observed.all(), streamed: yield* Fiber.join(fiber) }
    }).pipe(Effect.provide(SessionObserver.layerTest))))
    expect(r.all).toEqual([wrap, ended])
    expect([...r.streamed]).toEqual([wrap, ended])
  })

  it("layer accepts events and drops them", async () => {
    await expect(Effect.runPromise(Effect.gen(function*() {
      yield* (yield* SessionObserver).publish(wrap)
    }).pipe(Effect.provide(SessionObserver.layer))))
      .resolves.toBeUndefined()
  })
})
