/**
 * A calling campaign (seed 000 `Campaign`, seed 001 `campaigns`): the mode,
 * when it may call (local to the contact), how aggressive it may be (abandon
 * policy), how often a contact is tried (attempt and retry rules per
 * outcome), which caller ids it uses, what it does with answering machines,
 * and the counters seed 001 keeps (total / transferred, conversion rate).
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { CampaignMode, CampaignStatus, RetryableOutcome } from "./Enums.ts"
import { CreatedAt, Json, NonBlank, NonNegativeInt, NullableTimestamp, OrgId, UpdatedAt } from "./Fields.ts"
import { CampaignId, PhoneNumberId, RecordingId, TeamId, UserId, VoiceServerId } from "./Ids.ts"
import { IanaTimeZone } from "./TimeZone.ts"

const LocalTime = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
  /^([01]\d|2[0-3]):[0-5]\d$/.test(s) ? undefined : `time '${s}' is not a local time (expected HH:MM, e.g. 09:00)`
)))

/**
 * Calls are allowed on `days` (0 = Sunday) between `start` and `end` in the
 * contact's local time; `fallbackTimeZone` applies when the contact has none.
 */
export const CallingWindow = Schema.Struct({
  days: Schema.Array(Schema.Int.pipe(Schema.check(Schema.makeFilter((d: number) =>
    d >= 0 && d <= 6 ? undefined : `day ${d} is not a weekday number (expected 0 = Sunday .. 6 = Saturday)`
  )))),
  start: LocalTime,
  end: LocalTime,
  fallbackTimeZone: IanaTimeZone
}).pipe(Schema.check(Schema.makeFilter((w) =>
  w.start < w.end
    ? undefined
    : { path: ["end"], issue: `calling window end ${w.end} is not after start ${w.start} (expected e.g. 09:00-20:00 in the contact's local time)` }
)))
export type CallingWindow = typeof CallingWindow.Type

const Rate = Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 })))

/**
 * Abandoned = answered by a person with no agent to take the call. Regulators
 * (FCC/Ofcom) cap the rate (3%) over a period and require a safe-harbour
 * message within `safeHarborSeconds`.
 */
export const AbandonPolicy = Schema.Struct({
  maxAbandonRate: Rate,
  /** Measurement period in days (FCC: 30 days per campaign). */
  periodDays: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 365 }))),
  safeHarborSeconds: Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 10 }))),
  safeHarborRecordingId: Schema.NullOr(RecordingId)
})
export type AbandonPolicy = typeof AbandonPolicy.Type

export const AttemptRules = Schema.Struct({
  maxAttemptsPerContact: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 100 }))),
  maxAttemptsPerDay: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 100 }))),
  /** Ring time before the attempt counts as no answer. */
  ringTimeoutSeconds: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 5, maximum: 120 })))
})
export type AttemptRules = typeof AttemptRules.Type

/** After an attempt with `outcome`, retry after `delayMinutes`, at most `maxRetries` times. */
export const RetryRule = Schema.Struct({
  outcome: RetryableOutcome,
  delayMinutes: NonNegativeInt,
  maxRetries: NonNegativeInt
})
export type RetryRule = typeof RetryRule.Type

/** At most one rule per outcome: two rules for "busy" would be ambiguous. */
export const RetryRules = Schema.Array(RetryRule).pipe(Schema.check(Schema.makeFilter((rules) => {
  const seen = new Set<string>()
  for (const rule of rules) {
    if (seen.has(rule.outcome)) return `retry rules name outcome '${rule.outcome}' twice (expected at most one rule per outcome)`
    seen.add(rule.outcome)
  }
  return undefined
})))

export const AmdPolicy = Schema.Struct({
  enabled: Schema.Boolean,
  /** What to do when a machine answers. */
  onMachine: Schema.Literals(["hangup", "drop_voicemail", "connect_agent"]),
  /** Recording played after the beep when `onMachine` is drop_voicemail. */
  voicemailRecordingId: Schema.NullOr(RecordingId)
})
export type AmdPolicy = typeof AmdPolicy.Type

/** Pacing knobs; their meaning depends on the mode (see the dialer engine). */
export const PacingSettings = Schema.Struct({
  /** Lines per available agent for `parallel`, starting ratio for `predictive`. */
  linesPerAgent: Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 20 }))),
  /** Agentless: concurrent AI calls. */
  maxConcurrentCalls: Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 10000 })))
})
export type PacingSettings = typeof PacingSettings.Type

export class Campaign extends Model.Class<Campaign>("Campaign")({
  id: Model.GeneratedByApp(CampaignId),
  orgId: OrgId,
  teamId: Schema.NullOr(TeamId),
  name: NonBlank,
  description: Schema.NullOr(Schema.String),
  mode: CampaignMode,
  status: CampaignStatus,
  callingWindow: Json(CallingWindow),
  abandonPolicy: Json(AbandonPolicy),
  attemptRules: Json(AttemptRules),
  retryRules: Json(RetryRules),
  pacing: Json(PacingSettings),
  /** Caller ids rotated for this campaign; empty means the org default number. */
  callerIdPool: Schema.Array(PhoneNumberId),
  amd: Json(AmdPolicy),
  /** Agent script (markdown) or the AI agent's prompt. */
  script: Schema.NullOr(Schema.String),
  /** Agentless mode: the voice AI server taking the calls (seed 001). */
  voiceServerId: Schema.NullOr(VoiceServerId),
  createdBy: Schema.NullOr(UserId),
  startsAt: NullableTimestamp,
  endsAt: NullableTimestamp,
  /** seed 001 `campaigns.total_calls`. */
  totalCalls: Model.Field({ select: NonNegativeInt, update: NonNegativeInt, json: NonNegativeInt }),
  /** seed 001 `campaigns.transferred_calls`. */
  transferredCalls: Model.Field({ select: NonNegativeInt, update: NonNegativeInt, json: NonNegativeInt }),
  /** transferred / total, computed by the database (generated column); null before the first call. */
  conversionRate: Model.Field({ select: Schema.NullOr(Schema.Number), json: Schema.NullOr(Schema.Number) }),
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}

/** seed 001's conversion rate: transferred calls over total calls, null when none were made. */
export const conversionRate = (totalCalls: number, transferredCalls: number): number | null =>
  totalCalls > 0 ? transferredCalls / totalCalls : null

/**
 * Allowed status changes. Completed and archived campaigns never run again
 * (their abandon budget and counters are final); a draft can be archived
 * without ever running.
 */
const transitions: Readonly<Record<CampaignStatus, ReadonlyArray<CampaignStatus>>> = {
  draft: ["scheduled", "running", "archived"],
  scheduled: ["draft", "running", "paused", "archived"],
  running: ["paused", "completed"],
  paused: ["running", "completed", "archived"],
  completed: ["archived"],
  archived: []
}

export const canTransition = (from: CampaignStatus, to: CampaignStatus): boolean => transitions[from].includes(to)

export const allowedTransitions = (from: CampaignStatus): ReadonlyArray<CampaignStatus> => transitions[from]
