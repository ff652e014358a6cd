/**
 * A token bucket, as a pure value: `take(bucket, now)` says whether a request may go now and, if
 * not, how long to wait. The clock is an argument, so the arithmetic is tested without sleeping;
 * `RateLimiter` holds one bucket per (CRM, organization) and does the waiting.
 */

export interface TokenBucketPolicy {
  /** Bucket size: how many requests may burst at once. */
  readonly capacity: number
  /** Sustained rate. */
  readonly refillPerSecond: number
}

export interface TokenBucket {
  readonly tokens: number
  /** Epoch milliseconds of the last refill. */
  readonly updatedAt: number
}

export type Take =
  | { readonly _tag: "Granted"; readonly bucket: TokenBucket }
  | { readonly _tag: "Wait"; readonly bucket: TokenBucket; readonly waitMillis: number }

/** A full bucket at `now`. */
export const full = (policy: TokenBucketPolicy, now: number): TokenBucket => ({ tokens: policy.capacity, updatedAt: now })

/** Refills for the time elapsed since `updatedAt` (a clock going backwards adds nothing). */
export const refill = (policy: TokenBucketPolicy, bucket: TokenBucket, now: number): TokenBucket => {
  const elapsed = Math.max(0, now - bucket.updatedAt)
  return {
    tokens: Math.min(policy.capacity, bucket.tokens + (elapsed * policy.refillPerSecond) / 1000),
    updatedAt: Math.max(now, bucket.updatedAt)
  }
}

/** Takes `cost` tokens at `now`, or says how long until they will be there. */
export const take = (policy: TokenBucketPolicy, bucket: TokenBucket, now: number, cost = 1): Take => {
  const current = refill(policy, bucket, now)
  if (current.tokens >= cost) {
    return { _tag: "Granted", bucket: { tokens: current.tokens - cost, updatedAt: current.updatedAt } }
  }
  const missing = cost - current.tokens
  return { _tag: "Wait", bucket: current, waitMillis: Math.ceil((missing * 1000) / policy.refillPerSecond) }
}

/** Published limits, conservative: we share them with the customer's other integrations. */
export const defaults = {
  // HubSpot: 100 requests / 10 s per private app (Professional), search 5 / s.
  hubspot: { capacity: 10, refillPerSecond: 9 },
  // Salesforce: daily allocation, 25 concurrent long requests; keep a steady pace.
  salesforce: { capacity: 20, refillPerSecond: 10 },
  // Zoho: credits per day and 10-25 concurrent calls per org, by edition.
  zoho: { capacity: 10, refillPerSecond: 5 },
  csv: { capacity: 50, refillPerSecond: 50 }
} as const satisfies Record<string, TokenBucketPolicy>
