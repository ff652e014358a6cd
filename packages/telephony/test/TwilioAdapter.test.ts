import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { Effect, Fiber, Redacted, Stream } from "effect"
import twilio from "twilio"
import * as TwilioAdapter from "../src/TwilioAdapter.ts"
import { Telephony, type OriginateRequest, type WebhookRequest } from "../src/Telephony.ts"
import { sid, startTwilioFake, type TwilioFake } from "./support/TwilioFake.ts"

const accountSid = sid("AC")
const authToken = "f1e2d3c4b5a697887766554433221100"
const webhookBaseUrl = "https://dialer.example.com/webhooks/twilio"

let fake: TwilioFake
beforeAll(async () => {
  fake = await startTwilioFake(accountSid, authToken)
})
afterAll(() => fake.close())

const layer = () => TwilioAdapter.layer({ accountSid, authToken: Redacted.make(authToken), webhookBaseUrl, apiBaseUrl: fake.origin, holdSeconds: 45 })

const request = (key: string, overrides: Partial<OriginateRequest> = {}): OriginateRequest => ({
  to: "+14155550123",
  from: "+14155550100",
  ringTimeoutSec: 25,
  amd: "detect_beep",
  record: true,
  idempotencyKey: key,
  ...overrides
})

/** A webhook exactly as Twilio sends it, signed by the SDK's own helper. */
const signed = (url: string, params: Record<string, string>, token = authToken): WebhookRequest => ({
  method: "POST",
  url,
  headers: { "content-type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio.getExpectedTwilioSignature(token, url, params) },
  body: new URLSearchParams(params).toString()
})

const statusUrl = (callId: string) => `${webhookBaseUrl}/status?callId=${callId}`
const amdUrl = (callId: string) => `${webhookBaseUrl}/amd?callId=${callId}`
const status = (callSid: string, callStatus: string, extra: Record<string, string> = {}) => ({
  CallSid: callSid,
  AccountSid: accountSid,
  From: "+14155550100",
  To: "+14155550123",
  CallStatus: callStatus,
  ApiVersion: "2010-04-01",
  Direction: "outbound-api",
  Timestamp: "Wed, 25 Nov 2026 18:00:00 +0000",
  ...extra
})

const form = (i: number) => fake.requests[i]?.form ?? []

describe("TwilioAdapter against a loopback Twilio REST fake", () => {
  it.effect("originate sends the documented Calls API parameters", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const before = fake.requests.length
      const handle = yield* telephony.originate(request("k-params"))
      assert.match(handle.providerCallId ?? "", /^CA[0-9a-f]{32}$/)
      const sent = fake.requests[before]
      assert.strictEqual(sent?.path, `/2010-04-01/Accounts/${accountSid}/Calls.json`)
      assert.strictEqual(sent?.contentType, "application/x-www-form-urlencoded")
      const fields = form(before)
      const one = (k: string) => fields.filter(([key]) => key === k).map(([, v]) => v)
      assert.deepStrictEqual(one("To"), ["+14155550123"])
      assert.deepStrictEqual(one("From"), ["+14155550100"])
      assert.deepStrictEqual(one("Timeout"), ["25"])
      assert.deepStrictEqual(one("Record"), ["true"])
      assert.deepStrictEqual(one("MachineDetection"), ["DetectMessageEnd"])
      assert.deepStrictEqual(one("AsyncAmd"), ["true"])
      assert.deepStrictEqual(one("AsyncAmdStatusCallback"), [amdUrl(handle.callId)])
      assert.deepStrictEqual(one("StatusCallback"), [statusUrl(handle.callId)])
      assert.deepStrictEqual(one("StatusCallbackEvent"), ["initiated", "ringing", "answered", "completed"])
      assert.deepStrictEqual(one("Twiml"), ['<?xml version="1.0" encoding="UTF-8"?><Response><Pause length="45"/></Response>'])
    }).pipe(Effect.provide(layer())))

  it.effect("AMD off sends no MachineDetection; a retried originate never dials twice", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const before = fake.requests.length
      const a = yield* telephony.originate(request("k-once", { amd: "off", record: false }))
      const b = yield* telephony.originate(request("k-once", { amd: "off", record: false }))
      assert.strictEqual(fake.requests.length, before + 1)
      assert.strictEqual(b.callId, a.callId)
      assert.strictEqual(b.providerCallId, a.providerCallId)
      assert.isTrue(b.deduplicated)
      assert.isFalse(form(before).some(([k]) => k === "MachineDetection" || k === "AsyncAmd"))
    }).pipe(Effect.provide(layer())))

  it.effect("maps Twilio errors: 400 -> CarrierRejected (final), 429 -> rate limited and the key stays usable, 503 -> unavailable", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const rejected = yield* Effect.flip(telephony.originate(request("k-bad", { to: "+999" as string })))
      assert.strictEqual(rejected._tag, "InvalidCallRequest") // caught at the port, never sent

      fake.failNext(400, 21215, "Account not authorized to call +14155550123")
      const e1 = yield* Effect.flip(telephony.originate(request("k-geo")))
      assert.strictEqual(e1._tag, "CarrierRejected")
      assert.isFalse(e1.isRetryable)
      assert.include(e1.message, "21215")

      fake.failNext(429, 20429, "Too Many Requests", 2)
      const e2 = yield* Effect.flip(telephony.originate(request("k-429")))
      assert.strictEqual(e2._tag, "CarrierRateLimited")
      assert.isTrue(e2.isRetryable)
      assert.strictEqual(e2._tag === "CarrierRateLimited" ? e2.retryAfterMs : undefined, 2000)
      const retried = yield* telephony.originate(request("k-429"))
      assert.isFalse(retried.deduplicated)

      fake.failNext(503, 20503, "Service Unavailable")
      const e3 = yield* Effect.flip(telephony.originate(request("k-503")))
      assert.strictEqual(e3._tag, "CarrierUnavailable")
      // An ambiguous failure keeps the key: a retry must not dial a second time.
      const again = yield* telephony.originate(request("k-503"))
      assert.isTrue(again.deduplicated)
    }).pipe(Effect.provide(layer())))

  it.effect("signed status and AMD callbacks drive the state machine; duplicates and late events are absorbed", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const collected = yield* Stream.runCollect(telephony.events.pipe(Stream.takeUntil((e) => e._tag === "Completed"))).pipe(Effect.forkChild)
      yield* Effect.yieldNow
      const handle = yield* telephony.originate(request("k-flow"))
      const callSid = handle.providerCallId ?? ""
      const send = (url: string, params: Record<string, string>) => telephony.handleWebhook(signed(url, params))

      const r1 = yield* send(statusUrl(handle.callId), status(callSid, "initiated", { SequenceNumber: "0" }))
      assert.strictEqual(r1.status, 204)
      assert.strictEqual(r1.event?._tag, "Initiated")
      yield* send(statusUrl(handle.callId), status(callSid, "ringing", { SequenceNumber: "1" }))
      // Twilio retried the ringing callback: absorbed.
      const dup = yield* send(statusUrl(handle.callId), status(callSid, "ringing", { SequenceNumber: "1" }))
      assert.isUndefined(dup.event)
      yield* send(statusUrl(handle.callId), status(callSid, "in-progress", { SequenceNumber: "2" }))
      yield* send(amdUrl(handle.callId), { CallSid: callSid, AccountSid: accountSid, AnsweredBy: "machine_end_beep", MachineDetectionDuration: "8450" })
      yield* telephony.dropVoicemail(handle.callId, { _tag: "Audio", url: "https://cdn.example.com/vm.mp3" })
      const update = fake.requests.at(-1)
      assert.strictEqual(update?.path, `/2010-04-01/Accounts/${accountSid}/Calls/${callSid}.json`)
      assert.deepStrictEqual(update?.form, [["Twiml", '<?xml version="1.0" encoding="UTF-8"?><Response><Play>https://cdn.example.com/vm.mp3</Play><Hangup/></Response>']])
      yield* send(statusUrl(handle.callId), status(callSid, "completed", { SequenceNumber: "3", CallDuration: "31" }))
      // A ringing callback delivered late, after the end, changes nothing.
      const late = yield* send(statusUrl(handle.callId), status(callSid, "ringing", { SequenceNumber: "1", Timestamp: "x" }))
      assert.isUndefined(late.event)

      const events = yield* Fiber.join(collected)
      assert.deepStrictEqual(events.map((e) => e._tag), ["Initiated", "Ringing", "Answered", "Answered", "Completed"])
      const state = yield* telephony.state(handle.callId)
      assert.strictEqual(state.status, "completed")
      assert.strictEqual(state.answeredBy, "machine_end_beep")
      assert.strictEqual(state.amdDecisionMs, 8450)
      assert.strictEqual(state.durationSec, 31)
    }).pipe(Effect.provide(layer())))

  it.effect("forged, wrong-URL and tampered webhooks are rejected and never stored", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const handle = yield* telephony.originate(request("k-forged"))
      const callSid = handle.providerCallId ?? ""
      const params = status(callSid, "in-progress")

      const forged = signed(statusUrl(handle.callId), params, "00000000000000000000000000000000")
      assert.strictEqual((yield* Effect.flip(telephony.handleWebhook(forged)))._tag, "InvalidWebhookSignature")

      const wrongUrl = { ...signed(`${webhookBaseUrl}/status?callId=other`, params), url: statusUrl(handle.callId) }
      assert.strictEqual((yield* Effect.flip(telephony.handleWebhook(wrongUrl)))._tag, "InvalidWebhookSignature")

      const tampered = signed(statusUrl(handle.callId), params)
      const tamperedBody = { ...tampered, body: tampered.body.replace("in-progress", "completed") }
      assert.strictEqual((yield* Effect.flip(telephony.handleWebhook(tamperedBody)))._tag, "InvalidWebhookSignature")

      const unsigned = { ...tampered, headers: {} }
      assert.strictEqual((yield* Effect.flip(telephony.handleWebhook(unsigned)))._tag, "InvalidWebhookSignature")

      assert.strictEqual((yield* telephony.state(handle.callId)).status, "pending")
    }).pipe(Effect.provide(layer())))

  it.effect("a correctly signed but malformed payload gets a clear error naming the field", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const handle = yield* telephony.originate(request("k-malformed"))
      const error = yield* Effect.flip(telephony.handleWebhook(signed(statusUrl(handle.callId), status(handle.providerCallId ?? "", "answered-ish"))))
      assert.strictEqual(error._tag, "MalformedWebhook")
      assert.include(error.message, "CallStatus")
      assert.include(error.message, "answered-ish")
      const unknown = yield* Effect.flip(telephony.handleWebhook(signed(statusUrl("nope"), status(sid("CA"), "ringing"))))
      assert.strictEqual(unknown._tag, "MalformedWebhook")
      assert.include(unknown.message, "unknown call")
    }).pipe(Effect.provide(layer())))

  it.effect("accepts the JSON body-hash (bodySHA256) variant and rejects a tampered body", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const handle = yield* telephony.originate(request("k-json"))
      const body = JSON.stringify(status(handle.providerCallId ?? "", "ringing"))
      const url = `${statusUrl(handle.callId)}&bodySHA256=${twilio.getExpectedBodyHash(body)}`
      const req: WebhookRequest = {
        method: "POST",
        url,
        headers: { "content-type": "application/json", "x-twilio-signature": twilio.getExpectedTwilioSignature(authToken, url, {}) },
        body
      }
      const ok = yield* telephony.handleWebhook(req)
      assert.strictEqual(ok.event?._tag, "Ringing")
      const bad = yield* Effect.flip(telephony.handleWebhook({ ...req, body: body.replace("ringing", "busy") }))
      assert.strictEqual(bad._tag, "InvalidWebhookSignature")
    }).pipe(Effect.provide(layer())))

  it.effect("bridge, safe-harbour, stream and cancel send the right TwiML and statuses", () =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      const handle = yield* telephony.originate(request("k-actions", { amd: "off" }))
      const callSid = handle.providerCallId ?? ""
      const early = yield* Effect.flip(telephony.bridge(handle.callId, { _tag: "Client", identity: "agent-7" }))
      assert.strictEqual(early._tag, "InvalidCallState")
      yield* telephony.handleWebhook(signed(statusUrl(handle.callId), status(callSid, "in-progress")))
      yield* telephony.bridge(handle.callId, { _tag: "Sip", uri: "sip:agent7@pbx.example.com" })
      assert.deepStrictEqual(fake.requests.at(-1)?.form, [["Twiml", '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true" callerId="+14155550100"><Sip>sip:agent7@pbx.example.com</Sip></Dial></Response>']])
      assert.strictEqual((yield* telephony.state(handle.callId)).status, "bridged")
      yield* telephony.connectMediaStream(handle.callId, { url: "wss://ai.example.com/voice", parameters: { campaign: "c1" } })
      assert.deepStrictEqual(fake.requests.at(-1)?.form, [["Twiml", `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://ai.example.com/voice"><Parameter name="callId" value="${handle.callId}"/><Parameter name="campaign" value="c1"/></Stream></Connect></Response>`]])
      yield* telephony.playAndRelease(handle.callId, { _tag: "Speech", text: "Sorry we missed you." })
      assert.deepStrictEqual(fake.requests.at(-1)?.form, [["Twiml", '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry we missed you.</Say><Hangup/></Response>']])
      yield* telephony.hangUp(handle.callId)
      assert.deepStrictEqual(fake.requests.at(-1)?.form, [["Status", "completed"]])

      const ringing = yield* telephony.originate(request("k-cancel"))
      yield* telephony.cancel(ringing.callId)
      assert.deepStrictEqual(fake.requests.at(-1)?.form, [["Status", "canceled"]])
      assert.strictEqual(fake.calls.get(ringing.providerCallId ?? "")?.["status"], "canceled")
    }).pipe(Effect.provide(layer())))
})
