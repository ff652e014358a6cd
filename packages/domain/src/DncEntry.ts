/**
 * Do-not-call entries (seed 000 `DNCList`). Scope: `global` rows (national
 * registry, litigators) apply to every tenant and have no org; `organization`
 * rows apply to the whole tenant; `campaign` rows to one campaign.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { DncReason, DncScope } from "./Enums.ts"
import { NullableTimestamp, Timestamp } from "./Fields.ts"
import { CampaignId, DncEntryId, OrganizationId, UserId } from "./Ids.ts"
import { E164 } from "./Phone.ts"

export class DncEntry extends Model.Class<DncEntry>("DncEntry")({
  id: Model.GeneratedByApp(DncEntryId),
  /** Null only for global entries. */
  orgId: Model.Field({ select: Schema.NullOr(OrganizationId), insert: Schema.NullOr(OrganizationId), json: Schema.NullOr(OrganizationId) }),
  scope: DncScope,
  campaignId: Schema.NullOr(CampaignId),
  phone: E164,
  reason: DncReason,
  note: Schema.NullOr(Schema.String),
  addedBy: Schema.NullOr(UserId),
  addedAt: Timestamp,
  expiresAt: NullableTimestamp
}) {}
