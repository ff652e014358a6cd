/**
 * Append-only record of who did what to which object (seed 000 `AuditLog`,
 * seed 001 `audit_logs`). Rows are never updated; a trigger enforces it.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { DbTimestamp, Json, JsonObject, NonBlank, OrgId } from "./Fields.ts"
import { ApiKeyId, AuditLogId, UserId } from "./Ids.ts"

export class AuditLog extends Model.Class<AuditLog>("AuditLog")({
  id: Model.GeneratedByApp(AuditLogId),
  orgId: OrgId,
  /** Null for system actions (workflows, webhooks). */
  actorUserId: Schema.NullOr(UserId),
  actorApiKeyId: Schema.NullOr(ApiKeyId),
  /** Dotted verb, e.g. "campaign.start", "contact.delete". */
  action: NonBlank,
  entityType: NonBlank,
  entityId: Schema.NullOr(Schema.String),
  /** Before/after values or request details. */
  changes: Json(JsonObject),
  ipAddress: Schema.NullOr(Schema.String),
  createdAt: DbTimestamp
}) {}
