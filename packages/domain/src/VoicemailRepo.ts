/** Voicemails we dropped and received: record them, list a contact's, mark one listened to. */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Ids from "./Ids.ts"
import type { ContactId, OrganizationId, VoicemailMessageId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { VoicemailMessage } from "./VoicemailMessage.ts"

export class VoicemailNotFound extends Schema.TaggedError<VoicemailNotFound>()("VoicemailNotFound", {
  voicemailId: Schema.String
}) {
  override get message() {
    return `voicemail ${this.voicemailId} does not exist in this organization`
  }
}

export type NewVoicemail = Omit<typeof VoicemailMessage.insert.Type, "id" | "orgId" | "listenedAt">

export class VoicemailRepo extends Context.Service<VoicemailRepo, {
  readonly record: (orgId: OrganizationId, input: NewVoicemail) => Effect.Effect<VoicemailMessage, SqlError>
  readonly forContact: (orgId: OrganizationId, contactId: ContactId) => Effect.Effect<ReadonlyArray<VoicemailMessage>, SqlError>
  /** Received voicemails nobody has listened to yet. */
  readonly unheard: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<VoicemailMessage>, SqlError>
  readonly markListened: (
    orgId: OrganizationId,
    id: VoicemailMessageId,
    at: Date
  ) => Effect.Effect<VoicemailMessage, VoicemailNotFound | SqlError>
}>()("@autodialer/domain/VoicemailRepo") {
  static readonly layer = Layer.effect(
    VoicemailRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(VoicemailMessage, "voicemail_messages")
      const record: VoicemailRepo["Service"]["record"] = (orgId, input) =>
        Effect.flatMap(Ids.generate(Ids.VoicemailMessageId), (id) =>
          rows.insert(orgId, VoicemailMessage.insert.make({ ...input, id, orgId, listenedAt: null })))
      const forContact: VoicemailRepo["Service"]["forContact"] = (orgId, contactId) =>
        rows.findWhere(orgId, sql`contact_id = ${contactId}`)
      const unheard: VoicemailRepo["Service"]["unheard"] = (orgId) =>
        rows.findWhere(orgId, sql`direction = 'received' AND listened_at IS NULL`)
      const markListened: VoicemailRepo["Service"]["markListened"] = (orgId, id, at) =>
        Effect.flatMap(
          rows.modify(orgId, id, (c) => VoicemailMessage.update.make({ ...c, listenedAt: c.listenedAt ?? at })),
          Option.match({ onNone: () => Effect.fail(new VoicemailNotFound({ voicemailId: id })), onSome: Effect.succeed })
        )
      return VoicemailRepo.of({ record, forContact, unheard, markListened })
    })
  )
}
