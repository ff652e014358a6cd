/** The event bus over Postgres LISTEN/NOTIFY (real server) and in memory: a session gets its campaign's events only, decoded. */
import { Effect, Layer, Option, Queue, Redacted } from "effect"
import { PgClient } from "@effect/sql-pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgres } from "@autodialer/testkit"
import type { CallEvent } from "@autodialer/telephony"
import { EventBus, channelOf } from "../src/EventBus.ts"
import { type TestDatabase, createTestDatabase } from "./support/Database.ts"

const pg = postgres()

const ringing = (callId: string): CallEvent.CallEvent => ({
  _tag: "Ringing", callId, provider: "simulated", providerCallId: callId, eventKey: `sim:${callId}:ringing`, at: 1_700_000_000_000
})

const roundTrip = Effect.scoped(Effect.gen(function*() {
  const bus = yield* EventBus
  const mine = yield* bus.subscribe("campaign-A")
  yield* bus.publish("campaign-B", ringing("other-campaign-call"))
  yield* bus.publish("campaign-A", ringing("call-1"))
  yield* bus.publish("campaign-A", { ...ringing("call-2"), _tag: "Answered", answeredBy: "human", amdDecisionMs: 900 } as CallEvent.CallEvent)
  const first = yield* Queue.take(mine)
  const second = yield* Queue.take(mine)
  const third = yield* Queue.take(mine).pipe(Effect.timeoutOption("300 millis"))
  return { first, second, third }
}))

describe("EventBus", () => {
  it("channel names are valid Postgres identifiers for any campaign id", () => {
    expect(channelOf("0b9f-4C2a")).toBe("autodialer_calls_0b9f4c2a")
    expect(channelOf("x".repeat(100)).length).toBe(63)
  })

  it("in memory: delivers a campaign's events to its subscribers only", async () => {
    const r = await Effect.runPromise(roundTrip.pipe(Effect.provide(EventBus.layerMemory)))
    expect(r.first).toEqual(ringing("call-1"))
    expect(r.second).toMatchObject({ _tag: "Answered", callId: "call-2", answeredBy: "human" })
    expect(Option.isNone(r.third)).toBe(true)
  })

  describe.skipIf(pg.skip)("on Postgres LISTEN/NOTIFY", () => {
    let db: TestDatabase
    beforeAll(async () => {
      db = await createTestDatabase(pg.value!, "bus")
    })
    afterAll(async () => {
      await db?.drop()
    })

    it("delivers a campaign's events, decoded, to its subscribers only", async () => {
      const layer = EventBus.layerPg.pipe(Layer.provide(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 3 })))
      const r = await Effect.runPromise(roundTrip.pipe(Effect.provide(layer)) as Effect.Effect<Effect.Success<typeof roundTrip>>)
      expect(r.first).toEqual(ringing("call-1"))
      expect(r.second).toMatchObject({ _tag: "Answered", callId: "call-2", answeredBy: "human", amdDecisionMs: 900 })
      expect(Option.isNone(r.third)).toBe(true)
    })
  })
})
