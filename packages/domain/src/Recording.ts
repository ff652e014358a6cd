/**
 * Audio files: call recordings (seed 000 `Recording`, seed 001
 * `call_logs.recording_url`) and prompts we play (voicemail drops,
 * safe-harbour messages), which have no call.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { Provider, RecordingStatus } from "./Enums.ts"
import { CreatedAt, NonNegativeInt, OrgId, UpdatedAt } from "./Fields.ts"
import { CallId, RecordingId } from "./Ids.ts"

export const RecordingKind = Schema.Literals(["call", "voicemail_drop", "safe_harbor", "greeting"])
export type RecordingKind = typeof RecordingKind.Type

export class Recording extends Model.Class<Recording>("Recording")({
  id: Model.GeneratedByApp(RecordingId),
  orgId: OrgId,
  callId: Schema.NullOr(CallId),
  kind: RecordingKind,
  provider: Schema.NullOr(Provider),
  providerRecordingId: Schema.NullOr(Schema.String),
  url: Schema.String,
  durationSeconds: Schema.NullOr(NonNegativeInt),
  status: RecordingStatus,
  contentType: Schema.NullOr(Schema.String),
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
