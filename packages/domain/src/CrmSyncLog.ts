/** One CRM sync operation on one object (seed 000 `CRMLog`): object type and id, action, status, message. */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { CrmObjectType, CrmSyncAction, CrmSyncStatus } from "./Enums.ts"
import { DbTimestamp, Json, JsonObject, OrgId } from "./Fields.ts"
import { CrmConnectionId, CrmSyncLogId } from "./Ids.ts"

export class CrmSyncLog extends Model.Class<CrmSyncLog>("CrmSyncLog")({
  id: Model.GeneratedByApp(CrmSyncLogId),
  orgId: OrgId,
  /** Null when the connection was deleted later (logs outlive it). */
  connectionId: Schema.NullOr(CrmConnectionId),
  objectType: CrmObjectType,
  /** The CRM's id of the object, when known. */
  objectId: Schema.NullOr(Schema.String),
  /** Our id of the object, when there is one. */
  localId: Schema.NullOr(Schema.String),
  action: CrmSyncAction,
  status: CrmSyncStatus,
  message: Schema.NullOr(Schema.String),
  details: Json(JsonObject),
  createdAt: DbTimestamp
}) {}
