import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { createHmac } from "node:crypto"
import { WebhookSignature } from "../src/index.ts"

const secret = "whsec_0123456789abcdef"
const body = '{"type":"call.completed","activity":{"idempotencyKey":"k1"}}'
const now = 1_780_000_000

const reason = (r: Result.Result<void, WebhookSignature.WebhookSignatureInvalid>) => (Result.isFailure(r) ? r.failure.reason : "ok")

describe("WebhookSignature", () => {
  it("is HMAC-SHA256 over '<timestamp>.<body>' in hex, as documented for receivers", () => {
    const expected = createHmac("sha256", secret).update(`${now}.${body}`).digest("hex")
    assert.strictEqual(WebhookSignature.sign(secret, now, body), `v1=${expected}`)
  })

  it("accepts a genuine delivery, also among rotated signatures", () => {
    const signature = WebhookSignature.sign(secret, now, body)
    assert.strictEqual(reason(WebhookSignature.verify({ secret, body, timestamp: String(now), signature, nowSeconds: now + 10 })), "ok")
    const rotated = `${WebhookSignature.sign("old-secret-xxxxxxxx", now, body)}, ${signature}`
    assert.strictEqual(reason(WebhookSignature.verify({ secret, body, timestamp: String(now), signature: rotated, nowSeconds: now })), "ok")
  })

  it("rejects a tampered body, a wrong secret, a replayed timestamp and missing headers", () => {
    const signature = WebhookSignature.sign(secret, now, body)
    const base = { secret, body, timestamp: String(now), signature, nowSeconds: now }
    assert.strictEqual(reason(WebhookSignature.verify({ ...base, body: body.replace("k1", "k2") })), "mismatch")
    assert.strictEqual(reason(WebhookSignature.verify({ ...base, secret: "another-secret-123" })), "mismatch")
    assert.strictEqual(reason(WebhookSignature.verify({ ...base, timestamp: String(now + 1) })), "mismatch")
    assert.strictEqual(reason(WebhookSignature.verify({ ...base, nowSeconds: now + 301 })), "stale")
    assert.strictEqual(reason(WebhookSignature.verify({ ...base, signature: undefined })), "missing")
    assert.strictEqual(reason(WebhookSignature.verify({ ...base, signature: "sha256=abc" })), "malformed")
    assert.strictEqual(reason(WebhookSignature.verify({ ...base, timestamp: "yesterday" })), "malformed")
  })
})
