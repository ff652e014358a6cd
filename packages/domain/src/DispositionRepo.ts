/**
 * Per-organization dispositions with their semantic flags, and the default
 * set a new organization starts with.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { Disposition } from "./Disposition.ts"
import * as Ids from "./Ids.ts"
import type { OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { encodeRow, uniqueViolation } from "./internal/repo.ts"
import { withTenant } from "./Tenancy.ts"

export class DuplicateDisposition extends Schema.TaggedError<DuplicateDisposition>()("DuplicateDisposition", {
  code: Schema.String
}) {
  override get message() {
    return `a disposition with code '${this.code}' already exists in this organization`
  }
}

export type NewDisposition = Omit<typeof Disposition.insert.Type, "id" | "orgId">

const flags = { humanAnswered: false, contact: false, sale: false, dnc: false, callback: false, answeringMachine: false }

/** The dispositions every organization starts with; labels can be renamed, codes and flags carry meaning. */
export const defaults: ReadonlyArray<NewDisposition> = [
  { code: "sale", label: "Sale", ...flags, humanAnswered: true, contact: true, sale: true, sortOrder: 10, isActive: true },
  { code: "interested", label: "Interested", ...flags, humanAnswered: true, contact: true, sortOrder: 20, isActive: true },
  { code: "callback", label: "Call back", ...flags, humanAnswered: true, contact: true, callback: true, sortOrder: 30, isActive: true },
  { code: "not_interested", label: "Not interested", ...flags, humanAnswered: true, contact: true, sortOrder: 40, isActive: true },
  { code: "do_not_call", label: "Do not call", ...flags, humanAnswered: true, contact: true, dnc: true, sortOrder: 50, isActive: true },
  { code: "wrong_number", label: "Wrong number", ...flags, humanAnswered: true, sortOrder: 60, isActive: true },
  { code: "voicemail", label: "Left voicemail", ...flags, answeringMachine: true, sortOrder: 70, isActive: true },
  { code: "no_answer", label: "No answer", ...flags, sortOrder: 80, isActive: true }
]

export class DispositionRepo extends Context.Service<DispositionRepo, {
  readonly create: (orgId: OrganizationId, input: NewDisposition) => Effect.Effect<Disposition, DuplicateDisposition | SqlError>
  /** Active dispositions in display order. */
  readonly active: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<Disposition>, SqlError>
  readonly findByCode: (orgId: OrganizationId, code: string) => Effect.Effect<Option.Option<Disposition>, SqlError>
  /** Adds the `defaults` that are missing; returns how many were added. */
  readonly seedDefaults: (orgId: OrganizationId) => Effect.Effect<number, SqlError>
}>()("@autodialer/domain/DispositionRepo") {
  static readonly layer = Layer.effect(
    DispositionRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(Disposition, "dispositions")
      const encode = encodeRow(Disposition.insert)

      const create: DispositionRepo["Service"]["create"] = (orgId, input) =>
        Ids.generate(Ids.DispositionId).pipe(
          Effect.flatMap((id) => rows.insert(orgId, Disposition.insert.make({ ...input, id, orgId }))),
          Effect.catchTag("SqlError", (error): Effect.Effect<never, DuplicateDisposition | SqlError> =>
            uniqueViolation(error) === undefined ? Effect.fail(error) : Effect.fail(new DuplicateDisposition({ code: input.code })))
        )

      const active: DispositionRepo["Service"]["active"] = (orgId) =>
        Effect.map(rows.findWhere(orgId, sql`is_active`), (r) => [...r].sort((a, b) => a.sortOrder - b.sortOrder))

      const findByCode: DispositionRepo["Service"]["findByCode"] = (orgId, code) =>
        Effect.map(rows.findWhere(orgId, sql`code = ${code}`), (r) => Option.fromNullishOr(r[0]))

      const seedDefaults: DispositionRepo["Service"]["seedDefaults"] = (orgId) =>
        withTenant(orgId)(Effect.gen(function*() {
          let added = 0
          for (const input of defaults) {
            const id = yield* Ids.generate(Ids.DispositionId)
            const row = yield* encode(Disposition.insert.make({ ...input, id, orgId }))
            const r = yield* sql`INSERT INTO dispositions ${sql.insert(row)} ON CONFLICT (org_id, code) DO NOTHING RETURNING id`
            added += r.length
          }
          return added
        })).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      return DispositionRepo.of({ create, active, findByCode, seedDefaults })
    })
  )
}
