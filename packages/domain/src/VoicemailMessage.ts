/**
 * Voicemails: the drops we left on answering machines and messages left for
 * us on callback numbers (seed 000 `Voicemail`).
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { CreatedAt, NonNegativeInt, NullableTimestamp, OrgId } from "./Fields.ts"
import { CallId, ContactId, RecordingId, VoicemailMessageId } from "./Ids.ts"
import { E164 } from "./Phone.ts"

export class VoicemailMessage extends Model.Class<VoicemailMessage>("VoicemailMessage")({
  id: Model.GeneratedByApp(VoicemailMessageId),
  orgId: OrgId,
  callId: Schema.NullOr(CallId),
  contactId: Schema.NullOr(ContactId),
  recordingId: Schema.NullOr(RecordingId),
  direction: Schema.Literals(["dropped", "received"]),
  fromNumber: Schema.NullOr(E164),
  durationSeconds: Schema.NullOr(NonNegativeInt),
  transcript: Schema.NullOr(Schema.String),
  listenedAt: NullableTimestamp,
  createdAt: CreatedAt
}) {}
