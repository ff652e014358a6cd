/**
 * The sync log port: one row per CRM operation on one object, shaped like the domain's
 * `CrmSyncLog` (seed 000 CRMLog: object type, object id, action, status, message) so the server
 * and workflows can back it with the domain repository without translation.
 *
 * Connectors write a row for every pushed activity, every detected duplicate (status `skipped`,
 * `details.reason = "duplicate"`), every status update and every rejected record, so an operator
 * can answer "did call X reach Salesforce, and only once?". `layerTest` keeps rows in memory.
 * Rows never contain credentials: connectors only log ids, outcomes and vendor error texts.
 */
import { CrmSyncLogRepo } from "@autodialer/domain/CrmSyncLogRepo"
import { CrmObjectType, CrmSyncAction, CrmSyncStatus, CrmType } from "@autodialer/domain/Enums"
import { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import { Clock, Context, Effect, Layer, Ref, Schema } from "effect"

export class SyncLogEntry extends Schema.Class<SyncLogEntry>("@autodialer/crm-sync/SyncLogEntry")({
  orgId: OrganizationId,
  connectionId: CrmConnectionId,
  provider: CrmType,
  objectType: CrmObjectType,
  /** The CRM's id of the object, when known. */
  objectId: Schema.NullOr(Schema.String),
  /** Our id of the object (the call's idempotency key), when there is one. */
  localId: Schema.NullOr(Schema.String),
  action: CrmSyncAction,
  status: CrmSyncStatus,
  message: Schema.String,
  details: Schema.Record(Schema.String, Schema.Json),
  /** ISO 8601 UTC, from the Effect clock. */
  at: Schema.String
}) {}

export type SyncLogInput = Omit<SyncLogEntry, "at">

export interface SyncLogShape {
  readonly record: (entry: SyncLogInput) => Effect.Effect<void>
}

export class SyncLog extends Context.Service<SyncLog, SyncLogShape>()("@autodialer/crm-sync/SyncLog") {
  /**
   * Rows go to `crm_sync_logs` through the domain repository. A database failure is a defect: the
   * activity fails and is retried, which is safe because pushes are idempotent in the CRM.
   */
  static readonly layerRepo: Layer.Layer<SyncLog, never, CrmSyncLogRepo> = Layer.effect(
    SyncLog,
    Effect.gen(function*() {
      const repo = yield* CrmSyncLogRepo
      return {
        record: (entry) =>
          Effect.gen(function*() {
            const now = yield* Clock.currentTimeMillis
            yield* repo.append(entry.orgId, {
              connectionId: entry.connectionId,
              objectType: entry.objectType,
              objectId: entry.objectId,
              localId: entry.localId,
              action: entry.action,
              status: entry.status,
              message: entry.message,
              details: { ...entry.details, provider: entry.provider },
              createdAt: new Date(now)
            })
          }).pipe(Effect.orDie)
      }
    })
  )

  /** In-memory log for tests; read it back through `SyncLogMemory`. */
  static readonly layerTest: Layer.Layer<SyncLog | SyncLogMemory> = Layer.effectContext(
    Effect.gen(function*() {
      const rows = yield* Ref.make<ReadonlyArray<SyncLogEntry>>([])
      const record = (entry: SyncLogInput) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          yield* Ref.update(rows, (all) => [...all, new SyncLogEntry({ ...entry, at: new Date(now).toISOString() })])
        })
      return Context.make(SyncLog, { record }).pipe(Context.add(SyncLogMemory, { entries: Ref.get(rows) }))
    })
  )
}

/** Read access to the rows of `SyncLog.layerTest`. */
export class SyncLogMemory extends Context.Service<SyncLogMemory, {
  readonly entries: Effect.Effect<ReadonlyArray<SyncLogEntry>>
}>()("@autodialer/crm-sync/SyncLogMemory") {}
