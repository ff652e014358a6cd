/**
 * Twilio's webhooks, as data: signature verification with the SDK's own
 * `validateRequest` (form bodies) and `validateRequestWithBody` (JSON bodies
 * signed with a `bodySHA256` query parameter), Schema decoding of the status
 * and asynchronous-AMD callbacks, and the mapping of `CallStatus`,
 * `AnsweredBy`, `SipResponseCode` and `ErrorCode` to normalised events.
 * Everything here is pure except the signature check, which is synchronous.
 */
import { Effect, Schema } from "effect"
import twilio from "twilio"
import { timingSafeEqual } from "node:crypto"
import * as Decode from "./internal/Decode.ts"
import type { AnsweredBy, CallEvent, FailureReason } from "./CallEvent.ts"
import type { WebhookRequest } from "./Telephony.ts"
import { InvalidWebhookSignature, MalformedWebhook } from "./TelephonyError.ts"

export const CallStatus = Schema.Literals([
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "no-answer",
  "failed",
  "canceled"
])
export type CallStatus = typeof CallStatus.Type

export const TwilioAnsweredBy = Schema.Literals([
  "human",
  "machine_start",
  "machine_end_beep",
  "machine_end_silence",
  "machine_end_other",
  "fax",
  "unknown"
])
export type TwilioAnsweredBy = typeof TwilioAnsweredBy.Type

const CallSid = Schema.String.check(Schema.isPattern(/^CA[0-9a-f]{32}$/, { message: "expected a Twilio CallSid (CA + 32 hex digits)" }))
const AccountSid = Schema.String.check(Schema.isPattern(/^AC[0-9a-f]{32}$/, { message: "expected a Twilio AccountSid (AC + 32 hex digits)" }))
const IntFromString = Schema.FiniteFromString.check(Schema.isInt())

/** The fields of a status callback we rely on (Twilio sends more; extra fields are ignored). */
export const StatusCallback = Schema.Struct({
  CallSid,
  AccountSid,
  CallStatus,
  CallDuration: Schema.optionalKey(IntFromString),
  Timestamp: Schema.optionalKey(Schema.String),
  SequenceNumber: Schema.optionalKey(IntFromString),
  AnsweredBy: Schema.optionalKey(TwilioAnsweredBy),
  MachineDetectionDuration: Schema.optionalKey(IntFromString),
  SipResponseCode: Schema.optionalKey(IntFromString),
  ErrorCode: Schema.optionalKey(Schema.String),
  ErrorMessage: Schema.optionalKey(Schema.String),
  Price: Schema.optionalKey(Schema.FiniteFromString),
  PriceUnit: Schema.optionalKey(Schema.String)
})
export type StatusCallback = typeof StatusCallback.Type

/** The asynchronous AMD callback (`AsyncAmdStatusCallback`). */
export const AmdCallback = Schema.Struct({
  CallSid,
  AccountSid,
  AnsweredBy: TwilioAnsweredBy,
  MachineDetectionDuration: Schema.optionalKey(IntFromString)
})
export type AmdCallback = typeof AmdCallback.Type

/** Twilio's end-of-greeting verdicts all mean "the message may start now". */
export const mapAnsweredBy = (value: TwilioAnsweredBy | undefined): AnsweredBy => {
  switch (value) {
    case "human": return "human"
    case "machine_start": return "machine_start"
    case "machine_end_beep":
    case "machine_end_silence":
    case "machine_end_other":
      return "machine_end_beep"
    case "fax": return "fax"
    case "unknown":
    case undefined:
      return "unknown"
  }
}

/** Twilio error codes that mean the number itself is wrong. */
const invalidNumberErrors = new Set(["21211", "21214", "21215", "13223", "13224", "32009"])

export const failureReason = (sipCode: number | undefined, errorCode: string | undefined): FailureReason => {
  if (errorCode !== undefined && invalidNumberErrors.has(errorCode)) return "invalid_number"
  switch (sipCode) {
    case 404:
    case 484:
    case 604:
      return "invalid_number"
    case 603:
      return "declined"
    case 503:
      return "carrier_unavailable"
    case 403:
      return "rejected"
    default:
      return errorCode !== undefined || sipCode !== undefined ? "network" : "unknown"
  }
}

const timestampOf = (value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  const parsed = Date.parse(value)
  return Number.isNaN(parsed) ? fallback : parsed
}

