import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { RateLimiter } from "../src/index.ts"

const policy = { capacity: 2, refillPerSecond: 1 }

describe("RateLimiter", () => {
  it.effect("makes the third request in a burst wait for the refill, on the Effect clock", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter
      yield* limiter.acquire("hubspot:org-a", policy)
      yield* limiter.acquire("hubspot:org-a", policy)
      const third = yield* Effect.forkChild(Effect.andThen(limiter.acquire("hubspot:org-a", policy), Clock.currentTimeMillis))
      yield* TestClock.adjust(999)
      assert.isUndefined(third.pollUnsafe())
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* Fiber.join(third), 1000)
    }).pipe(Effect.provide(RateLimiter.layer)))

  it.effect("keeps separate buckets per CRM and organization", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter
      yield* limiter.acquire("hubspot:org-a", policy)
      yield* limiter.acquire("hubspot:org-a", policy)
      // Neither another organization nor another CRM of the same organization is slowed down.
      yield* limiter.acquire("hubspot:org-b", policy)
      yield* limiter.acquire("zoho:org-a", policy)
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
    }).pipe(Effect.provide(RateLimiter.layer)))
})
