/** The audit log: append who did what, list newest first (optionally for one entity). */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { AuditLog } from "./AuditLog.ts"
import * as Ids from "./Ids.ts"
import type { OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import type * as Page from "./Page.ts"

export type NewAuditEntry = Omit<typeof AuditLog.insert.Type, "id" | "orgId">

export class AuditRepo extends Context.Service<AuditRepo, {
  readonly record: (orgId: OrganizationId, entry: NewAuditEntry) => Effect.Effect<AuditLog, SqlError>
  readonly list: (
    orgId: OrganizationId,
    request: Page.PageRequest,
    entity?: { readonly type: string; readonly id: string }
  ) => Effect.Effect<Page.Page<AuditLog>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/AuditRepo") {
  static readonly layer = Layer.effect(
    AuditRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(AuditLog, "audit_logs")
      const record: AuditRepo["Service"]["record"] = (orgId, entry) =>
        Effect.flatMap(Ids.generate(Ids.AuditLogId), (id) => rows.insert(orgId, AuditLog.insert.make({ ...entry, id, orgId })))
      const list: AuditRepo["Service"]["list"] = (orgId, request, entity) =>
        rows.list(orgId, request, entity === undefined
          ? sql`org_id = ${orgId}`
          : sql`org_id = ${orgId} AND entity_type = ${entity.type} AND entity_id = ${entity.id}`)
      return AuditRepo.of({ record, list })
    })
  )
}
