import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import * as PlivoWebhook from "../src/PlivoWebhook.ts"
import { nonce, signV3 } from "./support/PlivoFake.ts"

const callUuid = "0f8c6a1e-7d4b-4c1a-9f00-1234567890ab"
const decode = (params: Record<string, string>) => Effect.runSync(PlivoWebhook.decodeCall(params))

describe("PlivoWebhook", () => {
  it.each([
    ["completed", "Completed"], ["busy", "Busy"], ["no-answer", "NoAnswer"], ["timeout", "NoAnswer"], ["cancel", "Canceled"], ["failed", "Failed"]
  ])("maps hangup CallStatus %s to %s", (status, tag) => {
    expect(PlivoWebhook.callToEvent("c1", decode({ CallUUID: callUuid, Event: "Hangup", CallStatus: status }), 0)._tag).toBe(tag)
  })

  it("ring and answer events, keyed by CallUUID", () => {
    const ring = PlivoWebhook.callToEvent("c1", decode({ CallUUID: callUuid, Event: "Ring", CallStatus: "ringing" }), 0)
    const answer = PlivoWebhook.callToEvent("c1", decode({ CallUUID: callUuid, Event: "StartApp", CallStatus: "in-progress", Machine: "false" }), 0)
    expect(ring).toMatchObject({ _tag: "Ringing", eventKey: `plivo:${callUuid}:ring`, providerCallId: callUuid })
    expect(answer).toMatchObject({ _tag: "Answered", answeredBy: "human" })
  })

  it("classifies hangup causes", () => {
    expect(PlivoWebhook.failureReason("UNALLOCATED_NUMBER")).toBe("invalid_number")
    expect(PlivoWebhook.failureReason("Call Rejected")).toBe("declined")
    expect(PlivoWebhook.failureReason("NETWORK_OUT_OF_ORDER")).toBe("carrier_unavailable")
    expect(PlivoWebhook.failureReason(undefined)).toBe("unknown")
  })

  it("reads total cost and duration", () => {
    const done = PlivoWebhook.callToEvent("c1", decode({ CallUUID: callUuid, Event: "Hangup", CallStatus: "completed", Duration: "33", TotalCost: "0.0120" }), 0)
    expect(done).toMatchObject({ _tag: "Completed", durationSec: 33, price: { amount: 0.012, currency: "USD" } })
  })

  it("accepts a V3 signature and rejects a replay signed for another URL", () => {
    const url = "https://d.example.com/plivo/ring?callId=c1"
    const params = { CallUUID: callUuid, Event: "Ring", CallStatus: "ringing" }
    const n = nonce()
    const request = { method: "POST" as const, url, body: new URLSearchParams(params).toString(), headers: { "X-Plivo-Signature-V3": signV3(url, n, "tok", params), "X-Plivo-Signature-V3-Nonce": n } }
    expect(Effect.runSync(PlivoWebhook.verify("tok", request))).toEqual(params)
    const moved = Effect.runSync(Effect.flip(PlivoWebhook.verify("tok", { ...request, url: url.replace("c1", "c2") })))
    expect(moved._tag).toBe("InvalidWebhookSignature")
    const noNonce = Effect.runSync(Effect.flip(PlivoWebhook.verify("tok", { ...request, headers: { "X-Plivo-Signature-V3": "x" } })))
    expect(noNonce.message).toContain("Nonce")
  })
})
