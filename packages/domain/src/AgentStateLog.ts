/**
 * Every agent state change (seed 000 agent status history). The dialing
 * session rebuilds agent availability from the latest row per agent after a
 * worker restart, and the reports derive talk / wrap / idle time from it.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { AgentState } from "./Enums.ts"
import { DbTimestamp, OrgId } from "./Fields.ts"
import { AgentStateLogId, CallId, CampaignId, UserId } from "./Ids.ts"

export class AgentStateLog extends Model.Class<AgentStateLog>("AgentStateLog")({
  id: Model.GeneratedByApp(AgentStateLogId),
  orgId: OrgId,
  agentId: UserId,
  campaignId: Schema.NullOr(CampaignId),
  callId: Schema.NullOr(CallId),
  state: AgentState,
  reason: Schema.NullOr(Schema.String),
  changedAt: DbTimestamp
}) {}
