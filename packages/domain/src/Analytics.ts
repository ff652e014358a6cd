/**
 * Roll-ups written by the analytics ETL workflow, one row per key and day
 * (upserted, so re-running a day is safe):
 * - `OrgDailySnapshot`: seed 000 `AnalyticsSnapshot` (calls made, average
 *   duration, connection rate, talk minutes per org per day);
 * - `CallMetric`: seed 002 `call_metrics` (per agent per day);
 * - `ContactMetric`: seed 002 `contact_metrics` (per contact, lifetime);
 * - `CampaignDailyStats`: campaign analytics, including the abandon rate the
 *   compliance guard must keep under the campaign's cap.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { NonNegativeInt, NullableTimestamp, OrgId, UpdatedAt } from "./Fields.ts"
import { AnalyticsId, CampaignId, ContactId, UserId } from "./Ids.ts"

/** A calendar day, `YYYY-MM-DD` (a Postgres `date`, read as text). */
export const Day = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))
    ? undefined
    : `day '${s}' is not a calendar date (expected YYYY-MM-DD)`
)))

const Ratio = Schema.NullOr(Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 1 }))))

export class OrgDailySnapshot extends Model.Class<OrgDailySnapshot>("OrgDailySnapshot")({
  id: Model.GeneratedByApp(AnalyticsId),
  orgId: OrgId,
  day: Day,
  callsMade: NonNegativeInt,
  callsConnected: NonNegativeInt,
  avgDurationSeconds: Schema.NullOr(Schema.Number),
  connectionRate: Ratio,
  talkMinutes: Schema.Number,
  aiCalls: NonNegativeInt,
  updatedAt: UpdatedAt
}) {}

export class CallMetric extends Model.Class<CallMetric>("CallMetric")({
  id: Model.GeneratedByApp(AnalyticsId),
  orgId: OrgId,
  day: Day,
  agentId: UserId,
  /** Calls placed (total). */
  callsMade: NonNegativeInt,
  /** Calls in which the contact talked with the agent (human answered or transferred). */
  callsConnected: NonNegativeInt,
  /** Calls picked up by a person (connected, or abandoned before an agent joined). */
  answeredCalls: NonNegativeInt,
  /** Calls not answered by a person: no answer, busy, failed, voicemail... */
  missedCalls: NonNegativeInt,
  /** Missed calls that reached an answering machine (incl. a dropped voicemail). */
  voicemailCalls: NonNegativeInt,
  /** Answered calls with a recording. */
  recordedCalls: NonNegativeInt,
  /** Total talk time. */
  talkSeconds: NonNegativeInt,
  /** Average talk time of the connected calls with a known duration. */
  avgTalkSeconds: Schema.NullOr(Schema.Number.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0)))),
  /** answered / made. */
  answerRate: Ratio,
  /** recorded / answered. */
  recordingRate: Ratio,
  wrapSeconds: NonNegativeInt,
  idleSeconds: NonNegativeInt,
  sales: NonNegativeInt,
  updatedAt: UpdatedAt
}) {}

export class ContactMetric extends Model.Class<ContactMetric>("ContactMetric")({
  id: Model.GeneratedByApp(AnalyticsId),
  orgId: OrgId,
  contactId: ContactId,
  totalCalls: NonNegativeInt,
  connectedCalls: NonNegativeInt,
  totalTalkSeconds: NonNegativeInt,
  lastCalledAt: NullableTimestamp,
  lastConnectedAt: NullableTimestamp,
  updatedAt: UpdatedAt
}) {}

export class CampaignDailyStats extends Model.Class<CampaignDailyStats>("CampaignDailyStats")({
  id: Model.GeneratedByApp(AnalyticsId),
  orgId: OrgId,
  campaignId: CampaignId,
  day: Day,
  dials: NonNegativeInt,
  humanAnswered: NonNegativeInt,
  machineAnswered: NonNegativeInt,
  abandoned: NonNegativeInt,
  transferred: NonNegativeInt,
  sales: NonNegativeInt,
  talkSeconds: NonNegativeInt,
  /** abandoned / human answered (FCC definition). */
  abandonRate: Ratio,
  updatedAt: UpdatedAt
}) {}
