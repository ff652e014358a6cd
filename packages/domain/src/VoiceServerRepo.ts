/**
 * AI voice servers (seed 001 websocket_servers): register, verify, and pick
 * the preferred active one for an agentless call.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { VoiceServerStatus } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { OrganizationId, VoiceServerId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { VoiceServer } from "./VoiceServer.ts"

export class VoiceServerNotFound extends Schema.TaggedError<VoiceServerNotFound>()("VoiceServerNotFound", {
  voiceServerId: Schema.String
}) {
  override get message() {
    return `voice server ${this.voiceServerId} does not exist in this organization`
  }
}

export type NewVoiceServer = Omit<typeof VoiceServer.insert.Type, "id" | "orgId" | "lastVerifiedAt">

export class VoiceServerRepo extends Context.Service<VoiceServerRepo, {
  readonly create: (orgId: OrganizationId, input: NewVoiceServer) => Effect.Effect<VoiceServer, SqlError>
  /** All servers, preferred first. */
  readonly list: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<VoiceServer>, SqlError>
  /** The preferred active server, if any. */
  readonly pick: (orgId: OrganizationId) => Effect.Effect<Option.Option<VoiceServer>, SqlError>
  /** Records a health check: `active` sets the verification time, other statuses keep the last one. */
  readonly recordCheck: (
    orgId: OrganizationId,
    id: VoiceServerId,
    status: VoiceServerStatus,
    at: Date
  ) => Effect.Effect<VoiceServer, VoiceServerNotFound | SqlError>
  readonly remove: (orgId: OrganizationId, id: VoiceServerId) => Effect.Effect<void, VoiceServerNotFound | SqlError>
}>()("@autodialer/domain/VoiceServerRepo") {
  static readonly layer = Layer.effect(
    VoiceServerRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(VoiceServer, "voice_servers")
      const notFound = (id: string) => new VoiceServerNotFound({ voiceServerId: id })
      const byPreference = (servers: ReadonlyArray<VoiceServer>) =>
        [...servers].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : 1))

      const create: VoiceServerRepo["Service"]["create"] = (orgId, input) =>
        Effect.flatMap(Ids.generate(Ids.VoiceServerId), (id) =>
          rows.insert(orgId, VoiceServer.insert.make({ ...input, id, orgId, lastVerifiedAt: null })))
      const list: VoiceServerRepo["Service"]["list"] = (orgId) => Effect.map(rows.findWhere(orgId, sql`true`), byPreference)
      const pick: VoiceServerRepo["Service"]["pick"] = (orgId) =>
        Effect.map(rows.findWhere(orgId, sql`status = 'active'`), (r) => Option.fromNullishOr(byPreference(r)[0]))
      const recordCheck: VoiceServerRepo["Service"]["recordCheck"] = (orgId, id, status, at) =>
        Effect.flatMap(
          rows.modify(orgId, id, (c) =>
            VoiceServer.update.make({ ...c, status, lastVerifiedAt: status === "active" ? at : c.lastVerifiedAt })),
          Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed })
        )
      const remove: VoiceServerRepo["Service"]["remove"] = (orgId, id) =>
        Effect.flatMap(rows.remove(orgId, id), (removed) => removed ? Effect.void : Effect.fail(notFound(id)))
      return VoiceServerRepo.of({ create, list, pick, recordCheck, remove })
    })
  )
}
