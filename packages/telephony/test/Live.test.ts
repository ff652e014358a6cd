/**
 * Against the real Twilio and Plivo APIs. These run only when credentials are
 * in the environment (the one skip allowed in CI):
 *
 *   TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN   (test credentials work: the default
 *     caller id is Twilio's magic +15005550006, which queues without dialling)
 *   TWILIO_FROM, TWILIO_TO                  (optional: a real caller id you own
 *     and a number to ring; the call is hung up right away)
 *   PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN
 *   PLIVO_FROM, PLIVO_TO                    (optional, as above)
 *   LIVE_WEBHOOK_BASE_URL                   (optional: where the carrier may POST callbacks)
 *
 * Without a caller id of yours, each test sends a call the carrier must refuse
 * (an unowned caller id) and checks that the refusal comes back as
 * CarrierRejected: auth, wire format and error mapping against the real API,
 * without ringing anyone.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as PlivoAdapter from "../src/PlivoAdapter.ts"
import { Telephony } from "../src/Telephony.ts"
import * as TwilioAdapter from "../src/TwilioAdapter.ts"

const env = (name: string): string | undefined => {
  const value = process.env[name]
  return value === undefined || value === "" ? undefined : value
}
const webhookBase = env("LIVE_WEBHOOK_BASE_URL") ?? "https://example.invalid/webhooks"

const twilioSid = env("TWILIO_ACCOUNT_SID")
const twilioToken = env("TWILIO_AUTH_TOKEN")

describe.skipIf(twilioSid === undefined || twilioToken === undefined)("live: Twilio", () => {
  it.live("originates through the real Calls API", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const from = env("TWILIO_FROM") ?? "+15005550006"
      const to = env("TWILIO_TO") ?? "+14155550123"
      const result = yield* Effect.result(telephony.originate({ to, from, ringTimeoutSec: 15, amd: "detect", record: false, idempotencyKey: `live-${Date.now()}` }))
      if (result._tag === "Success") {
        assert.match(result.success.providerCallId ?? "", /^CA[0-9a-f]{32}$/)
        if (env("TWILIO_FROM") !== undefined) yield* telephony.hangUp(result.success.callId).pipe(Effect.ignore)
      } else {
        assert.strictEqual(result.failure._tag, "CarrierRejected", String(result.failure))
      }
    }).pipe(Effect.provide(TwilioAdapter.layer({ accountSid: twilioSid ?? "", authToken: Redacted.make(twilioToken ?? ""), webhookBaseUrl: `${webhookBase}/twilio` }))), 30_000)
})

const plivoId = env("PLIVO_AUTH_ID")
const plivoToken = env("PLIVO_AUTH_TOKEN")

describe.skipIf(plivoId === undefined || plivoToken === undefined)("live: Plivo", () => {
  it.live("originates through the real Make Call API", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const from = env("PLIVO_FROM") ?? "+14155550100"
      const to = env("PLIVO_TO") ?? "+14155550123"
      const result = yield* Effect.result(telephony.originate({ to, from, ringTimeoutSec: 15, amd: "off", record: false, idempotencyKey: `live-${Date.now()}` }))
      if (result._tag === "Success") {
        assert.match(result.success.providerCallId ?? "", /^[0-9a-f-]{36}$/)
        yield* telephony.cancel(result.success.callId).pipe(Effect.ignore)
      } else {
        assert.strictEqual(result.failure._tag, "CarrierRejected", String(result.failure))
      }
    }).pipe(Effect.provide(PlivoAdapter.layer({ authId: plivoId ?? "", authToken: Redacted.make(plivoToken ?? ""), webhookBaseUrl: `${webhookBase}/plivo` }))), 30_000)
})
