import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { isTerminal } from "../src/CallEvent.ts"
import * as SimulatedCarrier from "../src/SimulatedCarrier.ts"
import { Telephony, type OriginateRequest } from "../src/Telephony.ts"

const request = (key: string, overrides: Partial<OriginateRequest> = {}): OriginateRequest => ({
  to: "+14155550123",
  from: "+14155550100",
  ringTimeoutSec: 30,
  amd: "detect_beep",
  record: false,
  idempotencyKey: key,
  ...overrides
})

/** Place `n` calls and run virtual time until all of them ended; returns the event log. */
const runCampaign = (seed: number, n: number) =>
  Effect.gen(function*() {
    const telephony = yield* Telephony
    let ended = 0
    const log = yield* Stream.runCollect(
      telephony.events.pipe(Stream.takeUntil((e) => isTerminal(e) && ++ended === n))
    ).pipe(Effect.forkChild)
    yield* Effect.yieldNow
    for (let i = 0; i < n; i++) yield* telephony.originate(request(`contact-${i}:attempt-1`))
    const start = yield* Clock.currentTimeMillis
    yield* TestClock.adjust("30 minutes")
    // Runs share one virtual clock, so compare times relative to the run's start.
    return (yield* Fiber.join(log)).map((e) => ({ ...e, at: e.at - start }))
  }).pipe(Effect.provide(SimulatedCarrier.layer({ seed })))

describe("SimulatedCarrier", () => {
  it("drawFate is a pure function of (seed, key)", () => {
    const a = SimulatedCarrier.drawFate(7, "k1", 30_000, SimulatedCarrier.defaultProfile)
    const b = SimulatedCarrier.drawFate(7, "k1", 30_000, SimulatedCarrier.defaultProfile)
    const c = SimulatedCarrier.drawFate(8, "k1", 30_000, SimulatedCarrier.defaultProfile)
    assert.deepStrictEqual(a, b)
    // Over many keys, another seed must give some different fate.
    const differs = Array.from({ length: 50 }, (_, i) => `k${i}`).some((k) =>
      JSON.stringify(SimulatedCarrier.drawFate(7, k, 30_000, SimulatedCarrier.defaultProfile)) !==
        JSON.stringify(SimulatedCarrier.drawFate(8, k, 30_000, SimulatedCarrier.defaultProfile))
    )
    assert.isTrue(differs)
    assert.isDefined(c)
  })

  it("the outcome mix follows the profile", () => {
    const n = 4000
    const counts: Record<string, number> = {}
    for (let i = 0; i < n; i++) {
      const fate = SimulatedCarrier.drawFate(1, `key-${i}`, 30_000, SimulatedCarrier.defaultProfile)
      counts[fate._tag] = (counts[fate._tag] ?? 0) + 1
    }
    assert.closeTo((counts["Busy"] ?? 0) / n, 0.08, 0.02)
    assert.closeTo((counts["Failed"] ?? 0) / n, 0.02, 0.01)
    assert.isAbove((counts["Answer"] ?? 0) / n, 0.35)
  })

  it.effect("the same seed gives the same event log on the virtual clock", () =>
    Effect.gen(function*() {
      const first = yield* runCampaign(42, 12)
      const second = yield* runCampaign(42, 12)
      const other = yield* runCampaign(43, 12)
      assert.isAbove(first.length, 24)
      assert.deepStrictEqual(first, second)
      assert.notDeepEqual(first, other)
    }))

  it.effect("an answered call with AMD runs initiated, ringing, answered, completed in order", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const fiber = yield* Stream.runCollect(
        telephony.events.pipe(Stream.takeUntil((e) => e._tag === "Completed"))
      ).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      const handle = yield* telephony.originate(request("answer-me"))
      yield* TestClock.adjust("1 hour")
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(events.map((e) => e._tag).slice(0, 3), ["Initiated", "Ringing", "Answered"])
      assert.strictEqual(events.at(-1)?._tag, "Completed")
      assert.isTrue(events.every((e) => e.callId === handle.callId))
      const state = yield* telephony.state(handle.callId)
      assert.strictEqual(state.status, "completed")
    }).pipe(Effect.provide(SimulatedCarrier.layer({ seed: 3, profile: { busy: 0, failed: 0, answer: 1, machine: 0 } }))))

  it.effect("a retried originate with the same key never dials twice", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const a = yield* telephony.originate(request("same-key"))
      const b = yield* telephony.originate(request("same-key"))
      assert.strictEqual(b.callId, a.callId)
      assert.isFalse(a.deduplicated)
      assert.isTrue(b.deduplicated)
    }).pipe(Effect.provide(SimulatedCarrier.layer({ seed: 1 }))))

  it.effect("hang-up during ringing ends as canceled; nothing follows", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const fiber = yield* Stream.runCollect(telephony.events.pipe(Stream.takeUntil((e) => e._tag === "Canceled"))).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      const handle = yield* telephony.originate(request("ring-then-hangup"))
      yield* TestClock.adjust("500 millis")
      assert.strictEqual((yield* telephony.state(handle.callId)).status, "ringing")
      yield* telephony.hangUp(handle.callId)
      yield* TestClock.adjust("1 hour")
      const events = yield* Fiber.join(fiber)
      assert.deepStrictEqual(events.map((e) => e._tag), ["Initiated", "Ringing", "Canceled"])
      assert.strictEqual((yield* telephony.state(handle.callId)).status, "canceled")
    }).pipe(Effect.provide(SimulatedCarrier.layer({ seed: 3, profile: { busy: 0, failed: 0, answer: 1, ringMedianMs: 20_000 } }))))

  it.effect("duplicate delivery is absorbed: each event appears once", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const fiber = yield* Stream.runCollect(telephony.events.pipe(Stream.takeUntil((e) => e._tag === "Completed"))).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      yield* telephony.originate(request("dup"))
      yield* TestClock.adjust("1 hour")
      const events = yield* Fiber.join(fiber)
      const keys = events.map((e) => e.eventKey)
      assert.strictEqual(new Set(keys).size, keys.length)
    }).pipe(Effect.provide(SimulatedCarrier.layer({ seed: 5, duplicateDelivery: true, profile: { busy: 0, failed: 0, answer: 1 } }))))

  it.effect("bridge, then safe-harbour is refused on an ended call", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const handle = yield* telephony.originate(request("bridge-me", { amd: "off" }))
      yield* TestClock.adjust("25 seconds")
      assert.strictEqual((yield* telephony.state(handle.callId)).status, "answered")
      yield* telephony.bridge(handle.callId, { _tag: "Sip", uri: "sip:agent7@pbx.example.com" })
      const state = yield* telephony.state(handle.callId)
      assert.strictEqual(state.status, "bridged")
      assert.strictEqual(state.bridgedTo, "sip:agent7@pbx.example.com")
      yield* telephony.hangUp(handle.callId)
      const error = yield* Effect.flip(telephony.playAndRelease(handle.callId, { _tag: "Speech", text: "Sorry" }))
      assert.strictEqual(error._tag, "InvalidCallState")
    }).pipe(Effect.provide(SimulatedCarrier.layer({ seed: 9, profile: { busy: 0, failed: 0, answer: 1, ringMedianMs: 5_000 } }))))

  it.effect("rejects an invalid number with a message naming the field", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const error = yield* Effect.flip(telephony.originate(request("bad", { to: "555-12" })))
      assert.strictEqual(error._tag, "InvalidCallRequest")
      assert.include(error.message, "to")
      assert.include(error.message, "E.164")
    }).pipe(Effect.provide(SimulatedCarrier.layer({ seed: 1 }))))
})
