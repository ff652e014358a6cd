/**
 * The expected failures of the telephony port. Each says whether retrying the
 * same request can help (`isRetryable`), so the engine and the Temporal edge
 * map them once, without knowing which carrier produced them.
 */
import { Schema } from "effect"

/** The carrier refused the request (bad number, unverified caller id, permissions). Retrying will not help. */
export class CarrierRejected extends Schema.TaggedError<CarrierRejected>()("CarrierRejected", {
  provider: Schema.String,
  /** The carrier's own error code, e.g. Twilio "21211". */
  code: Schema.String,
  message: Schema.String,
  httpStatus: Schema.optionalKey(Schema.Number)
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** The carrier could not be reached or answered 5xx. Retry with backoff. */
export class CarrierUnavailable extends Schema.TaggedError<CarrierUnavailable>()("CarrierUnavailable", {
  provider: Schema.String,
  message: Schema.String,
  httpStatus: Schema.optionalKey(Schema.Number)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** The carrier throttled us (HTTP 429). Retry after `retryAfterMs` when given. */
export class CarrierRateLimited extends Schema.TaggedError<CarrierRateLimited>()("CarrierRateLimited", {
  provider: Schema.String,
  message: Schema.String,
  retryAfterMs: Schema.optionalKey(Schema.Number)
}) {
  get isRetryable(): boolean {
    return true
  }
}

/** A request to the port did not pass validation (field, bad value, what was expected). */
export class InvalidCallRequest extends Schema.TaggedError<InvalidCallRequest>()("InvalidCallRequest", {
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

export class CallNotFound extends Schema.TaggedError<CallNotFound>()("CallNotFound", {
  callId: Schema.String
}) {
  override get message(): string {
    return `call ${this.callId} is not known to this telephony adapter`
  }
  get isRetryable(): boolean {
    return false
  }
}

/** The operation does not fit the call's current state (e.g. bridging a call that ended). */
export class InvalidCallState extends Schema.TaggedError<InvalidCallState>()("InvalidCallState", {
  callId: Schema.String,
  operation: Schema.String,
  status: Schema.String
}) {
  override get message(): string {
    return `cannot ${this.operation} call ${this.callId}: it is ${this.status}`
  }
  get isRetryable(): boolean {
    return false
  }
}

/** A webhook whose signature does not match: forged, tampered, or signed for another URL. */
export class InvalidWebhookSignature extends Schema.TaggedError<InvalidWebhookSignature>()(
  "InvalidWebhookSignature",
  {
    provider: Schema.String,
    url: Schema.String,
    message: Schema.String
  }
) {
  get isRetryable(): boolean {
    return false
  }
}

/** A correctly signed webhook whose payload does not decode. Never stored as a call. */
export class MalformedWebhook extends Schema.TaggedError<MalformedWebhook>()("MalformedWebhook", {
  provider: Schema.String,
  message: Schema.String
}) {
  get isRetryable(): boolean {
    return false
  }
}

/** This carrier cannot do that (e.g. webhooks on the SIP adapter). */
export class UnsupportedOperation extends Schema.TaggedError<UnsupportedOperation>()("UnsupportedOperation", {
  provider: Schema.String,
  operation: Schema.String
}) {
  override get message(): string {
    return `the ${this.provider} adapter does not support ${this.operation}`
  }
  get isRetryable(): boolean {
    return false
  }
}

export type TelephonyError =
  | CarrierRejected
  | CarrierUnavailable
  | CarrierRateLimited
  | InvalidCallRequest
  | CallNotFound
  | InvalidCallState
  | UnsupportedOperation

export type WebhookError = InvalidWebhookSignature | MalformedWebhook | UnsupportedOperation

export const isRetryable = (error: TelephonyError | WebhookError): boolean => error.isRetryable
