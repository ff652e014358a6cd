import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { Clock, Effect, Fiber, Layer, Redacted, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as RateLimit from "../src/RateLimit.ts"
import * as SimulatedCarrier from "../src/SimulatedCarrier.ts"
import { Telephony, type OriginateRequest } from "../src/Telephony.ts"
import * as TwilioAdapter from "../src/TwilioAdapter.ts"
import { sid, startTwilioFake, type TwilioFake } from "./support/TwilioFake.ts"

const request = (key: string, from = "+14155550100"): OriginateRequest => ({
  to: "+14155550123",
  from,
  ringTimeoutSec: 30,
  amd: "off",
  record: false,
  idempotencyKey: key
})

describe("RateLimit.reserve", () => {
  it("spends the burst, then spaces calls at the sustained rate, and refills when idle", () => {
    const rate = { perSecond: 1, burst: 2 }
    const a = RateLimit.reserve(rate, undefined, 0)
    const b = RateLimit.reserve(rate, a.bucket, 0)
    const c = RateLimit.reserve(rate, b.bucket, 0)
    const d = RateLimit.reserve(rate, c.bucket, 0)
    assert.deepStrictEqual([a.waitMs, b.waitMs, c.waitMs, d.waitMs], [0, 0, 1000, 2000])
    // Ten idle seconds refill to the burst, never beyond it.
    const later = RateLimit.reserve(rate, d.bucket, 12_000)
    assert.strictEqual(later.waitMs, 0)
    assert.strictEqual(later.bucket.tokens, 1)
  })
})

const initiatedTimes = (n: number) =>
  Effect.gen(function*() {
    const telephony = yield* Telephony
    const start = yield* Clock.currentTimeMillis
    const collected = yield* Stream.runCollect(telephony.events.pipe(Stream.filter((e) => e._tag === "Initiated"), Stream.take(n))).pipe(Effect.forkChild)
    yield* Effect.yieldNow
    return { collected, start }
  })

describe("RateLimit.layer", () => {
  it.effect("caps calls per second for the account", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const { collected, start } = yield* initiatedTimes(5)
      yield* Effect.forEach([0, 1, 2, 3, 4], (i) => telephony.originate(request(`rl-${i}`)), { concurrency: "unbounded", discard: true }).pipe(Effect.forkChild)
      yield* TestClock.adjust("10 seconds")
      const times = (yield* Fiber.join(collected)).map((e) => e.at - start)
      assert.deepStrictEqual(times, [0, 500, 1000, 1500, 2000])
    }).pipe(Effect.provide(RateLimit.layer({ account: { perSecond: 2, burst: 1 } }).pipe(Layer.provideMerge(SimulatedCarrier.layer({ seed: 1, scripted: true }))))))

  it.effect("caps each caller id separately", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const { collected, start } = yield* initiatedTimes(4)
      const calls = [request("a1", "+14155550101"), request("a2", "+14155550101"), request("b1", "+14155550102"), request("b2", "+14155550102")]
      yield* Effect.forEach(calls, (r) => telephony.originate(r), { concurrency: "unbounded", discard: true }).pipe(Effect.forkChild)
      yield* TestClock.adjust("10 seconds")
      const times = (yield* Fiber.join(collected)).map((e) => e.at - start).sort((x, y) => x - y)
      // Each number waits a second between its own calls; the other number is not held up by it.
      assert.deepStrictEqual(times, [0, 0, 1000, 1000])
    }).pipe(Effect.provide(RateLimit.layer({ account: { perSecond: 100, burst: 100 }, perCallerId: { perSecond: 1, burst: 1 } }).pipe(Layer.provideMerge(SimulatedCarrier.layer({ seed: 1, scripted: true }))))))
})

describe("RateLimit with Twilio answering 429", () => {
  const accountSid = sid("AC")
  const authToken = "abcdefabcdefabcdefabcdefabcdefab"
  let fake: TwilioFake
  beforeAll(async () => {
    fake = await startTwilioFake(accountSid, authToken)
  })
  afterAll(() => fake.close())

  it.live("retries a throttled originate and dials exactly once", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const before = fake.requests.length
      fake.failNext(429, 20429, "Too Many Requests")
      const handle = yield* telephony.originate(request("throttled"))
      assert.isFalse(handle.deduplicated)
      assert.strictEqual(fake.requests.length, before + 2)
      assert.strictEqual(fake.calls.size, 1)
    }).pipe(
      Effect.provide(
        RateLimit.layer({ account: { perSecond: 50, burst: 5 }, retryBaseDelay: "10 millis" }).pipe(
          Layer.provide(TwilioAdapter.layer({ accountSid, authToken: Redacted.make(authToken), webhookBaseUrl: "https://d.example.com/t", apiBaseUrl: fake.origin }))
        )
      )
    ))
})
