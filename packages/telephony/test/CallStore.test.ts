import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { CallStore } from "../src/CallStore.ts"

describe("CallStore.layerMemory", () => {
  it.effect("a key is claimed once even under concurrent claims", () =>
    Effect.gen(function*() {
      const store = yield* CallStore
      const claims = yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => `call-${i}`),
        (callId) => store.claim({ idempotencyKey: "same", callId, provider: "twilio" }),
        { concurrency: "unbounded" }
      )
      const winners = claims.filter((c) => c._tag === "Claimed")
      assert.strictEqual(winners.length, 1)
      assert.isTrue(claims.every((c) => c.record.callId === winners[0]?.record.callId))
    }).pipe(Effect.provide(CallStore.layerTest)))

  it.effect("release frees a key; transitions are idempotent and found by provider id", () =>
    Effect.gen(function*() {
      const store = yield* CallStore
      yield* store.claim({ idempotencyKey: "k", callId: "c1", provider: "plivo" })
      yield* store.release("k")
      assert.isTrue(Option.isNone(yield* store.get("c1")))
      const again = yield* store.claim({ idempotencyKey: "k", callId: "c2", provider: "plivo" })
      assert.strictEqual(again._tag, "Claimed")
      const ringing = { _tag: "Ringing", callId: "c2", provider: "plivo", providerCallId: "uuid-1", eventKey: "plivo:uuid-1:ring", at: 1 } as const
      assert.strictEqual((yield* store.transition(ringing))._tag, "Applied")
      assert.strictEqual((yield* store.transition(ringing))._tag, "Duplicate")
      const found = yield* store.findByProviderCallId("plivo", "uuid-1")
      assert.strictEqual(Option.getOrUndefined(found)?.callId, "c2")
      const missing = yield* Effect.flip(store.transition({ ...ringing, callId: "nope" }))
      assert.strictEqual(missing._tag, "CallNotFound")
    }).pipe(Effect.provide(CallStore.layerTest)))
})
