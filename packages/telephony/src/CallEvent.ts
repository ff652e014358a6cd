/**
 * The normalised carrier event: what every adapter (simulated, Twilio, Plivo,
 * SIP) turns its provider's callbacks and SIP responses into. The rest of the
 * system never sees a vendor status string, only these tagged events.
 *
 * `eventKey` is the provider's idempotency key for the event (for example
 * `twilio:CA…:status:ringing`): a retried webhook carries the same key, so it
 * is absorbed by the call state machine and by the store.
 */
import { Schema } from "effect"

export const Provider = Schema.Literals(["simulated", "twilio", "plivo", "sip"])
export type Provider = typeof Provider.Type

/**
 * Who answered. `machine_end_beep` means the machine greeting ended (beep,
 * silence or other end-of-message signal): the moment to drop a voicemail.
 */
export const AnsweredBy = Schema.Literals(["human", "machine_start", "machine_end_beep", "fax", "unknown"])
export type AnsweredBy = typeof AnsweredBy.Type

export const Price = Schema.Struct({
  amount: Schema.Number,
  currency: Schema.String
})
export type Price = typeof Price.Type

/** Why a call failed, normalised; the provider's own code is kept beside it. */
export const FailureReason = Schema.Literals([
  "invalid_number",
  "declined",
  "carrier_unavailable",
  "rejected",
  "network",
  "unknown"
])
export type FailureReason = typeof FailureReason.Type

const common = {
  /** Our call id (never the provider's). */
  callId: Schema.String,
  provider: Provider,
  /** The provider's id for the call leg (Twilio CallSid, Plivo CallUUID, SIP Call-ID). */
  providerCallId: Schema.optionalKey(Schema.String),
  /** Idempotency key of this event at the provider. */
  eventKey: Schema.String,
  /** When it happened, epoch milliseconds. */
  at: Schema.Number
}

export const Initiated = Schema.TaggedStruct("Initiated", common)
export const Ringing = Schema.TaggedStruct("Ringing", {
  ...common,
  /** The far end sent media before answering (SIP 183 with SDP): a ringback tone or an announcement. */
  earlyMedia: Schema.optionalKey(Schema.Boolean)
})
export const Answered = Schema.TaggedStruct("Answered", {
  ...common,
  answeredBy: AnsweredBy,
  /** How long answering-machine detection took to decide, in ms, when it ran. */
  amdDecisionMs: Schema.optionalKey(Schema.Number)
})
export const Bridged = Schema.TaggedStruct("Bridged", {
  ...common,
  /** The agent endpoint the call was connected to, as a display string. */
  endpoint: Schema.String
})
export const Completed = Schema.TaggedStruct("Completed", {
  ...common,
  durationSec: Schema.Number,
  price: Schema.optionalKey(Price)
})
export const Busy = Schema.TaggedStruct("Busy", { ...common, sipCode: Schema.optionalKey(Schema.Number) })
export const NoAnswer = Schema.TaggedStruct("NoAnswer", { ...common, sipCode: Schema.optionalKey(Schema.Number) })
export const Failed = Schema.TaggedStruct("Failed", {
  ...common,
  reason: FailureReason,
  /** Human-readable detail: provider error code and message. */
  detail: Schema.String,
  sipCode: Schema.optionalKey(Schema.Number),
  providerCode: Schema.optionalKey(Schema.String)
})
export const Canceled = Schema.TaggedStruct("Canceled", common)

export const CallEvent = Schema.Union([Initiated, Ringing, Answered, Bridged, Completed, Busy, NoAnswer, Failed, Canceled])
export type CallEvent = typeof CallEvent.Type
export type CallEventTag = CallEvent["_tag"]

/** Terminal events end the call; nothing after them changes its status. */
export const isTerminal = (event: CallEvent): boolean => {
  switch (event._tag) {
    case "Completed":
    case "Busy":
    case "NoAnswer":
    case "Failed":
    case "Canceled":
      return true
    default:
      return false
  }
}
