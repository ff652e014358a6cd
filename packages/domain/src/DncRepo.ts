/**
 * Do-not-call lists. `blocking` answers the compliance question "may this
 * campaign call this number now?" by checking the three scopes at once:
 * global entries (system-managed: national registry, litigators), the
 * organization's list, and the campaign's own list. Expired entries no longer
 * block. Adding an existing entry is a no-op that returns the stored one.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { DncEntry } from "./DncEntry.ts"
import type { DncReason } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { CampaignId, DncEntryId, OrganizationId, UserId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { encodeRow } from "./internal/repo.ts"
import type * as Page from "./Page.ts"
import type { E164 } from "./Phone.ts"
import { withSystem, withTenant } from "./Tenancy.ts"

export class DncEntryNotFound extends Schema.TaggedError<DncEntryNotFound>()("DncEntryNotFound", {
  entryId: Schema.String
}) {
  override get message() {
    return `do-not-call entry ${this.entryId} does not exist in this organization`
  }
}

export interface NewDncEntry {
  readonly phone: E164
  readonly reason: DncReason
  /** Omit for an organization-wide entry. */
  readonly campaignId?: CampaignId
  readonly note?: string
  readonly addedBy?: UserId
  readonly addedAt: Date
  readonly expiresAt?: Date
}

export class DncRepo extends Context.Service<DncRepo, {
  readonly add: (orgId: OrganizationId, entry: NewDncEntry) => Effect.Effect<DncEntry, SqlError>
  /** System path: an entry that applies to every organization. */
  readonly addGlobal: (entry: Omit<NewDncEntry, "campaignId" | "addedBy">) => Effect.Effect<DncEntry, SqlError>
  readonly remove: (orgId: OrganizationId, id: DncEntryId) => Effect.Effect<void, DncEntryNotFound | SqlError>
  /** The entries that forbid calling `phone` for `campaignId` at `now`; empty means allowed. */
  readonly blocking: (
    orgId: OrganizationId,
    phone: E164,
    campaignId: CampaignId | null,
    now: Date
  ) => Effect.Effect<ReadonlyArray<DncEntry>, SqlError>
  readonly list: (orgId: OrganizationId, request: Page.PageRequest) => Effect.Effect<Page.Page<DncEntry>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/DncRepo") {
  static readonly layer = Layer.effect(
    DncRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(DncEntry, "dnc_entries")
      const encode = encodeRow(DncEntry.insert)
      const provide = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        Effect.provideService(effect, SqlClient.SqlClient, sql)

      const insertOrGet = (value: typeof DncEntry.insert.Type) =>
        Effect.gen(function*() {
          const row = yield* encode(value)
          const inserted = yield* rows.decode(yield* sql`INSERT INTO dnc_entries ${sql.insert(row)} ON CONFLICT DO NOTHING RETURNING *`)
          if (inserted[0] !== undefined) return inserted[0]
          const existing = yield* rows.decode(yield* sql`
            SELECT * FROM dnc_entries
            WHERE org_id IS NOT DISTINCT FROM ${value.orgId}
              AND campaign_id IS NOT DISTINCT FROM ${value.campaignId}
              AND phone = ${value.phone}`)
          return existing[0]!
        })

      const add: DncRepo["Service"]["add"] = (orgId, entry) =>
        provide(withTenant(orgId)(Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.DncEntryId)
          return yield* insertOrGet(DncEntry.insert.make({
            id,
            orgId,
            scope: entry.campaignId === undefined ? "organization" : "campaign",
            campaignId: entry.campaignId ?? null,
            phone: entry.phone,
            reason: entry.reason,
            note: entry.note ?? null,
            addedBy: entry.addedBy ?? null,
            addedAt: entry.addedAt,
            expiresAt: entry.expiresAt ?? null
          }))
        })))

      const addGlobal: DncRepo["Service"]["addGlobal"] = (entry) =>
        provide(withSystem(Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.DncEntryId)
          return yield* insertOrGet(DncEntry.insert.make({
            id,
            orgId: null,
            scope: "global",
            campaignId: null,
            phone: entry.phone,
            reason: entry.reason,
            note: entry.note ?? null,
            addedBy: null,
            addedAt: entry.addedAt,
            expiresAt: entry.expiresAt ?? null
          }))
        })))

      const remove: DncRepo["Service"]["remove"] = (orgId, id) =>
        Effect.flatMap(rows.remove(orgId, id), (removed) =>
          removed ? Effect.void : Effect.fail(new DncEntryNotFound({ entryId: id })))

      const blocking: DncRepo["Service"]["blocking"] = (orgId, phone, campaignId, now) =>
        provide(withTenant(orgId)(Effect.flatMap(sql`
          SELECT * FROM dnc_entries
          WHERE phone = ${phone}
            AND (expires_at IS NULL OR expires_at > ${now})
            AND (scope = 'global'
                 OR (scope = 'organization' AND org_id = ${orgId})
                 OR (scope = 'campaign' AND org_id = ${orgId} AND campaign_id IS NOT DISTINCT FROM ${campaignId}))
          ORDER BY added_at, id`, rows.decode)))

      const list: DncRepo["Service"]["list"] = (orgId, request) => rows.list(orgId, request, sql`org_id = ${orgId}`)

      return DncRepo.of({ add, addGlobal, remove, blocking, list })
    })
  )
}

/** Re-exported for callers that only need the yes/no answer. */
export const isBlocked = (entries: ReadonlyArray<DncEntry>): boolean => entries.length > 0
