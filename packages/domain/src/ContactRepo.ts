/**
 * Contacts: create, find, update, delete, keyset lists, lookup by phone, and
 * idempotent upsert of CRM records keyed by (source CRM, CRM id).
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { Contact, crossFieldProblems } from "./Contact.ts"
import { ContactStatus, CrmType } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import { ContactId, type OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { uniqueViolation } from "./internal/repo.ts"
import type * as Page from "./Page.ts"
import type { E164 } from "./Phone.ts"
import { withTenant } from "./Tenancy.ts"

export class ContactNotFound extends Schema.TaggedError<ContactNotFound>()("ContactNotFound", {
  contactId: Schema.String
}) {
  override get message() {
    return `contact ${this.contactId} does not exist in this organization`
  }
}

export class DuplicateContact extends Schema.TaggedError<DuplicateContact>()("DuplicateContact", {
  sourceCrm: CrmType,
  crmId: Schema.String
}) {
  override get message() {
    return `a contact with ${this.sourceCrm} id '${this.crmId}' already exists in this organization`
  }
}

export class InvalidContact extends Schema.TaggedError<InvalidContact>()("InvalidContact", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return `invalid contact: ${this.problems.join("; ")}`
  }
}

const checked = <A extends Parameters<typeof crossFieldProblems>[0]>(contact: A): Effect.Effect<A, InvalidContact> => {
  const problems = crossFieldProblems(contact)
  return problems.length === 0 ? Effect.succeed(contact) : Effect.fail(new InvalidContact({ problems }))
}

export type NewContact = Omit<typeof Contact.insert.Type, "id" | "orgId">
export type ContactPatch = Partial<NewContact>

export interface ContactFilter {
  readonly status?: ContactStatus
  readonly tag?: string
}

const toDuplicate = (input: Pick<NewContact, "sourceCrm" | "crmId">) =>
(error: SqlError): Effect.Effect<never, DuplicateContact | SqlError> =>
  uniqueViolation(error) === "contacts_crm_key" && input.sourceCrm !== null && input.crmId !== null
    ? Effect.fail(new DuplicateContact({ sourceCrm: input.sourceCrm, crmId: input.crmId }))
    : Effect.fail(error)

export class ContactRepo extends Context.Service<ContactRepo, {
  readonly create: (orgId: OrganizationId, input: NewContact) => Effect.Effect<Contact, InvalidContact | DuplicateContact | SqlError>
  readonly findById: (orgId: OrganizationId, id: ContactId) => Effect.Effect<Contact, ContactNotFound | SqlError>
  readonly findByPhone: (orgId: OrganizationId, phone: E164) => Effect.Effect<ReadonlyArray<Contact>, SqlError>
  readonly update: (
    orgId: OrganizationId,
    id: ContactId,
    patch: ContactPatch
  ) => Effect.Effect<Contact, ContactNotFound | InvalidContact | DuplicateContact | SqlError>
  readonly remove: (orgId: OrganizationId, id: ContactId) => Effect.Effect<void, ContactNotFound | SqlError>
  /** Inserts or refreshes the contact a CRM knows as (sourceCrm, crmId); `created` tells which. */
  readonly upsertFromCrm: (
    orgId: OrganizationId,
    input: NewContact & { readonly sourceCrm: CrmType; readonly crmId: string }
  ) => Effect.Effect<{ readonly contact: Contact; readonly created: boolean }, InvalidContact | SqlError>
  readonly list: (
    orgId: OrganizationId,
    request: Page.PageRequest,
    filter?: ContactFilter
  ) => Effect.Effect<Page.Page<Contact>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/ContactRepo") {
  static readonly layer = Layer.effect(
    ContactRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(Contact, "contacts")
      const notFound = (id: string) => new ContactNotFound({ contactId: id })

      const create = (orgId: OrganizationId, input: NewContact) =>
        Effect.gen(function*() {
          yield* checked(input)
          const id = yield* generateId
          return yield* rows.insert(orgId, Contact.insert.make({ ...input, id, orgId }))
        }).pipe(Effect.catchTag("SqlError", toDuplicate(input)))

      const findById = (orgId: OrganizationId, id: ContactId) =>
        Effect.flatMap(rows.find(orgId, id), Option.match({
          onNone: () => Effect.fail(notFound(id)),
          onSome: Effect.succeed
        }))

      const update = (orgId: OrganizationId, id: ContactId, patch: ContactPatch) =>
        withTenant(orgId)(Effect.gen(function*() {
          // Check the merged row before writing, so a half-set pair is a typed error, not a CHECK violation.
          yield* checked({ ...(yield* findById(orgId, id)), ...patch })
          return yield* rows.modify(orgId, id, (current) => Contact.update.make({ ...current, ...patch }))
        })).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.catchTag("SqlError", toDuplicate({ sourceCrm: patch.sourceCrm ?? null, crmId: patch.crmId ?? null })),
          Effect.flatMap(Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed }))
        )

      const remove = (orgId: OrganizationId, id: ContactId) =>
        Effect.flatMap(rows.remove(orgId, id), (removed) => removed ? Effect.void : Effect.fail(notFound(id)))

      const findByPhone = (orgId: OrganizationId, phone: E164) =>
        rows.findWhere(orgId, sql`org_id = ${orgId} AND (phone = ${phone} OR ${phone} = ANY(alternate_phones))`)

      const upsertFromCrm: ContactRepo["Service"]["upsertFromCrm"] = (orgId, input) =>
        withTenant(orgId)(Effect.gen(function*() {
          yield* checked(input)
          const existing = yield* sql<{ readonly id: ContactId }>`
            SELECT id FROM contacts
            WHERE org_id = ${orgId} AND source_crm = ${input.sourceCrm} AND crm_id = ${input.crmId}
            FOR UPDATE`
          const found = existing[0]
          if (found === undefined) {
            const id = yield* generateId
            return { contact: yield* rows.insert(orgId, Contact.insert.make({ ...input, id, orgId })), created: true }
          }
          const updated = yield* rows.modify(orgId, found.id, (current) =>
            Contact.update.make({
              ...current,
              ...input,
              // Local knowledge the CRM does not have survives a refresh.
              tags: [...new Set([...current.tags, ...input.tags])],
              customFields: { ...current.customFields, ...input.customFields }
            }))
          return { contact: Option.getOrThrow(updated), created: false }
        })).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const list = (orgId: OrganizationId, request: Page.PageRequest, filter: ContactFilter = {}) =>
        rows.list(orgId, request, sql.and([
          sql`org_id = ${orgId}`,
          ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`]),
          ...(filter.tag === undefined ? [] : [sql`${filter.tag} = ANY(tags)`])
        ]))

      return ContactRepo.of({ create, findById, findByPhone, update, remove, upsertFromCrm, list })
    })
  )
}

const generateId = Ids.generate(ContactId)
