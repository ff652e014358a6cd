/**
 * Client-side rate limiting: one token bucket per (CRM, organization).
 *
 * Every vendor request takes a token first, so one organization's bulk sync cannot starve
 * another's, and we stay under the vendor's published limits instead of learning them from 429s.
 * The bucket arithmetic is the pure `TokenBucket`; this service only keeps the buckets and sleeps
 * on Effect's Clock (so tests drive it with TestClock).
 */
import { Clock, Context, Effect, Layer, Ref } from "effect"
import * as TokenBucket from "./TokenBucket.ts"

export interface RateLimiterShape {
  /** Waits until `key`'s bucket grants a token. */
  readonly acquire: (key: string, policy: TokenBucket.TokenBucketPolicy) => Effect.Effect<void>
}

export class RateLimiter extends Context.Service<RateLimiter, RateLimiterShape>()("@autodialer/crm-sync/RateLimiter") {
  static readonly make: Effect.Effect<RateLimiterShape> = Effect.gen(function*() {
    const buckets = yield* Ref.make(new Map<string, TokenBucket.TokenBucket>())
    const acquire = (key: string, policy: TokenBucket.TokenBucketPolicy): Effect.Effect<void> =>
      Effect.gen(function*() {
        while (true) {
          const now = yield* Clock.currentTimeMillis
          const wait = yield* Ref.modify(buckets, (map) => {
            const result = TokenBucket.take(policy, map.get(key) ?? TokenBucket.full(policy, now), now)
            const next = new Map(map).set(key, result.bucket)
            return [result._tag === "Granted" ? 0 : result.waitMillis, next] as const
          })
          if (wait === 0) return
          yield* Effect.sleep(wait)
        }
      })
    return { acquire }
  })

  /** One limiter for the whole process: buckets are shared by every connector instance. */
  static readonly layer = Layer.effect(RateLimiter, RateLimiter.make)
}

/** Key of the bucket for a CRM account of an organization. */
export const bucketKey = (provider: string, organizationId: string): string => `${provider}:${organizationId}`
