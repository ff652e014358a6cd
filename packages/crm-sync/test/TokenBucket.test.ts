import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { TokenBucket } from "../src/index.ts"

const policy = { capacity: 5, refillPerSecond: 2 }

describe("TokenBucket", () => {
  it("allows a burst of `capacity`, then asks to wait for the refill", () => {
    let bucket = TokenBucket.full(policy, 0)
    for (let i = 0; i < 5; i++) {
      const r = TokenBucket.take(policy, bucket, 0)
      assert.strictEqual(r._tag, "Granted")
      bucket = r.bucket
    }
    const r = TokenBucket.take(policy, bucket, 0)
    assert.deepStrictEqual(r._tag === "Wait" ? r.waitMillis : -1, 500)
    const later = TokenBucket.take(policy, r.bucket, 500)
    assert.strictEqual(later._tag, "Granted")
  })

  it("never holds more than capacity, and a clock going backwards adds nothing", () => {
    const refilled = TokenBucket.refill(policy, { tokens: 1, updatedAt: 1000 }, 1_000_000)
    assert.strictEqual(refilled.tokens, 5)
    const backwards = TokenBucket.refill(policy, { tokens: 1, updatedAt: 1000 }, 0)
    assert.deepStrictEqual(backwards, { tokens: 1, updatedAt: 1000 })
  })

  it("grants no more than capacity + rate * elapsed over any schedule (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(400), { minLength: 1, maxLength: 200 }), (gaps) => {
        let now = 0
        let bucket = TokenBucket.full(policy, now)
        let granted = 0
        for (const gap of gaps) {
          now += gap
          const r = TokenBucket.take(policy, bucket, now)
          bucket = r.bucket
          if (r._tag === "Granted") granted++
          else assert.isAbove(r.waitMillis, 0)
        }
        assert.isAtMost(granted, policy.capacity + (now * policy.refillPerSecond) / 1000)
      })
    )
  })
})
