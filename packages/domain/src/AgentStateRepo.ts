/**
 * The agent state log: append every change, read the current state of each
 * agent (the latest row per agent), and page through one agent's history.
 */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { AgentStateLog } from "./AgentStateLog.ts"
import * as Ids from "./Ids.ts"
import type { OrganizationId, UserId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import type * as Page from "./Page.ts"
import { withTenant } from "./Tenancy.ts"

export type NewAgentState = Omit<typeof AgentStateLog.insert.Type, "id" | "orgId">

export class AgentStateRepo extends Context.Service<AgentStateRepo, {
  readonly record: (orgId: OrganizationId, change: NewAgentState) => Effect.Effect<AgentStateLog, SqlError>
  /** The latest state of every agent that has one. */
  readonly current: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<AgentStateLog>, SqlError>
  readonly history: (
    orgId: OrganizationId,
    agentId: UserId,
    request: Page.PageRequest
  ) => Effect.Effect<Page.Page<AgentStateLog>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/AgentStateRepo") {
  static readonly layer = Layer.effect(
    AgentStateRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(AgentStateLog, "agent_state_log")
      const record: AgentStateRepo["Service"]["record"] = (orgId, change) =>
        Effect.flatMap(Ids.generate(Ids.AgentStateLogId), (id) => rows.insert(orgId, AgentStateLog.insert.make({ ...change, id, orgId })))
      const current: AgentStateRepo["Service"]["current"] = (orgId) =>
        withTenant(orgId)(Effect.flatMap(sql`
          SELECT DISTINCT ON (agent_id) * FROM agent_state_log
          ORDER BY agent_id, changed_at DESC, id DESC`, rows.decode)).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      const history: AgentStateRepo["Service"]["history"] = (orgId, agentId, request) =>
        rows.list(orgId, request, sql`agent_id = ${agentId}`)
      return AgentStateRepo.of({ record, current, history })
    })
  )
}
