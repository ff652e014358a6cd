import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { randomUUID } from "node:crypto"
import { Effect, Fiber, Redacted, Stream } from "effect"
import * as PlivoAdapter from "../src/PlivoAdapter.ts"
import { Telephony, type OriginateRequest, type WebhookRequest } from "../src/Telephony.ts"
import { nonce, type PlivoFake, signV3, startPlivoFake } from "./support/PlivoFake.ts"

const authId = "MAODUZYTQ0Y2FMYJBLOW"
const authToken = "plivo-test-token-0123456789abcdef"
const webhookBaseUrl = "https://dialer.example.com/webhooks/plivo"

let fake: PlivoFake
beforeAll(async () => {
  fake = await startPlivoFake(authId, authToken)
})
afterAll(() => fake.close())

const layer = () => PlivoAdapter.layer({ authId, authToken: Redacted.make(authToken), webhookBaseUrl, apiBaseUrl: fake.origin, holdSeconds: 40 })

const request = (key: string, overrides: Partial<OriginateRequest> = {}): OriginateRequest => ({
  to: "+14155550123",
  from: "+14155550100",
  ringTimeoutSec: 25,
  amd: "detect",
  record: false,
  idempotencyKey: key,
  ...overrides
})

const signed = (url: string, params: Record<string, string>, token = authToken): WebhookRequest => {
  const n = nonce()
  return {
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded", "X-Plivo-Signature-V3": signV3(url, n, token, params), "X-Plivo-Signature-V3-Nonce": n },
    body: new URLSearchParams(params).toString()
  }
}

const hookUrl = (kind: string, callId: string) => `${webhookBaseUrl}/${kind}?callId=${callId}`
const callParams = (callUuid: string, requestUuid: string, event: string, status: string, extra: Record<string, string> = {}) => ({
  CallUUID: callUuid,
  RequestUUID: requestUuid,
  ALegUUID: callUuid,
  Direction: "outbound",
  From: "14155550100",
  To: "14155550123",
  Event: event,
  CallStatus: status,
  ...extra
})

