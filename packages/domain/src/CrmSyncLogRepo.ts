/** The CRM sync log (seed 000 CRMLog): append one entry per synced object, list newest first. */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { CrmSyncLog } from "./CrmSyncLog.ts"
import type { CrmSyncStatus } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { CrmConnectionId, OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import type * as Page from "./Page.ts"

export type NewCrmSyncLog = Omit<typeof CrmSyncLog.insert.Type, "id" | "orgId">

export interface CrmSyncLogFilter {
  readonly connectionId?: CrmConnectionId
  readonly status?: CrmSyncStatus
}

export class CrmSyncLogRepo extends Context.Service<CrmSyncLogRepo, {
  readonly append: (orgId: OrganizationId, entry: NewCrmSyncLog) => Effect.Effect<CrmSyncLog, SqlError>
  readonly list: (
    orgId: OrganizationId,
    request: Page.PageRequest,
    filter?: CrmSyncLogFilter
  ) => Effect.Effect<Page.Page<CrmSyncLog>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/CrmSyncLogRepo") {
  static readonly layer = Layer.effect(
    CrmSyncLogRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(CrmSyncLog, "crm_sync_logs")
      const append: CrmSyncLogRepo["Service"]["append"] = (orgId, entry) =>
        Effect.flatMap(Ids.generate(Ids.CrmSyncLogId), (id) => rows.insert(orgId, CrmSyncLog.insert.make({ ...entry, id, orgId })))
      const list: CrmSyncLogRepo["Service"]["list"] = (orgId, request, filter = {}) =>
        rows.list(orgId, request, sql.and([
          sql`org_id = ${orgId}`,
          ...(filter.connectionId === undefined ? [] : [sql`connection_id = ${filter.connectionId}`]),
          ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`])
        ]))
      return CrmSyncLogRepo.of({ append, list })
    })
  )
}
