/** Notes an agent writes about a call or contact (seed 000 `CallNote`, seed 004 `calls_call.notes`). */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { CreatedAt, NonBlank, OrgId, UpdatedAt } from "./Fields.ts"
import { CallId, CallNoteId, ContactId, UserId } from "./Ids.ts"

export class CallNote extends Model.Class<CallNote>("CallNote")({
  id: Model.GeneratedByApp(CallNoteId),
  orgId: OrgId,
  contactId: ContactId,
  callId: Schema.NullOr(CallId),
  authorId: Schema.NullOr(UserId),
  body: NonBlank,
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
