/**
 * The sync log port: one row per CRM operation on one object, as in the CRMLog seed
 * (object type, object id, action, status, message), scoped to an organization and connection.
 *
 * Connectors write to it for every pushed activity (including detected duplicates), every status
 * update and every rejected record, so an operator can answer "did call X reach Salesforce?".
 * The server and workflows back it with the domain repository; `layerTest` keeps rows in memory.
 */
import { Clock, Context, Effect, Layer, Ref, Schema } from "effect"
import { CrmProvider } from "./PendingDomain.ts"

export const SyncObjectType = Schema.Literals(["contact", "call", "dnc"])
export const SyncAction = Schema.Literals(["pull", "push", "update_status", "pull_dnc"])
export const SyncStatus = Schema.Literals(["success", "duplicate", "failed", "rejected"])

export class SyncLogEntry extends Schema.Class<SyncLogEntry>("@autodialer/crm-sync/SyncLogEntry")({
  organizationId: Schema.String,
  connectionId: Schema.String,
  provider: CrmProvider,
  objectType: SyncObjectType,
  /** Our id (idempotency key, contact id) or the CRM's record id when we have no other. */
  objectId: Schema.String,
  /** The CRM's id for the object, when known. */
  crmObjectId: Schema.NullOr(Schema.String),
  action: SyncAction,
  status: SyncStatus,
  message: Schema.String,
  /** ISO 8601 UTC. */
  at: Schema.String
}) {}

export type SyncLogInput = Omit<SyncLogEntry, "at">

export interface SyncLogShape {
  readonly record: (entry: SyncLogInput) => Effect.Effect<void>
}

export class SyncLog extends Context.Service<SyncLog, SyncLogShape>()("@autodialer/crm-sync/SyncLog") {
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
