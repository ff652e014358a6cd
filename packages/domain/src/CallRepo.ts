/**
 * Calls: the record of each attempt, created before the carrier is asked to
 * dial (so the id exists when the first webhook arrives), then updated as
 * events come in. Lookups by provider call id route webhooks; `live` lists
 * the calls in flight, which a dialing session reloads after a restart.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { Call } from "./Call.ts"
import type { Provider } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { CallId, CampaignId, ContactId, OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { uniqueViolation } from "./internal/repo.ts"
import type * as Page from "./Page.ts"

export class CallNotFound extends Schema.TaggedError<CallNotFound>()("CallNotFound", {
  callId: Schema.String
}) {
  override get message() {
    return `call ${this.callId} does not exist in this organization`
  }
}

export class DuplicateProviderCallId extends Schema.TaggedError<DuplicateProviderCallId>()("DuplicateProviderCallId", {
  provider: Schema.String,
  providerCallId: Schema.String
}) {
  override get message() {
    return `${this.provider} call id '${this.providerCallId}' is already attached to another call`
  }
}

export type NewCall = Omit<typeof Call.insert.Type, "id" | "orgId">
export type CallPatch = Partial<Omit<NewCall, "provider" | "direction">>

export interface CallFilter {
  readonly campaignId?: CampaignId
  readonly contactId?: ContactId
}

export class CallRepo extends Context.Service<CallRepo, {
  readonly create: (orgId: OrganizationId, input: NewCall) => Effect.Effect<Call, DuplicateProviderCallId | SqlError>
  readonly findById: (orgId: OrganizationId, id: CallId) => Effect.Effect<Call, CallNotFound | SqlError>
  readonly findByProviderCallId: (
    orgId: OrganizationId,
    provider: Provider,
    providerCallId: string
  ) => Effect.Effect<Option.Option<Call>, SqlError>
  readonly update: (
    orgId: OrganizationId,
    id: CallId,
    patch: CallPatch
  ) => Effect.Effect<Call, CallNotFound | DuplicateProviderCallId | SqlError>
  /** Calls not yet in a terminal status, oldest first. */
  readonly live: (orgId: OrganizationId, campaignId: CampaignId) => Effect.Effect<ReadonlyArray<Call>, SqlError>
  readonly list: (
    orgId: OrganizationId,
    request: Page.PageRequest,
    filter?: CallFilter
  ) => Effect.Effect<Page.Page<Call>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/CallRepo") {
  static readonly layer = Layer.effect(
    CallRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(Call, "calls")
      const notFound = (id: string) => new CallNotFound({ callId: id })
      const duplicate = (provider: string, providerCallId: string | null) =>
      (error: SqlError): Effect.Effect<never, DuplicateProviderCallId | SqlError> =>
        uniqueViolation(error) === "calls_provider_call_key" && providerCallId !== null
          ? Effect.fail(new DuplicateProviderCallId({ provider, providerCallId }))
          : Effect.fail(error)

      const create: CallRepo["Service"]["create"] = (orgId, input) =>
        Ids.generate(Ids.CallId).pipe(
          Effect.flatMap((id) => rows.insert(orgId, Call.insert.make({ ...input, id, orgId }))),
          Effect.catchTag("SqlError", duplicate(input.provider, input.providerCallId))
        )

      const findById: CallRepo["Service"]["findById"] = (orgId, id) =>
        Effect.flatMap(rows.find(orgId, id), Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed }))

      const findByProviderCallId: CallRepo["Service"]["findByProviderCallId"] = (orgId, provider, providerCallId) =>
        Effect.map(
          rows.findWhere(orgId, sql`provider = ${provider} AND provider_call_id = ${providerCallId}`),
          (found) => Option.fromNullishOr(found[0])
        )

      const update: CallRepo["Service"]["update"] = (orgId, id, patch) =>
        rows.modify(orgId, id, (current) => Call.update.make({ ...current, ...patch })).pipe(
          Effect.catchTag("SqlError", (e) => duplicate("provider", patch.providerCallId ?? null)(e)),
          Effect.flatMap(Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed }))
        )

      const live: CallRepo["Service"]["live"] = (orgId, campaignId) =>
        // `ended_at IS NULL` first: the open-calls index (migration 8) is partial on it.
        rows.findWhere(orgId, sql`campaign_id = ${campaignId} AND ended_at IS NULL AND status IN ('queued', 'initiated', 'ringing', 'in_progress')`)

      const list: CallRepo["Service"]["list"] = (orgId, request, filter = {}) =>
        rows.list(orgId, request, sql.and([
          sql`org_id = ${orgId}`,
          ...(filter.campaignId === undefined ? [] : [sql`campaign_id = ${filter.campaignId}`]),
          ...(filter.contactId === undefined ? [] : [sql`contact_id = ${filter.contactId}`])
        ]))

      return CallRepo.of({ create, findById, findByProviderCallId, update, live, list })
    })
  )
}
