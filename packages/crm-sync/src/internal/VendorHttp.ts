/**
 * The request loop every HTTP connector shares: rate-limit token, credentials, send, then
 * 429 -> wait `Retry-After` (or seeded jittered backoff) and retry; expired token -> refresh once
 * and retry; 5xx / network error -> backoff and retry when the request is idempotent; anything
 * else -> a typed CrmError. Response bodies are decoded with the caller's Schema.
 */
import { Clock, Effect, Ref, Schema } from "effect"
import { HttpClient, type HttpClientRequest } from "effect/http"
import * as Backoff from "../Backoff.ts"
import {
  type CrmError,
  CrmRateLimited,
  CrmRequestFailed,
  CrmResponseInvalid,
  CrmUnauthorized
} from "../CrmError.ts"
import type { CrmType } from "@autodialer/domain/Enums"
import { bucketKey, RateLimiter } from "../RateLimiter.ts"
import type { TokenBucketPolicy } from "../TokenBucket.ts"

export interface VendorResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

export interface VendorAuth {
  /** Adds the current credentials to a request, and says which credential generation it used. */
  readonly authorize: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<{ readonly request: HttpClientRequest.HttpClientRequest; readonly generation: number }, CrmError>
  /** Replaces the credentials of `generation` (a no-op if already replaced); null when they cannot be refreshed. */
  readonly refresh: ((generation: number) => Effect.Effect<void, CrmError>) | null
}

export interface VendorHttpConfig {
  readonly provider: CrmType
  readonly organizationId: string
  readonly rateLimit: TokenBucketPolicy
  readonly backoff: Backoff.BackoffPolicy
  /** Seed of the jitter generator: the same seed gives the same retry delays. */
  readonly seed: number
  /** Whether a response means "your access token expired". Default: status 401. */
  readonly isAuthExpired?: (response: VendorResponse) => boolean
  /** Whether a response means "slow down". Default: status 429. */
  readonly isRateLimited?: (response: VendorResponse) => boolean
}

export interface SendOptions {
  /** Safe to resend after a 5xx or a lost connection (GET, upsert by external id). */
  readonly idempotent: boolean
}

export interface VendorHttp {
  readonly send: (
    operation: string,
    request: HttpClientRequest.HttpClientRequest,
    options: SendOptions
  ) => Effect.Effect<VendorResponse, CrmError>
  /** `send`, then require 2xx and decode the JSON body. */
  readonly json: <S extends Schema.Top & { readonly DecodingServices: never }>(
    operation: string,
    request: HttpClientRequest.HttpClientRequest,
    schema: S,
    options: SendOptions
  ) => Effect.Effect<S["Type"], CrmError>
}

