import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Backoff } from "../src/index.ts"

const policy = { baseMillis: 100, capMillis: 5_000, maxRetries: 5 }

const delays = (seed: number, n: number) => {
  const out: Array<number> = []
  let s = seed
  for (let attempt = 0; attempt < n; attempt++) {
    const [d, next] = Backoff.delay(policy, attempt, s)
    out.push(d)
    s = next
  }
  return out
}

describe("Backoff", () => {
  it("is reproducible from its seed and differs between seeds", () => {
    assert.deepStrictEqual(delays(42, 8), delays(42, 8))
    assert.notDeepEqual(delays(42, 8), delays(43, 8))
  })

  it("stays within [0, min(cap, base * 2^attempt)) (property)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(20), (seed, attempt) => {
        const [d] = Backoff.delay(policy, attempt, seed)
        assert.isAtLeast(d, 0)
        assert.isBelow(d, Math.min(policy.capMillis, policy.baseMillis * 2 ** attempt))
      })
    )
  })

  it("spreads delays out: jitter is not constant", () => {
    const late = Array.from({ length: 200 }, (_, seed) => Backoff.delay(policy, 6, seed)[0])
    assert.isAbove(new Set(late).size, 150)
    const mean = late.reduce((a, b) => a + b, 0) / late.length
    assert.isAbove(mean, 1_500)
    assert.isBelow(mean, 3_500)
  })

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-11-25T12:00:00Z")
    assert.strictEqual(Backoff.parseRetryAfter("3", now), 3000)
    assert.strictEqual(Backoff.parseRetryAfter("0.5", now), 500)
    assert.strictEqual(Backoff.parseRetryAfter("Wed, 25 Nov 2026 12:00:10 GMT", now), 10_000)
    assert.strictEqual(Backoff.parseRetryAfter("Wed, 25 Nov 2026 11:00:00 GMT", now), 0)
    assert.strictEqual(Backoff.parseRetryAfter("soon", now), null)
    assert.strictEqual(Backoff.parseRetryAfter(undefined, now), null)
  })
})