/** Map a decoded status callback to a normalised event for our call `callId`. */
export const statusToEvent = (callId: string, cb: StatusCallback, receivedAt: number): CallEvent => {
  const common = {
    callId,
    provider: "twilio" as const,
    providerCallId: cb.CallSid,
    // One event per (call, status): a retried callback carries the same status.
    eventKey: `twilio:${cb.CallSid}:status:${cb.CallStatus}`,
    at: timestampOf(cb.Timestamp, receivedAt)
  }
  const sip = cb.SipResponseCode !== undefined ? { sipCode: cb.SipResponseCode } : {}
  switch (cb.CallStatus) {
    case "queued":
    case "initiated":
      return { _tag: "Initiated", ...common, eventKey: `twilio:${cb.CallSid}:status:initiated` }
    case "ringing":
      return { _tag: "Ringing", ...common }
    case "in-progress":
      return {
        _tag: "Answered",
        ...common,
        answeredBy: mapAnsweredBy(cb.AnsweredBy),
        ...(cb.MachineDetectionDuration !== undefined ? { amdDecisionMs: cb.MachineDetectionDuration } : {})
      }
    case "completed":
      return {
        _tag: "Completed",
        ...common,
        durationSec: cb.CallDuration ?? 0,
        ...(cb.Price !== undefined ? { price: { amount: cb.Price, currency: cb.PriceUnit ?? "USD" } } : {})
      }
    case "busy":
      return { _tag: "Busy", ...common, ...sip }
    case "no-answer":
      return { _tag: "NoAnswer", ...common, ...sip }
    case "canceled":
      return { _tag: "Canceled", ...common }
    case "failed":
      return {
        _tag: "Failed",
        ...common,
        ...sip,
        reason: failureReason(cb.SipResponseCode, cb.ErrorCode),
        detail: [
          cb.ErrorCode !== undefined ? `Twilio error ${cb.ErrorCode}` : undefined,
          cb.ErrorMessage,
          cb.SipResponseCode !== undefined ? `SIP ${cb.SipResponseCode}` : undefined
        ].filter((part) => part !== undefined).join(": ") || "failed without a reason",
        ...(cb.ErrorCode !== undefined ? { providerCode: cb.ErrorCode } : {})
      }
  }
}

export const amdToEvent = (callId: string, cb: AmdCallback, receivedAt: number): CallEvent => ({
  _tag: "Answered",
  callId,
  provider: "twilio",
  providerCallId: cb.CallSid,
  eventKey: `twilio:${cb.CallSid}:amd:${cb.AnsweredBy}`,
  at: receivedAt,
  answeredBy: mapAnsweredBy(cb.AnsweredBy),
  ...(cb.MachineDetectionDuration !== undefined ? { amdDecisionMs: cb.MachineDetectionDuration } : {})
})

const header = (request: WebhookRequest, name: string): string | undefined => {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === wanted) return value
  return undefined
}

/** Form body to a flat record (Twilio sends each callback field once). */
export const parseForm = (body: string): Record<string, string> => Object.fromEntries(new URLSearchParams(body))

/**
 * The usual case first: the signature covers the URL exactly as the request
 * names it. `validateRequest` tries that URL without its port before the URL
 * as received, so a URL with a port (a self-hosted server behind a port
 * mapping) cost two HMACs per webhook; this is one, with the SDK's own
 * signature function, and the SDK's full check (port and encoding variants)
 * still runs when it does not match.
 */
const signedAsReceived = (authToken: string, signature: string, url: string, params: Readonly<Record<string, string>>): boolean => {
  const expected = Buffer.from(twilio.getExpectedTwilioSignature(authToken, url, params))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/**
 * Check `X-Twilio-Signature`. A URL carrying `bodySHA256` is the JSON-body
 * variant: the signature covers the URL and the body hash covers the body.
 * Returns the parameters the signature covered.
 */
export const verify = (
  authToken: string,
  request: WebhookRequest
): Effect.Effect<Record<string, string>, InvalidWebhookSignature | MalformedWebhook> =>
  Effect.gen(function*() {
    const signature = header(request, "x-twilio-signature")
    const reject = (message: string) => new InvalidWebhookSignature({ provider: "twilio", url: request.url, message })
    if (signature === undefined || signature === "") return yield* reject("missing X-Twilio-Signature header")
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return yield* new MalformedWebhook({ provider: "twilio", message: `webhook URL '${request.url}' is not an absolute URL` })
    }
    if (url.searchParams.has("bodySHA256")) {
      if (!twilio.validateRequestWithBody(authToken, signature, request.url, request.body)) {
        return yield* reject("X-Twilio-Signature or bodySHA256 does not match this URL and body")
      }
      let json: unknown
      try {
        json = JSON.parse(request.body)
      } catch {
        return yield* new MalformedWebhook({ provider: "twilio", message: "signed JSON body is not valid JSON" })
      }
      if (typeof json !== "object" || json === null) return yield* new MalformedWebhook({ provider: "twilio", message: "JSON body is not an object" })
      return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]))
    }
    const params = request.method === "POST" ? parseForm(request.body) : {}
    if (!signedAsReceived(authToken, signature, request.url, params) && !twilio.validateRequest(authToken, signature, request.url, params)) {
      return yield* reject("X-Twilio-Signature does not match this URL and these parameters")
    }
    return params
  })

const decode = <S extends Schema.Codec<unknown, unknown>>(schema: S, what: string) =>
  Decode.decoder(schema, (message) => new MalformedWebhook({ provider: "twilio", message: `malformed ${what}: ${message}` }))

export const decodeStatus = decode(StatusCallback, "Twilio status callback")
export const decodeAmd = decode(AmdCallback, "Twilio AMD callback")
