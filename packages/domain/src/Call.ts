/**
 * One call attempt: the union of seed 000 `CallSession`, seed 001 `call_logs`
 * (AI calls: transcript, summary, transfer) and seed 004 `calls_call` (CRM
 * call activity: disposition, notes). Provider events are stored separately
 * and append-only in `call_events`, unique by the provider's event key, so a
 * retried webhook is recorded once.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { AnsweredBy, CallDirection, CallOutcome, CallStatus, Provider, TranscriptStatus } from "./Enums.ts"
import {
  CreatedAt, Currency, DbTimestamp, Decimal, Json, JsonObject, NonBlank, NonNegativeInt, NullableTimestamp, OrgId, UpdatedAt
} from "./Fields.ts"
import {
  CallEventId, CallId, CampaignContactId, CampaignId, ContactId, DispositionId, PhoneNumberId, UserId, VoiceServerId
} from "./Ids.ts"
import { E164 } from "./Phone.ts"

export class Call extends Model.Class<Call>("Call")({
  id: Model.GeneratedByApp(CallId),
  orgId: OrgId,
  campaignId: Schema.NullOr(CampaignId),
  contactId: Schema.NullOr(ContactId),
  campaignContactId: Schema.NullOr(CampaignContactId),
  /** The agent who talked (null for agentless and unanswered calls). */
  agentId: Schema.NullOr(UserId),
  callerIdNumberId: Schema.NullOr(PhoneNumberId),
  voiceServerId: Schema.NullOr(VoiceServerId),
  /** For transfers and consult legs: the call this one belongs to. */
  parentCallId: Schema.NullOr(CallId),
  provider: Provider,
  providerCallId: Schema.NullOr(Schema.String),
  direction: CallDirection,
  fromNumber: E164,
  toNumber: E164,
  status: CallStatus,
  answeredBy: Schema.NullOr(AnsweredBy),
  outcome: Schema.NullOr(CallOutcome),
  dispositionId: Schema.NullOr(DispositionId),
  /** 1-based attempt number for the contact in this campaign. */
  attempt: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))),
  queuedAt: NullableTimestamp,
  initiatedAt: NullableTimestamp,
  ringingAt: NullableTimestamp,
  answeredAt: NullableTimestamp,
  endedAt: NullableTimestamp,
  ringDurationSeconds: Schema.NullOr(NonNegativeInt),
  talkDurationSeconds: Schema.NullOr(NonNegativeInt),
  /** Seconds billed by the carrier (seed 001 `call_logs.duration`). */
  billableSeconds: Schema.NullOr(NonNegativeInt),
  price: Schema.NullOr(Decimal),
  priceUnit: Schema.NullOr(Currency),
  recordingUrl: Schema.NullOr(Schema.String),
  transcript: Schema.NullOr(Schema.String),
  transcriptStatus: TranscriptStatus,
  summary: Schema.NullOr(Schema.String),
  /** Sentiment of the conversation from -1 to 1 (seed 001 AI analysis). */
  sentiment: Schema.NullOr(Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: -1, maximum: 1 })))),
  isTransferred: Schema.Boolean,
  transferredTo: Schema.NullOr(Schema.String),
  transferredAt: NullableTimestamp,
  hangupCause: Schema.NullOr(Schema.String),
  errorCode: Schema.NullOr(Schema.String),
  errorMessage: Schema.NullOr(Schema.String),
  /** seed 004 `calls_call.notes`; longer notes live in `call_notes`. */
  notes: Schema.NullOr(Schema.String),
  metadata: Json(JsonObject),
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}

export class CallEvent extends Model.Class<CallEvent>("CallEvent")({
  id: Model.GeneratedByApp(CallEventId),
  orgId: OrgId,
  /** Null until the provider call id is matched to a call. */
  callId: Schema.NullOr(CallId),
  provider: Provider,
  providerCallId: Schema.NullOr(Schema.String),
  /** Provider-unique id of this event (e.g. Twilio CallSid + SequenceNumber); the idempotency key. */
  providerEventKey: NonBlank,
  eventType: NonBlank,
  payload: Json(JsonObject),
  occurredAt: Model.Field({
    select: Schema.Date,
    insert: Schema.Date,
    json: Schema.DateFromString,
    jsonCreate: Schema.DateFromString
  }),
  receivedAt: DbTimestamp
}) {}
