import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import twilio from "twilio"
import * as TwilioWebhook from "../src/TwilioWebhook.ts"

const callSid = "CA" + "1".repeat(32)
const accountSid = "AC" + "2".repeat(32)
const decode = (params: Record<string, string>) => Effect.runSync(TwilioWebhook.decodeStatus(params))

describe("TwilioWebhook", () => {
  it.each([
    ["queued", "Initiated"], ["initiated", "Initiated"], ["ringing", "Ringing"], ["in-progress", "Answered"],
    ["completed", "Completed"], ["busy", "Busy"], ["no-answer", "NoAnswer"], ["failed", "Failed"], ["canceled", "Canceled"]
  ])("maps CallStatus %s to %s", (status, tag) => {
    const event = TwilioWebhook.statusToEvent("c1", decode({ CallSid: callSid, AccountSid: accountSid, CallStatus: status }), 5)
    expect(event._tag).toBe(tag)
    expect(event.providerCallId).toBe(callSid)
  })

  it("queued and initiated share one event key, so either absorbs the other", () => {
    const a = TwilioWebhook.statusToEvent("c1", decode({ CallSid: callSid, AccountSid: accountSid, CallStatus: "queued" }), 0)
    const b = TwilioWebhook.statusToEvent("c1", decode({ CallSid: callSid, AccountSid: accountSid, CallStatus: "initiated" }), 0)
    expect(a.eventKey).toBe(b.eventKey)
  })

  it.each([
    ["human", "human"], ["machine_start", "machine_start"], ["machine_end_beep", "machine_end_beep"],
    ["machine_end_silence", "machine_end_beep"], ["machine_end_other", "machine_end_beep"], ["fax", "fax"], ["unknown", "unknown"]
  ] as const)("maps AnsweredBy %s to %s", (twilioValue, ours) => {
    expect(TwilioWebhook.mapAnsweredBy(twilioValue)).toBe(ours)
  })

  it("reads duration, price, Timestamp and the AMD decision time", () => {
    const completed = TwilioWebhook.statusToEvent("c1", decode({
      CallSid: callSid, AccountSid: accountSid, CallStatus: "completed", CallDuration: "47", Price: "-0.0130", PriceUnit: "USD",
      Timestamp: "Wed, 25 Nov 2026 18:00:00 +0000"
    }), 0)
    expect(completed).toMatchObject({ _tag: "Completed", durationSec: 47, price: { amount: -0.013, currency: "USD" }, at: Date.UTC(2026, 10, 25, 18) })
    const amd = TwilioWebhook.amdToEvent("c1", Effect.runSync(TwilioWebhook.decodeAmd({ CallSid: callSid, AccountSid: accountSid, AnsweredBy: "machine_start", MachineDetectionDuration: "2950" })), 9)
    expect(amd).toMatchObject({ _tag: "Answered", answeredBy: "machine_start", amdDecisionMs: 2950, at: 9 })
  })

  it("classifies failures by SipResponseCode and ErrorCode", () => {
    expect(TwilioWebhook.failureReason(404, undefined)).toBe("invalid_number")
    expect(TwilioWebhook.failureReason(603, undefined)).toBe("declined")
    expect(TwilioWebhook.failureReason(503, undefined)).toBe("carrier_unavailable")
    expect(TwilioWebhook.failureReason(undefined, "21211")).toBe("invalid_number")
    expect(TwilioWebhook.failureReason(undefined, undefined)).toBe("unknown")
    const failed = TwilioWebhook.statusToEvent("c1", decode({ CallSid: callSid, AccountSid: accountSid, CallStatus: "failed", SipResponseCode: "404", ErrorCode: "32009", ErrorMessage: "Unknown destination" }), 0)
    expect(failed).toMatchObject({ _tag: "Failed", reason: "invalid_number", sipCode: 404, providerCode: "32009" })
    if (failed._tag === "Failed") expect(failed.detail).toBe("Twilio error 32009: Unknown destination: SIP 404")
  })

  it("names the field, the value and the expectation of a malformed callback", () => {
    const error = Effect.runSync(Effect.flip(TwilioWebhook.decodeStatus({ CallSid: "CA123", AccountSid: accountSid, CallStatus: "ringing" })))
    expect(error.message).toContain("CallSid")
    expect(error.message).toContain('"CA123"')
    expect(error.message).toContain("CA + 32 hex digits")
  })

  it("verifies with the SDK: the form variant and the bodySHA256 variant", () => {
    const token = "secret-token"
    const url = "https://d.example.com/twilio/status?callId=c1"
    const params = { CallSid: callSid, CallStatus: "ringing" }
    const ok = Effect.runSync(TwilioWebhook.verify(token, {
      method: "POST", url, body: new URLSearchParams(params).toString(),
      headers: { "X-Twilio-Signature": twilio.getExpectedTwilioSignature(token, url, params) }
    }))
    expect(ok).toEqual(params)
    const body = JSON.stringify(params)
    const jsonUrl = `${url}&bodySHA256=${twilio.getExpectedBodyHash(body)}`
    const json = Effect.runSync(TwilioWebhook.verify(token, {
      method: "POST", url: jsonUrl, body, headers: { "x-twilio-signature": twilio.getExpectedTwilioSignature(token, jsonUrl, {}) }
    }))
    expect(json).toEqual(params)
  })
})
