/**
 * Campaigns: create, read, update, list, status changes checked against the
 * allowed transitions, and atomic counter updates (seed 001 total /
 * transferred; the conversion rate is a generated column).
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { allowedTransitions, Campaign, canTransition } from "./Campaign.ts"
import { CampaignStatus } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import { CampaignId, type OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import type * as Page from "./Page.ts"
import { withTenant } from "./Tenancy.ts"

export class CampaignNotFound extends Schema.TaggedError<CampaignNotFound>()("CampaignNotFound", {
  campaignId: Schema.String
}) {
  override get message() {
    return `campaign ${this.campaignId} does not exist in this organization`
  }
}

export class InvalidStatusTransition extends Schema.TaggedError<InvalidStatusTransition>()("InvalidStatusTransition", {
  campaignId: Schema.String,
  from: CampaignStatus,
  to: CampaignStatus
}) {
  override get message() {
    const allowed = allowedTransitions(this.from)
    return `campaign ${this.campaignId} cannot go from ${this.from} to ${this.to} (allowed: ${allowed.length === 0 ? "none" : allowed.join(", ")})`
  }
}

type Generated = "id" | "orgId" | "totalCalls" | "transferredCalls"
export type NewCampaign = Omit<typeof Campaign.insert.Type, Generated>
export type CampaignPatch = Partial<Omit<NewCampaign, "status">>

export class CampaignRepo extends Context.Service<CampaignRepo, {
  readonly create: (orgId: OrganizationId, input: NewCampaign) => Effect.Effect<Campaign, SqlError>
  readonly findById: (orgId: OrganizationId, id: CampaignId) => Effect.Effect<Campaign, CampaignNotFound | SqlError>
  readonly update: (orgId: OrganizationId, id: CampaignId, patch: CampaignPatch) => Effect.Effect<Campaign, CampaignNotFound | SqlError>
  readonly setStatus: (
    orgId: OrganizationId,
    id: CampaignId,
    status: CampaignStatus
  ) => Effect.Effect<Campaign, CampaignNotFound | InvalidStatusTransition | SqlError>
  /** Counts one finished call; `transferred` when it reached an agent or transfer target. */
  readonly recordCall: (
    orgId: OrganizationId,
    id: CampaignId,
    transferred: boolean
  ) => Effect.Effect<Campaign, CampaignNotFound | SqlError>
  readonly remove: (orgId: OrganizationId, id: CampaignId) => Effect.Effect<void, CampaignNotFound | SqlError>
  readonly list: (
    orgId: OrganizationId,
    request: Page.PageRequest,
    status?: CampaignStatus
  ) => Effect.Effect<Page.Page<Campaign>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/CampaignRepo") {
  static readonly layer = Layer.effect(
    CampaignRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(Campaign, "campaigns")
      const notFound = (id: string) => new CampaignNotFound({ campaignId: id })
      const orNotFound = (id: string) => Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed<Campaign> })

      const create = (orgId: OrganizationId, input: NewCampaign) =>
        Effect.flatMap(Ids.generate(CampaignId), (id) => rows.insert(orgId, Campaign.insert.make({ ...input, id, orgId })))

      const findById = (orgId: OrganizationId, id: CampaignId) => Effect.flatMap(rows.find(orgId, id), orNotFound(id))

      const toUpdate = (current: Campaign) => {
        const { createdAt: _c, updatedAt: _u, conversionRate: _r, ...rest } = current
        return rest
      }

      const update = (orgId: OrganizationId, id: CampaignId, patch: CampaignPatch) =>
        Effect.flatMap(
          rows.modify(orgId, id, (current) => Campaign.update.make({ ...toUpdate(current), ...patch })),
          orNotFound(id)
        )

      const setStatus = (orgId: OrganizationId, id: CampaignId, status: CampaignStatus) =>
        withTenant(orgId)(Effect.gen(function*() {
          const current = yield* findById(orgId, id)
          if (current.status === status) return current
          if (!canTransition(current.status, status)) {
            return yield* new InvalidStatusTransition({ campaignId: id, from: current.status, to: status })
          }
          const updated = yield* rows.modify(orgId, id, (c) => Campaign.update.make({ ...toUpdate(c), status }))
          return yield* orNotFound(id)(updated)
        })).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const recordCall = (orgId: OrganizationId, id: CampaignId, transferred: boolean) =>
        withTenant(orgId)(Effect.gen(function*() {
          const updated = yield* rows.decode(yield* sql`
            UPDATE campaigns
            SET total_calls = total_calls + 1,
                transferred_calls = transferred_calls + ${transferred ? 1 : 0}
            WHERE id = ${id}
            RETURNING *`)
          return yield* orNotFound(id)(Option.fromNullishOr(updated[0]))
        })).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const remove = (orgId: OrganizationId, id: CampaignId) =>
        Effect.flatMap(rows.remove(orgId, id), (removed) => removed ? Effect.void : Effect.fail(notFound(id)))

      const list = (orgId: OrganizationId, request: Page.PageRequest, status?: CampaignStatus) =>
        rows.list(orgId, request, status === undefined ? sql`org_id = ${orgId}` : sql`org_id = ${orgId} AND status = ${status}`)

      return CampaignRepo.of({ create, findById, update, setStatus, recordCall, remove, list })
    })
  )
}
