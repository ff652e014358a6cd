/**
 * Signatures of our outbound webhooks, and the helper receivers use to check them.
 *
 * Each delivery carries `X-Autodialer-Timestamp` (Unix seconds) and
 * `X-Autodialer-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. Signing the
 * timestamp with the body stops replays of an old delivery; receivers reject timestamps outside a
 * tolerance window (5 minutes by default). Comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Result, Schema } from "effect"

export const timestampHeader = "x-autodialer-timestamp"
export const signatureHeader = "x-autodialer-signature"

/** `v1=<hex>` for `body` sent at `timestampSeconds`. */
export const sign = (secret: string, timestampSeconds: number, body: string | Uint8Array): string => {
  const hmac = createHmac("sha256", secret)
  hmac.update(`${timestampSeconds}.`)
  hmac.update(body)
  return `v1=${hmac.digest("hex")}`
}

export class WebhookSignatureInvalid extends Schema.TaggedError<WebhookSignatureInvalid>()("WebhookSignatureInvalid", {
  reason: Schema.Literals(["missing", "malformed", "stale", "mismatch"]),
  message: Schema.String
}) {}

export interface VerifyInput {
  readonly secret: string
  /** The raw request body, exactly as received. */
  readonly body: string | Uint8Array
  readonly timestamp: string | undefined
  readonly signature: string | undefined
  /** Receiver's clock, Unix seconds. */
  readonly nowSeconds: number
  readonly toleranceSeconds?: number
}

export const verify = (input: VerifyInput): Result.Result<void, WebhookSignatureInvalid> => {
  const fail = (reason: WebhookSignatureInvalid["reason"], message: string) =>
    Result.fail(new WebhookSignatureInvalid({ reason, message }))
  if (input.timestamp === undefined || input.signature === undefined) {
    return fail("missing", `both ${timestampHeader} and ${signatureHeader} headers are required`)
  }
  if (!/^\d{1,12}$/.test(input.timestamp)) {
    return fail("malformed", `${timestampHeader} '${input.timestamp}' is not Unix seconds`)
  }
  const timestamp = Number(input.timestamp)
  const tolerance = input.toleranceSeconds ?? 300
  if (Math.abs(input.nowSeconds - timestamp) > tolerance) {
    return fail("stale", `timestamp ${timestamp} is more than ${tolerance}s from now (${input.nowSeconds}); possible replay`)
  }
  // Receivers may see several signatures during secret rotation: "v1=a, v1=b".
  const offered = input.signature.split(",").map((s) => s.trim()).filter((s) => /^v1=[0-9a-f]{64}$/.test(s))
  if (offered.length === 0) return fail("malformed", `${signatureHeader} must be 'v1=' followed by 64 hex digits`)
  const expected = Buffer.from(sign(input.secret, timestamp, input.body))
  const match = offered.some((s) => {
    const candidate = Buffer.from(s)
    return candidate.length === expected.length && timingSafeEqual(candidate, expected)
  })
  return match ? Result.succeed(undefined) : fail("mismatch", "signature does not match the body and timestamp")
}
