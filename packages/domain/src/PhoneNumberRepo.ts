/**
 * Caller-id inventory: add numbers, list the active ones, and move the
 * organization's default atomically (the partial unique index allows one).
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Ids from "./Ids.ts"
import type { OrganizationId, PhoneNumberId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { uniqueViolation } from "./internal/repo.ts"
import { PhoneNumber } from "./PhoneNumber.ts"
import { withTenant } from "./Tenancy.ts"

export class PhoneNumberNotFound extends Schema.TaggedError<PhoneNumberNotFound>()("PhoneNumberNotFound", {
  phoneNumberId: Schema.String
}) {
  override get message() {
    return `phone number ${this.phoneNumberId} does not exist in this organization`
  }
}

export class DuplicatePhoneNumber extends Schema.TaggedError<DuplicatePhoneNumber>()("DuplicatePhoneNumber", {
  number: Schema.String
}) {
  override get message() {
    return `phone number ${this.number} is already registered (numbers are unique per organization, and a provider SID at most once)`
  }
}

export type NewPhoneNumber = Omit<typeof PhoneNumber.insert.Type, "id" | "orgId" | "isDefault">

export class PhoneNumberRepo extends Context.Service<PhoneNumberRepo, {
  readonly create: (orgId: OrganizationId, input: NewPhoneNumber) => Effect.Effect<PhoneNumber, DuplicatePhoneNumber | SqlError>
  readonly findById: (orgId: OrganizationId, id: PhoneNumberId) => Effect.Effect<PhoneNumber, PhoneNumberNotFound | SqlError>
  readonly active: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<PhoneNumber>, SqlError>
  readonly defaultNumber: (orgId: OrganizationId) => Effect.Effect<Option.Option<PhoneNumber>, SqlError>
  /** Makes `id` the default caller id, clearing the previous default in the same transaction. */
  readonly setDefault: (orgId: OrganizationId, id: PhoneNumberId) => Effect.Effect<PhoneNumber, PhoneNumberNotFound | SqlError>
  readonly deactivate: (orgId: OrganizationId, id: PhoneNumberId) => Effect.Effect<PhoneNumber, PhoneNumberNotFound | SqlError>
}>()("@autodialer/domain/PhoneNumberRepo") {
  static readonly layer = Layer.effect(
    PhoneNumberRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(PhoneNumber, "phone_numbers")
      const notFound = (id: string) => new PhoneNumberNotFound({ phoneNumberId: id })
      const orNotFound = (id: string) => Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed<PhoneNumber> })

      const create: PhoneNumberRepo["Service"]["create"] = (orgId, input) =>
        Ids.generate(Ids.PhoneNumberId).pipe(
          Effect.flatMap((id) => rows.insert(orgId, PhoneNumber.insert.make({ ...input, id, orgId, isDefault: false }))),
          Effect.catchTag("SqlError", (error): Effect.Effect<never, DuplicatePhoneNumber | SqlError> =>
            uniqueViolation(error) === undefined ? Effect.fail(error) : Effect.fail(new DuplicatePhoneNumber({ number: input.number })))
        )

      const findById: PhoneNumberRepo["Service"]["findById"] = (orgId, id) => Effect.flatMap(rows.find(orgId, id), orNotFound(id))

      const active: PhoneNumberRepo["Service"]["active"] = (orgId) => rows.findWhere(orgId, sql`is_active`)

      const defaultNumber: PhoneNumberRepo["Service"]["defaultNumber"] = (orgId) =>
        Effect.map(rows.findWhere(orgId, sql`is_default`), (r) => Option.fromNullishOr(r[0]))

      const setDefault: PhoneNumberRepo["Service"]["setDefault"] = (orgId, id) =>
        withTenant(orgId)(Effect.gen(function*() {
          yield* findById(orgId, id)
          yield* sql`UPDATE phone_numbers SET is_default = false WHERE is_default AND id <> ${id}`
          const updated = yield* rows.decode(yield* sql`UPDATE phone_numbers SET is_default = true WHERE id = ${id} RETURNING *`)
          return yield* orNotFound(id)(Option.fromNullishOr(updated[0]))
        })).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const deactivate: PhoneNumberRepo["Service"]["deactivate"] = (orgId, id) =>
        Effect.flatMap(
          rows.modify(orgId, id, (current) => PhoneNumber.update.make({ ...current, isActive: false, isDefault: false })),
          orNotFound(id)
        )

      return PhoneNumberRepo.of({ create, findById, active, defaultNumber, setDefault, deactivate })
    })
  )
}
