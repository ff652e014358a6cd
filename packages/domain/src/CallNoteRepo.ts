/** Agent notes on contacts and calls: add, edit, delete, and a contact's notes newest first. */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { CallNote } from "./CallNote.ts"
import * as Ids from "./Ids.ts"
import type { CallNoteId, ContactId, OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import type * as Page from "./Page.ts"

export class CallNoteNotFound extends Schema.TaggedError<CallNoteNotFound>()("CallNoteNotFound", {
  noteId: Schema.String
}) {
  override get message() {
    return `note ${this.noteId} does not exist in this organization`
  }
}

export type NewCallNote = Omit<typeof CallNote.insert.Type, "id" | "orgId">

export class CallNoteRepo extends Context.Service<CallNoteRepo, {
  readonly add: (orgId: OrganizationId, note: NewCallNote) => Effect.Effect<CallNote, SqlError>
  readonly edit: (orgId: OrganizationId, id: CallNoteId, body: string) => Effect.Effect<CallNote, CallNoteNotFound | SqlError>
  readonly remove: (orgId: OrganizationId, id: CallNoteId) => Effect.Effect<void, CallNoteNotFound | SqlError>
  readonly forContact: (
    orgId: OrganizationId,
    contactId: ContactId,
    request: Page.PageRequest
  ) => Effect.Effect<Page.Page<CallNote>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/CallNoteRepo") {
  static readonly layer = Layer.effect(
    CallNoteRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(CallNote, "call_notes")
      const notFound = (id: string) => new CallNoteNotFound({ noteId: id })
      const add: CallNoteRepo["Service"]["add"] = (orgId, note) =>
        Effect.flatMap(Ids.generate(Ids.CallNoteId), (id) => rows.insert(orgId, CallNote.insert.make({ ...note, id, orgId })))
      const edit: CallNoteRepo["Service"]["edit"] = (orgId, id, body) =>
        Effect.flatMap(
          rows.modify(orgId, id, (current) => CallNote.update.make({ ...current, body })),
          Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed })
        )
      const remove: CallNoteRepo["Service"]["remove"] = (orgId, id) =>
        Effect.flatMap(rows.remove(orgId, id), (removed) => removed ? Effect.void : Effect.fail(notFound(id)))
      const forContact: CallNoteRepo["Service"]["forContact"] = (orgId, contactId, request) =>
        rows.list(orgId, request, sql`contact_id = ${contactId}`)
      return CallNoteRepo.of({ add, edit, remove, forContact })
    })
  )
}
