/**
 * Retry delays for rate limits and transient vendor failures.
 *
 * Exponential backoff with "full jitter" (delay uniform in [0, min(cap, base * 2^attempt)]),
 * drawn from a seeded generator so a run can be replayed exactly. A vendor's `Retry-After`
 * always wins over our own guess: it knows when its window reopens.
 */

export interface BackoffPolicy {
  readonly baseMillis: number
  readonly capMillis: number
  /** Retries after the first attempt before giving up. */
  readonly maxRetries: number
  /**
   * The longest `Retry-After` we wait out in-process (default 60 s). A longer one (a daily quota)
   * fails at once with its delay, so the workflow can reschedule instead of holding a worker.
   */
  readonly maxWaitMillis?: number
}

export const defaultPolicy: BackoffPolicy = { baseMillis: 500, capMillis: 30_000, maxRetries: 5, maxWaitMillis: 60_000 }

/** Mulberry32: a tiny, well-distributed 32-bit PRNG. Returns [value in [0,1), next seed]. */
export const nextRandom = (seed: number): readonly [number, number] => {
  const next = (seed + 0x6d2b79f5) | 0
  let t = next
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next] as const
}

/** The delay before retry number `attempt` (0-based), and the next seed. */
export const delay = (policy: BackoffPolicy, attempt: number, seed: number): readonly [number, number] => {
  const ceiling = Math.min(policy.capMillis, policy.baseMillis * 2 ** attempt)
  const [r, next] = nextRandom(seed)
  return [Math.floor(r * ceiling), next] as const
}

/**
 * Parses a `Retry-After` header: delta-seconds ("120") or an HTTP date, relative to `now`
 * (epoch ms). Returns milliseconds, or null when absent or unreadable.
 */
export const parseRetryAfter = (header: string | undefined, now: number): number | null => {
  if (header === undefined) return null
  const trimmed = header.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isFinite(at) ? Math.max(0, at - now) : null
}
