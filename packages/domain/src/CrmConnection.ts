/**
 * A tenant's link to its CRM: type, encrypted credentials (OAuth tokens or
 * API keys, AES-256-GCM envelope from `Secrets.ts`, key id for rotation) and
 * the incremental-sync cursors per object type.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { CrmConnectionStatus, CrmType } from "./Enums.ts"
import { CreatedAt, Json, NonBlank, NullableTimestamp, OrgId, UpdatedAt } from "./Fields.ts"
import { CrmConnectionId } from "./Ids.ts"

/** Opaque per-object cursors (e.g. `{ "contact": "2026-11-25T10:00:00Z" }`). */
export const SyncCursors = Schema.Record(Schema.String, Schema.String)
export type SyncCursors = typeof SyncCursors.Type

export class CrmConnection extends Model.Class<CrmConnection>("CrmConnection")({
  id: Model.GeneratedByApp(CrmConnectionId),
  orgId: OrgId,
  crmType: CrmType,
  name: NonBlank,
  /** CRM account id (HubSpot portal id, Salesforce org id, Zoho org id). */
  externalAccountId: Schema.NullOr(Schema.String),
  /** Base URL for instance-specific APIs (Salesforce instance URL, Zoho data centre). */
  instanceUrl: Schema.NullOr(Schema.String),
  /** `Secrets.encrypt` envelope; never the plain credentials. */
  credentialsEncrypted: Model.Sensitive(Schema.String),
  credentialsKeyId: Schema.String,
  status: CrmConnectionStatus,
  syncCursors: Json(SyncCursors),
  lastSyncedAt: NullableTimestamp,
  lastError: Schema.NullOr(Schema.String),
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
