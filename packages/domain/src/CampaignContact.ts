/**
 * The call queue (seed 000 `CallQueue`): one row per contact enrolled in a
 * campaign, with priority, the earliest time of the next attempt, the attempt
 * count and a reservation so two dialers never take the same row
 * (`FOR UPDATE SKIP LOCKED`, see `CampaignRepo.reserveDue`).
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { CallOutcome, QueueStatus } from "./Enums.ts"
import { CreatedAt, NonNegativeInt, NullableTimestamp, OrgId, Timestamp, UpdatedAt } from "./Fields.ts"
import { CampaignContactId, CampaignId, ContactId } from "./Ids.ts"

export class CampaignContact extends Model.Class<CampaignContact>("CampaignContact")({
  id: Model.GeneratedByApp(CampaignContactId),
  orgId: OrgId,
  campaignId: CampaignId,
  contactId: ContactId,
  /** Higher first. */
  priority: Schema.Int,
  status: QueueStatus,
  nextAttemptAt: Timestamp,
  attempts: NonNegativeInt,
  lastAttemptAt: NullableTimestamp,
  lastOutcome: Schema.NullOr(CallOutcome),
  /** Who holds the row (dialing-session id) and until when; expired reservations are reclaimable. */
  reservedBy: Schema.NullOr(Schema.String),
  reservedUntil: NullableTimestamp,
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