describe("PlivoAdapter against a loopback Plivo REST fake", () => {
  it.effect("originate sends the documented Make Call parameters and keeps request_uuid apart from CallUUID", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const before = fake.requests.length
      const handle = yield* telephony.originate(request("p-params"))
      const sent = fake.requests[before]
      assert.strictEqual(sent?.method, "POST")
      assert.strictEqual(sent?.path, `/v1/Account/${authId}/Call/`)
      assert.strictEqual(sent?.contentType, "application/json")
      assert.deepStrictEqual(sent?.json, {
        from: "14155550100",
        to: "14155550123",
        answer_url: hookUrl("answer", handle.callId),
        answer_method: "POST",
        ring_url: hookUrl("ring", handle.callId),
        ring_method: "POST",
        hangup_url: hookUrl("hangup", handle.callId),
        hangup_method: "POST",
        ring_timeout: 25,
        machine_detection: "true",
        machine_detection_url: hookUrl("amd", handle.callId),
        machine_detection_method: "POST"
      })
      assert.match(handle.providerCallId ?? "", /^[0-9a-f-]{36}$/)
      // Before any callback only the request UUID is known: hang-up cancels the request.
      yield* telephony.hangUp(handle.callId)
      assert.strictEqual(fake.requests.at(-1)?.method, "DELETE")
      assert.strictEqual(fake.requests.at(-1)?.path, `/v1/Account/${authId}/Request/${handle.providerCallId}/`)
      const again = yield* telephony.originate(request("p-params"))
      assert.isTrue(again.deduplicated)
      assert.strictEqual(fake.requests.length, before + 2)
    }).pipe(Effect.provide(layer())))

  it.effect("maps Plivo errors to tagged errors with retryability", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      fake.failNext(400, "invalid from number")
      const e1 = yield* Effect.flip(telephony.originate(request("p-400")))
      assert.strictEqual(e1._tag, "CarrierRejected")
      assert.include(e1.message, "invalid from number")
      fake.failNext(429, "too many requests", 3)
      const e2 = yield* Effect.flip(telephony.originate(request("p-429")))
      assert.strictEqual(e2._tag, "CarrierRateLimited")
      assert.strictEqual(e2._tag === "CarrierRateLimited" ? e2.retryAfterMs : undefined, 3000)
      assert.isFalse((yield* telephony.originate(request("p-429"))).deduplicated)
      fake.failNext(503, "service unavailable")
      const e3 = yield* Effect.flip(telephony.originate(request("p-503")))
      assert.strictEqual(e3._tag, "CarrierUnavailable")
      assert.isTrue(e3.isRetryable)
    }).pipe(Effect.provide(layer())))

  it.effect("signed ring, answer, AMD and hangup callbacks drive the state machine; replays are absorbed", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const collected = yield* Stream.runCollect(telephony.events.pipe(Stream.takeUntil((e) => e._tag === "Completed"))).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      const handle = yield* telephony.originate(request("p-flow"))
      const requestUuid = handle.providerCallId ?? ""
      const callUuid = randomUUID()
      yield* telephony.handleWebhook(signed(hookUrl("ring", handle.callId), callParams(callUuid, requestUuid, "Ring", "ringing")))
      const answer = yield* telephony.handleWebhook(signed(hookUrl("answer", handle.callId), callParams(callUuid, requestUuid, "StartApp", "in-progress")))
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.body, '<Response><Wait length="40"/></Response>')
      const replayed = signed(hookUrl("ring", handle.callId), callParams(callUuid, requestUuid, "Ring", "ringing"))
      assert.isUndefined((yield* telephony.handleWebhook(replayed)).event)
      assert.isUndefined((yield* telephony.handleWebhook(replayed)).event)
      yield* telephony.handleWebhook(signed(hookUrl("amd", handle.callId), { CallUUID: callUuid, RequestUUID: requestUuid, Machine: "true", MachineDetectionTime: "3100" }))

      // Safe-harbour: Plivo is transferred to a document this adapter then serves.
      yield* telephony.playAndRelease(handle.callId, { _tag: "Speech", text: "Sorry, nobody is free." })
      const transfer = fake.requests.at(-1)
      assert.strictEqual(transfer?.path, `/v1/Account/${authId}/Call/${callUuid}/`)
      assert.strictEqual(transfer?.json["legs"], "aleg")
      assert.strictEqual(transfer?.json["aleg_method"], "POST")
      const actionUrl = String(transfer?.json["aleg_url"])
      assert.match(actionUrl, /\/action\?callId=.*&token=/)
      const doc = yield* telephony.handleWebhook(signed(actionUrl, callParams(callUuid, requestUuid, "Redirect", "in-progress")))
      assert.strictEqual(doc.body, '<Response><Speak>Sorry, nobody is free.</Speak><Hangup/></Response>')

      yield* telephony.handleWebhook(signed(hookUrl("hangup", handle.callId), callParams(callUuid, requestUuid, "Hangup", "completed", { Duration: "12", BillDuration: "60", TotalCost: "0.00850", HangupCause: "NORMAL_CLEARING" })))
      // The call is over: its pending documents are forgotten.
      const gone = yield* Effect.flip(telephony.handleWebhook(signed(actionUrl, callParams(callUuid, requestUuid, "Redirect", "in-progress"))))
      assert.include(gone.message, "no call-control document")
      const events = yield* Fiber.join(collected)
      assert.deepStrictEqual(events.map((e) => e._tag), ["Ringing", "Answered", "Answered", "Completed"])
      const state = yield* telephony.state(handle.callId)
      assert.strictEqual(state.status, "completed")
      assert.strictEqual(state.providerCallId, callUuid)
      assert.strictEqual(state.answeredBy, "machine_start")
      assert.strictEqual(state.amdDecisionMs, 3100)
      assert.deepStrictEqual(state.price, { amount: 0.0085, currency: "USD" })
    }).pipe(Effect.provide(layer())))

  it.effect("hangup causes map to busy, no-answer, canceled and failed", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const cases = [
        ["busy", "USER_BUSY", "busy"],
        ["no-answer", "NO_ANSWER", "no_answer"],
        ["timeout", "NO_ANSWER", "no_answer"],
        ["cancel", "ORIGINATOR_CANCEL", "canceled"],
        ["failed", "UNALLOCATED_NUMBER", "failed"]
      ] as const
      for (const [status, cause, expected] of cases) {
        const handle = yield* telephony.originate(request(`p-${status}`))
        yield* telephony.handleWebhook(signed(hookUrl("hangup", handle.callId), callParams(randomUUID(), handle.providerCallId ?? "", "Hangup", status, { HangupCause: cause })))
        const state = yield* telephony.state(handle.callId)
        assert.strictEqual(state.status, expected, status)
        if (expected === "failed") assert.strictEqual(state.failure?.reason, "invalid_number")
      }
    }).pipe(Effect.provide(layer())))

  it.effect("forged, wrong-URL and tampered webhooks are rejected; malformed ones named", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const handle = yield* telephony.originate(request("p-forged"))
      const params = callParams(randomUUID(), handle.providerCallId ?? "", "StartApp", "in-progress")
      const forged = signed(hookUrl("answer", handle.callId), params, "wrong-token")
      assert.strictEqual((yield* Effect.flip(telephony.handleWebhook(forged)))._tag, "InvalidWebhookSignature")
      const wrongUrl = { ...signed(hookUrl("answer", "someone-else"), params), url: hookUrl("answer", handle.callId) }
      assert.strictEqual((yield* Effect.flip(telephony.handleWebhook(wrongUrl)))._tag, "InvalidWebhookSignature")
      const ok = signed(hookUrl("answer", handle.callId), params)
      const tampered = { ...ok, body: ok.body.replace("in-progress", "completed") }
      assert.strictEqual((yield* Effect.flip(telephony.handleWebhook(tampered)))._tag, "InvalidWebhookSignature")
      assert.strictEqual((yield* telephony.state(handle.callId)).status, "pending")

      const malformed = yield* Effect.flip(telephony.handleWebhook(signed(hookUrl("answer", handle.callId), { ...params, CallUUID: "not-a-uuid" })))
      assert.strictEqual(malformed._tag, "MalformedWebhook")
      assert.include(malformed.message, "CallUUID")
      assert.include(malformed.message, "not-a-uuid")
    }).pipe(Effect.provide(layer())))

  it.effect("bridge serves a Dial document; the Dial answer callback marks the call bridged", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const handle = yield* telephony.originate(request("p-bridge", { amd: "off" }))
      const callUuid = randomUUID()
      yield* telephony.handleWebhook(signed(hookUrl("answer", handle.callId), callParams(callUuid, handle.providerCallId ?? "", "StartApp", "in-progress")))
      yield* telephony.bridge(handle.callId, { _tag: "Phone", number: "+14155550199" })
      const doc = yield* telephony.handleWebhook(signed(String(fake.requests.at(-1)?.json["aleg_url"]), {}))
      assert.strictEqual(doc.body, `<Response><Dial callbackUrl="${hookUrl("dial", handle.callId).replace("&", "&amp;")}" callbackMethod="POST" callerId="14155550100"><Number>14155550199</Number></Dial></Response>`)
      assert.strictEqual((yield* telephony.state(handle.callId)).status, "answered")
      yield* telephony.handleWebhook(signed(hookUrl("dial", handle.callId), { CallUUID: callUuid, DialAction: "answer", DialBLegUUID: randomUUID(), DialBLegTo: "14155550199" }))
      const state = yield* telephony.state(handle.callId)
      assert.strictEqual(state.status, "bridged")
      assert.strictEqual(state.bridgedTo, "14155550199")
      yield* telephony.connectMediaStream(handle.callId, { url: "wss://ai.example.com/voice" })
      const stream = yield* telephony.handleWebhook(signed(String(fake.requests.at(-1)?.json["aleg_url"]), {}))
      assert.include(stream.body, "<Stream")
      assert.include(stream.body, ">wss://ai.example.com/voice</Stream>")
      yield* telephony.hangUp(handle.callId)
      assert.strictEqual(fake.requests.at(-1)?.path, `/v1/Account/${authId}/Call/${callUuid}/`)
      assert.strictEqual(fake.requests.at(-1)?.method, "DELETE")
    }).pipe(Effect.provide(layer())))
})
