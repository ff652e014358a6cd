/**
 * AI voice servers that take agentless calls over a media WebSocket (seed 001
 * `websocket_servers`): URL, status, last successful verification, priority.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { VoiceServerStatus } from "./Enums.ts"
import { CreatedAt, NonBlank, NullableTimestamp, OrgId, UpdatedAt } from "./Fields.ts"
import { VoiceServerId } from "./Ids.ts"

export const WebSocketUrl = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
  /^wss?:\/\/[^\s]+$/.test(s) ? undefined : `url '${s}' is not a WebSocket URL (expected wss://host/path)`
)))

export class VoiceServer extends Model.Class<VoiceServer>("VoiceServer")({
  id: Model.GeneratedByApp(VoiceServerId),
  orgId: OrgId,
  name: NonBlank,
  url: WebSocketUrl,
  status: VoiceServerStatus,
  lastVerifiedAt: NullableTimestamp,
  /** Lower is preferred. */
  priority: Schema.Int,
  maxConcurrentCalls: Schema.NullOr(Schema.Int),
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