const snippet = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}…` : text)

/** A URL for messages: no query string, which may hold tokens or personal data. */
export const describeUrl = (url: string): string => {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return "<invalid url>"
  }
}

export const make = (
  config: VendorHttpConfig,
  auth: VendorAuth
): Effect.Effect<VendorHttp, never, HttpClient.HttpClient | RateLimiter> =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const limiter = yield* RateLimiter
    const seed = yield* Ref.make(config.seed)
    const bucket = bucketKey(config.provider, config.organizationId)
    const isAuthExpired = config.isAuthExpired ?? ((r: VendorResponse) => r.status === 401)
    const isRateLimited = config.isRateLimited ?? ((r: VendorResponse) => r.status === 429)
    const nextDelay = (attempt: number) => Ref.modify(seed, (s) => Backoff.delay(config.backoff, attempt, s))

    const send = (
      operation: string,
      request: HttpClientRequest.HttpClientRequest,
      options: SendOptions
    ): Effect.Effect<VendorResponse, CrmError> =>
      Effect.gen(function*() {
        let attempt = 0
        let refreshed = false
        const fail = (status: number | null, message: string) =>
          new CrmRequestFailed({ provider: config.provider, operation, status, message })
        while (true) {
          yield* limiter.acquire(bucket, config.rateLimit)
          const authorized = yield* auth.authorize(request)
          const outcome = yield* client.execute(authorized.request).pipe(
            Effect.flatMap((res) =>
              Effect.map(res.text, (text): VendorResponse => ({ status: res.status, headers: res.headers, text }))
            ),
            Effect.result
          )
          if (outcome._tag === "Failure") {
            if (options.idempotent && attempt < config.backoff.maxRetries) {
              yield* Effect.sleep(yield* nextDelay(attempt))
              attempt++
              continue
            }
            return yield* fail(null, `${request.method} ${describeUrl(request.url)} failed: ${outcome.failure.reason._tag}`)
          }
          const response = outcome.success
          if (isRateLimited(response)) {
            const now = yield* Clock.currentTimeMillis
            const retryAfter = Backoff.parseRetryAfter(response.headers["retry-after"], now)
            const maxWait = config.backoff.maxWaitMillis ?? 60_000
            if (retryAfter !== null && retryAfter > maxWait) {
              return yield* new CrmRateLimited({
                provider: config.provider,
                operation,
                retryAfterMillis: retryAfter,
                message: `${config.provider} asks to retry ${operation} in ${Math.round(retryAfter / 1000)}s, longer than we wait in-process; retry later`
              })
            }
            if (attempt >= config.backoff.maxRetries) {
              return yield* new CrmRateLimited({
                provider: config.provider,
                operation,
                retryAfterMillis: retryAfter,
                message: `${config.provider} kept rate limiting ${operation} after ${attempt} retries: ${snippet(response.text)}`
              })
            }
            yield* Effect.sleep(retryAfter ?? (yield* nextDelay(attempt)))
            attempt++
            continue
          }
          if (isAuthExpired(response)) {
            if (auth.refresh !== null && !refreshed) {
              yield* auth.refresh(authorized.generation)
              refreshed = true
              continue
            }
            return yield* new CrmUnauthorized({
              provider: config.provider,
              operation,
              status: response.status,
              message: `${config.provider} refused the credentials${refreshed ? " even after a token refresh" : ""}: ${snippet(response.text)}`
            })
          }
          if (response.status >= 500 && options.idempotent && attempt < config.backoff.maxRetries) {
            yield* Effect.sleep(yield* nextDelay(attempt))
            attempt++
            continue
          }
          return response
        }
      })

    const json = <S extends Schema.Top & { readonly DecodingServices: never }>(
      operation: string,
      request: HttpClientRequest.HttpClientRequest,
      schema: S,
      options: SendOptions
    ): Effect.Effect<S["Type"], CrmError> =>
      Effect.gen(function*() {
        const response = yield* send(operation, request, options)
        if (response.status < 200 || response.status >= 300) {
          return yield* new CrmRequestFailed({
            provider: config.provider,
            operation,
            status: response.status,
            message: `${request.method} ${describeUrl(request.url)} answered ${response.status}: ${snippet(response.text)}`
          })
        }
        return yield* decodeJson(config.provider, operation, schema, response.text)
      })

    return { send, json }
  })

/** Parses and decodes a vendor JSON body; the error quotes the schema's complaint and path. */
export const decodeJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
  provider: CrmType,
  operation: string,
  schema: S,
  text: string
): Effect.Effect<S["Type"], CrmResponseInvalid> =>
  Effect.gen(function*() {
    const parsed = yield* Effect.try({
      try: () => (text.length === 0 ? null : JSON.parse(text)) as unknown,
      catch: () => new CrmResponseInvalid({ provider, operation, message: `response is not JSON: ${snippet(text)}` })
    })
    return yield* (Schema.decodeUnknownEffect(schema as never)(parsed) as Effect.Effect<S["Type"], Schema.SchemaError>).pipe(
      Effect.mapError((e) =>
        new CrmResponseInvalid({ provider, operation, message: `response does not match the ${provider} API format: ${e.message}` })
      )
    )
  })
