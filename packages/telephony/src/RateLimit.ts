/**
 * Calls-per-second caps, per carrier account and per caller id, and retry of
 * throttled originates. Carriers enforce CPS limits (Twilio: 1 CPS per
 * account by default; many carriers also cap each caller id) and answer
 * HTTP 429 beyond them; pacing below the cap keeps the engine's dial times
 * honest instead of discovering the limit through errors.
 *
 * The bucket is pure: `reserve(rate, bucket, now)` returns the new bucket and
 * how long to wait. A reservation may drive the balance negative, which
 * queues callers in arrival order without a lock (the virtual-scheduling form
 * of a token bucket). The decorator applies it to any `Telephony`.
 */
import { Clock, Duration, Effect, Layer, Ref } from "effect"
import { Telephony, type TelephonyService } from "./Telephony.ts"

export interface Rate {
  /** Sustained calls per second. */
  readonly perSecond: number
  /** Calls that may start back to back after an idle period. */
  readonly burst: number
}

export interface Bucket {
  readonly tokens: number
  readonly updatedAt: number
}

/** Take one token at `now`; `waitMs` is how long the caller must wait before using it. Pure. */
export const reserve = (rate: Rate, bucket: Bucket | undefined, now: number): { readonly bucket: Bucket; readonly waitMs: number } => {
  const current = bucket ?? { tokens: rate.burst, updatedAt: now }
  const elapsed = Math.max(0, now - current.updatedAt)
  const refilled = Math.min(rate.burst, current.tokens + (elapsed * rate.perSecond) / 1000)
  const tokens = refilled - 1
  return {
    bucket: { tokens, updatedAt: Math.max(now, current.updatedAt) },
    waitMs: tokens >= 0 ? 0 : Math.ceil((-tokens * 1000) / rate.perSecond)
  }
}

export interface Options {
  /** Cap for the whole carrier account. */
  readonly account: Rate
  /** Cap for each caller id (the `from` number). */
  readonly perCallerId?: Rate
  /** How many times a throttled (HTTP 429) originate is retried; 0 disables retries. */
  readonly maxRetries?: number
  /** First retry delay; doubles each time, unless the carrier said how long to wait. */
  readonly retryBaseDelay?: Duration.Input
}

/** Wrap a Telephony service with CPS caps and retries of throttled originates. */
export const limit = (options: Options) => (inner: TelephonyService) =>
  Effect.gen(function*() {
    const buckets = yield* Ref.make<ReadonlyMap<string, Bucket>>(new Map())

    const wait = (from: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const waitMs = yield* Ref.modify(buckets, (map): [number, ReadonlyMap<string, Bucket>] => {
          const next = new Map(map)
          const account = reserve(options.account, map.get("account"), now)
          next.set("account", account.bucket)
          let longest = account.waitMs
          if (options.perCallerId !== undefined) {
            const caller = reserve(options.perCallerId, map.get(`from:${from}`), now)
            next.set(`from:${from}`, caller.bucket)
            longest = Math.max(longest, caller.waitMs)
          }
          return [longest, next]
        })
        if (waitMs > 0) yield* Effect.sleep(Duration.millis(waitMs))
      })

    const retries = options.maxRetries ?? 3
    const baseMs = Duration.toMillis(Duration.fromInputUnsafe(options.retryBaseDelay ?? "500 millis"))

    // A 429 means the call was not created and the idempotency key was released: retrying cannot double-dial.
    const attempt = (request: Parameters<TelephonyService["originate"]>[0], n: number): ReturnType<TelephonyService["originate"]> =>
      wait(request.from).pipe(
        Effect.andThen(inner.originate(request)),
        Effect.catchTag("CarrierRateLimited", (error) =>
          n >= retries
            ? Effect.fail(error)
            : Effect.sleep(Duration.millis(error.retryAfterMs ?? baseMs * 2 ** n)).pipe(Effect.andThen(attempt(request, n + 1))))
      )

    const originate: TelephonyService["originate"] = (request) => attempt(request, 0)

    return { ...inner, originate } satisfies TelephonyService
  })

/** Decorate the `Telephony` below this layer with CPS caps and throttling retries. */
export const layer = (options: Options): Layer.Layer<Telephony, never, Telephony> =>
  Layer.effect(
    Telephony,
    Effect.gen(function*() {
      const inner = yield* Telephony
      return yield* limit(options)(inner)
    })
  )
