/**
 * The carrier port. The engine's commands (dial, bridge to an agent, play the
 * safe-harbour message and release, drop a voicemail, transfer, hand the media
 * to an AI voice server, hang up) reach a carrier through this one service, and
 * the carrier's events come back on one normalised stream. Adapters:
 * `SimulatedCarrier`, `TwilioAdapter`, `PlivoAdapter`, `SipAdapter`.
 *
 * Requests are decoded with Schema at the port, so every adapter gets the
 * same validated input and the same error messages.
 */
import { Context, Effect, Schema, Stream } from "effect"
import type { CallEvent, Provider } from "./CallEvent.ts"
import * as Decode from "./internal/Decode.ts"
import type { CallState } from "./CallState.ts"
import { InvalidCallRequest, type TelephonyError, type WebhookError } from "./TelephonyError.ts"

const e164Pattern = /^\+[1-9]\d{6,14}$/

/** A phone number in E.164 form, e.g. +14155550123. */
export const E164 = Schema.String.check(
  Schema.isPattern(e164Pattern, { message: "expected an E.164 number, e.g. +14155550123" })
)

/**
 * Answering-machine detection. `detect` decides human/machine as soon as it
 * can; `detect_beep` waits for the end of the greeting so a voicemail can be
 * dropped after the beep.
 */
export const AmdMode = Schema.Literals(["off", "detect", "detect_beep"])
export type AmdMode = typeof AmdMode.Type

export const OriginateRequest = Schema.Struct({
  to: E164,
  /** Caller id presented to the callee. */
  from: E164,
  /** Seconds to ring before giving up as no-answer (5..600). */
  ringTimeoutSec: Schema.Int.check(Schema.isBetween({ minimum: 5, maximum: 600 })),
  amd: AmdMode,
  record: Schema.Boolean,
  /**
   * The client's idempotency key: a retried originate with the same key returns
   * the first call and never dials twice.
   */
  idempotencyKey: Schema.NonEmptyString
})
export type OriginateRequest = typeof OriginateRequest.Type

/** Where an agent (or a transfer target) is reached. */
export const AgentEndpoint = Schema.Union([
  Schema.TaggedStruct("Phone", { number: E164 }),
  Schema.TaggedStruct("Sip", {
    uri: Schema.String.check(Schema.isPattern(/^sips?:[^@\s]+@[^\s]+$/, { message: "expected a SIP URI, e.g. sip:agent@pbx.example.com" }))
  }),
  Schema.TaggedStruct("Client", { identity: Schema.NonEmptyString })
])
export type AgentEndpoint = typeof AgentEndpoint.Type

export const describeEndpoint = (endpoint: AgentEndpoint): string => {
  switch (endpoint._tag) {
    case "Phone": return endpoint.number
    case "Sip": return endpoint.uri
    case "Client": return `client:${endpoint.identity}`
  }
}

/** A message to play: a recorded audio URL or text to speak. */
export const Prompt = Schema.Union([
  Schema.TaggedStruct("Audio", { url: Schema.String.check(Schema.isPattern(/^https?:\/\//, { message: "expected an http(s) URL" })) }),
  Schema.TaggedStruct("Speech", { text: Schema.NonEmptyString })
])
export type Prompt = typeof Prompt.Type

export const TransferRequest = Schema.Struct({
  to: AgentEndpoint,
  /** cold: the caller goes straight to the target. warm: both join a conference with the current party. */
  mode: Schema.Literals(["cold", "warm"]),
  /** The department the target belongs to, for reporting and conference naming. */
  department: Schema.optionalKey(Schema.NonEmptyString)
})
export type TransferRequest = typeof TransferRequest.Type

/** Connect the call's audio to an AI voice server over WebSocket. */
export const MediaStreamRequest = Schema.Struct({
  url: Schema.String.check(Schema.isPattern(/^wss?:\/\//, { message: "expected a ws:// or wss:// URL" })),
  /** Custom parameters passed to the voice server when the stream starts. */
  parameters: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})
export type MediaStreamRequest = typeof MediaStreamRequest.Type

/** What `originate` returns. `deduplicated` is true when the key had already dialled. */
export interface CallHandle {
  readonly callId: string
  readonly provider: Provider
  readonly providerCallId?: string
  readonly deduplicated: boolean
}

/** An inbound provider webhook, as the HTTP server received it. */
export interface WebhookRequest {
  readonly method: "GET" | "POST"
  /** The full public URL the provider called, including the query string. */
  readonly url: string
  readonly headers: Readonly<Record<string, string | undefined>>
  /** The raw body (form-encoded or JSON). */
  readonly body: string
}

/** What to answer the provider: a status and a document (TwiML / Plivo XML) or nothing. */
export interface WebhookReply {
  readonly status: number
  readonly contentType: string
  readonly body: string
  /** The event the webhook produced, when it was new; undefined for duplicates and documents. */
  readonly event?: CallEvent
}

export interface TelephonyService {
  readonly provider: Provider
  readonly originate: (request: OriginateRequest) => Effect.Effect<CallHandle, TelephonyError>
  /** Abort a call that has not been answered yet. */
  readonly cancel: (callId: string) => Effect.Effect<void, TelephonyError>
  readonly hangUp: (callId: string) => Effect.Effect<void, TelephonyError>
  readonly bridge: (callId: string, endpoint: AgentEndpoint) => Effect.Effect<void, TelephonyError>
  /** Play the safe-harbour message to an answered call nobody can take, then release it. */
  readonly playAndRelease: (callId: string, prompt: Prompt) => Effect.Effect<void, TelephonyError>
  /** Play a voicemail message after the answering machine's beep, then hang up. */
  readonly dropVoicemail: (callId: string, prompt: Prompt) => Effect.Effect<void, TelephonyError>
  readonly transfer: (callId: string, request: TransferRequest) => Effect.Effect<void, TelephonyError>
  readonly connectMediaStream: (callId: string, request: MediaStreamRequest) => Effect.Effect<void, TelephonyError>
  /** Verify, decode and absorb one provider webhook. */
  readonly handleWebhook: (request: WebhookRequest) => Effect.Effect<WebhookReply, WebhookError>
  readonly state: (callId: string) => Effect.Effect<CallState, TelephonyError>
  /** Every applied event of every call, once each, in the order it was applied. */
  readonly events: Stream.Stream<CallEvent>
}

export class Telephony extends Context.Service<Telephony, TelephonyService>()("@autodialer/telephony/Telephony") {}

/** Decode a request at the port; the message names the field, the bad value and what was expected. */
export const decodeRequest = <S extends Schema.Codec<unknown, unknown>>(schema: S, what: string) =>
  Decode.decoder(schema, (message) => new InvalidCallRequest({ message: `invalid ${what}: ${message}` }))

/** Decoders every adapter applies before doing anything. */
export const decodeOriginate = decodeRequest(OriginateRequest, "originate request")
export const decodeEndpoint = decodeRequest(AgentEndpoint, "agent endpoint")
export const decodePrompt = decodeRequest(Prompt, "prompt")
export const decodeTransfer = decodeRequest(TransferRequest, "transfer request")
export const decodeMediaStream = decodeRequest(MediaStreamRequest, "media stream request")
