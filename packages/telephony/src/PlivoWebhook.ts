/**
 * Plivo's webhooks, as data: V3 signature verification with the SDK's
 * `validateV3Signature` (headers `X-Plivo-Signature-V3` and
 * `X-Plivo-Signature-V3-Nonce`), Schema decoding of the ring, answer, hangup,
 * machine-detection and Dial callbacks, and their mapping to normalised
 * events.
 *
 * Plivo names a call twice: `RequestUUID` (returned by the Make Call API as
 * `request_uuid`, valid until the call is answered, used to cancel it) and
 * `CallUUID` (the live leg, used to hang up and transfer). Events are keyed by
 * `CallUUID`; the adapter keeps the request UUID for cancellation.
 */
import { Effect, Schema } from "effect"
import type { CallEvent, FailureReason } from "./CallEvent.ts"
import * as Decode from "./internal/Decode.ts"
import * as PlivoSdk from "./internal/PlivoSdk.ts"
import type { WebhookRequest } from "./Telephony.ts"
import { InvalidWebhookSignature, MalformedWebhook } from "./TelephonyError.ts"

const Uuid = Schema.String.check(Schema.isPattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: "expected a Plivo UUID" }))
const IntFromString = Schema.FiniteFromString.check(Schema.isInt())

export const HangupStatus = Schema.Literals(["completed", "busy", "failed", "timeout", "no-answer", "cancel"])

/** ring_url, answer_url and hangup_url share these fields; `Event` tells them apart. */
export const CallCallback = Schema.Struct({
  CallUUID: Uuid,
  RequestUUID: Schema.optionalKey(Uuid),
  Event: Schema.Literals(["Ring", "StartApp", "Hangup"]),
  CallStatus: Schema.String,
  Duration: Schema.optionalKey(IntFromString),
  BillDuration: Schema.optionalKey(IntFromString),
  TotalCost: Schema.optionalKey(Schema.FiniteFromString),
  HangupCause: Schema.optionalKey(Schema.String),
  HangupCauseName: Schema.optionalKey(Schema.String),
  HangupCauseCode: Schema.optionalKey(IntFromString),
  Machine: Schema.optionalKey(Schema.Literals(["true", "false"]))
})
export type CallCallback = typeof CallCallback.Type

/** machine_detection_url: sent when detection finishes. */
export const MachineCallback = Schema.Struct({
  CallUUID: Uuid,
  RequestUUID: Schema.optionalKey(Uuid),
  Machine: Schema.Literals(["true", "false"]),
  MachineDetectionTime: Schema.optionalKey(IntFromString)
})
export type MachineCallback = typeof MachineCallback.Type

/** Dial element callback_url: the agent leg's progress. */
export const DialCallback = Schema.Struct({
  CallUUID: Uuid,
  DialAction: Schema.Literals(["answer", "connected", "hangup", "digits"]),
  DialBLegUUID: Schema.optionalKey(Uuid),
  DialBLegTo: Schema.optionalKey(Schema.String)
})
export type DialCallback = typeof DialCallback.Type

const decoder = <S extends Schema.Codec<unknown, unknown>>(schema: S, what: string) =>
  Decode.decoder(schema, (message) => new MalformedWebhook({ provider: "plivo", message: `malformed ${what}: ${message}` }))

export const decodeCall = decoder(CallCallback, "Plivo call callback")
export const decodeMachine = decoder(MachineCallback, "Plivo machine detection callback")
export const decodeDial = decoder(DialCallback, "Plivo Dial callback")

export const failureReason = (cause: string | undefined): FailureReason => {
  const c = (cause ?? "").toLowerCase().replace(/[\s_]+/g, " ")
  if (/unallocated|invalid|unknown number|no route|not found/.test(c)) return "invalid_number"
  if (/reject|declin/.test(c)) return "declined"
  if (/unavailable|out of order|congestion|network/.test(c)) return "carrier_unavailable"
  return c === "" ? "unknown" : "network"
}

export const callToEvent = (callId: string, cb: CallCallback, at: number): CallEvent => {
  const common = { callId, provider: "plivo" as const, providerCallId: cb.CallUUID, at }
  const cause = cb.HangupCauseName ?? cb.HangupCause
  switch (cb.Event) {
    case "Ring":
      return { _tag: "Ringing", ...common, eventKey: `plivo:${cb.CallUUID}:ring` }
    case "StartApp":
      return {
        _tag: "Answered",
        ...common,
        eventKey: `plivo:${cb.CallUUID}:answer`,
        answeredBy: cb.Machine === "true" ? "machine_start" : cb.Machine === "false" ? "human" : "unknown"
      }
    case "Hangup": {
      const key = `plivo:${cb.CallUUID}:hangup`
      switch (cb.CallStatus) {
        case "completed":
          return {
            _tag: "Completed",
            ...common,
            eventKey: key,
            durationSec: cb.Duration ?? 0,
            ...(cb.TotalCost !== undefined ? { price: { amount: cb.TotalCost, currency: "USD" } } : {})
          }
        case "busy":
          return { _tag: "Busy", ...common, eventKey: key }
        case "timeout":
        case "no-answer":
          return { _tag: "NoAnswer", ...common, eventKey: key }
        case "cancel":
          return { _tag: "Canceled", ...common, eventKey: key }
        default:
          return {
            _tag: "Failed",
            ...common,
            eventKey: key,
            reason: failureReason(cause),
            detail: `Plivo hangup: ${cb.CallStatus}${cause !== undefined ? ` (${cause}${cb.HangupCauseCode !== undefined ? ` ${cb.HangupCauseCode}` : ""})` : ""}`,
            ...(cb.HangupCauseCode !== undefined ? { providerCode: String(cb.HangupCauseCode) } : {})
          }
      }
    }
  }
}

export const machineToEvent = (callId: string, cb: MachineCallback, at: number): CallEvent => ({
  _tag: "Answered",
  callId,
  provider: "plivo",
  providerCallId: cb.CallUUID,
  eventKey: `plivo:${cb.CallUUID}:amd`,
  at,
  answeredBy: cb.Machine === "true" ? "machine_start" : "human",
  ...(cb.MachineDetectionTime !== undefined ? { amdDecisionMs: cb.MachineDetectionTime } : {})
})

const header = (request: WebhookRequest, name: string): string | undefined => {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === wanted) return value
  return undefined
}

/** Verify the V3 signature over method, full URL, nonce and POST parameters; return the parameters. */
export const verify = (
  authToken: string,
  request: WebhookRequest
): Effect.Effect<Record<string, string>, InvalidWebhookSignature> =>
  Effect.gen(function*() {
    const signature = header(request, "x-plivo-signature-v3")
    const nonce = header(request, "x-plivo-signature-v3-nonce")
    const reject = (message: string) => new InvalidWebhookSignature({ provider: "plivo", url: request.url, message })
    if (signature === undefined || nonce === undefined) return yield* reject("missing X-Plivo-Signature-V3 or X-Plivo-Signature-V3-Nonce header")
    const params = request.method === "POST" ? Object.fromEntries(new URLSearchParams(request.body)) : {}
    let valid: boolean
    try {
      valid = PlivoSdk.validateV3Signature(request.method, request.url, nonce, authToken, signature, params)
    } catch {
      valid = false
    }
    if (!valid) return yield* reject("X-Plivo-Signature-V3 does not match this method, URL, nonce and body")
    return params
  })
