/**
 * Recordings: a call's recordings as the provider reports them (status moves
 * from in_progress to completed or failed), and the prompts we play
 * (voicemail drops, safe-harbour messages), looked up by kind.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { RecordingStatus } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { CallId, OrganizationId, RecordingId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { Recording, type RecordingKind } from "./Recording.ts"

export class RecordingNotFound extends Schema.TaggedError<RecordingNotFound>()("RecordingNotFound", {
  recordingId: Schema.String
}) {
  override get message() {
    return `recording ${this.recordingId} does not exist in this organization`
  }
}

export type NewRecording = Omit<typeof Recording.insert.Type, "id" | "orgId">

export class RecordingRepo extends Context.Service<RecordingRepo, {
  readonly create: (orgId: OrganizationId, input: NewRecording) => Effect.Effect<Recording, SqlError>
  readonly findById: (orgId: OrganizationId, id: RecordingId) => Effect.Effect<Recording, RecordingNotFound | SqlError>
  readonly forCall: (orgId: OrganizationId, callId: CallId) => Effect.Effect<ReadonlyArray<Recording>, SqlError>
  readonly ofKind: (orgId: OrganizationId, kind: RecordingKind) => Effect.Effect<ReadonlyArray<Recording>, SqlError>
  readonly setStatus: (
    orgId: OrganizationId,
    id: RecordingId,
    status: RecordingStatus,
    durationSeconds: number | null
  ) => Effect.Effect<Recording, RecordingNotFound | SqlError>
}>()("@autodialer/domain/RecordingRepo") {
  static readonly layer = Layer.effect(
    RecordingRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(Recording, "recordings")
      const orNotFound = (id: string) =>
        Option.match({ onNone: () => Effect.fail(new RecordingNotFound({ recordingId: id })), onSome: Effect.succeed<Recording> })
      const create: RecordingRepo["Service"]["create"] = (orgId, input) =>
        Effect.flatMap(Ids.generate(Ids.RecordingId), (id) => rows.insert(orgId, Recording.insert.make({ ...input, id, orgId })))
      const findById: RecordingRepo["Service"]["findById"] = (orgId, id) => Effect.flatMap(rows.find(orgId, id), orNotFound(id))
      const forCall: RecordingRepo["Service"]["forCall"] = (orgId, callId) => rows.findWhere(orgId, sql`call_id = ${callId}`)
      const ofKind: RecordingRepo["Service"]["ofKind"] = (orgId, kind) => rows.findWhere(orgId, sql`kind = ${kind}`)
      const setStatus: RecordingRepo["Service"]["setStatus"] = (orgId, id, status, durationSeconds) =>
        Effect.flatMap(
          rows.modify(orgId, id, (c) => Recording.update.make({ ...c, status, durationSeconds: durationSeconds ?? c.durationSeconds })),
          orNotFound(id)
        )
      return RecordingRepo.of({ create, findById, forCall, ofKind, setStatus })
    })
  )
}
