/**
 * Organizations and teams. Creating and deleting an organization is system
 * work (there is no tenant yet, or it is going away: the delete cascades to
 * every row the organization owns); reading and changing it happens as the
 * tenant itself.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Ids from "./Ids.ts"
import type { OrganizationId, TeamId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { decodeRows, encodeRow, uniqueViolation } from "./internal/repo.ts"
import { Organization, Team } from "./Organization.ts"
import { withSystem, withTenant } from "./Tenancy.ts"

export class OrganizationNotFound extends Schema.TaggedError<OrganizationNotFound>()("OrganizationNotFound", {
  orgId: Schema.String
}) {
  override get message() {
    return `organization ${this.orgId} does not exist`
  }
}

export class DuplicateOrganizationSlug extends Schema.TaggedError<DuplicateOrganizationSlug>()("DuplicateOrganizationSlug", {
  slug: Schema.String
}) {
  override get message() {
    return `the organization slug '${this.slug}' is taken`
  }
}

export type NewOrganization = Omit<typeof Organization.insert.Type, "id">
export type OrganizationPatch = Partial<Omit<NewOrganization, "slug">>
export type NewTeam = Omit<typeof Team.insert.Type, "id" | "orgId">

export class OrganizationRepo extends Context.Service<OrganizationRepo, {
  readonly create: (input: NewOrganization) => Effect.Effect<Organization, DuplicateOrganizationSlug | SqlError>
  readonly findById: (orgId: OrganizationId) => Effect.Effect<Organization, OrganizationNotFound | SqlError>
  /** System path: resolve a slug (login, webhooks) to its organization. */
  readonly findBySlug: (slug: string) => Effect.Effect<Option.Option<Organization>, SqlError>
  readonly update: (orgId: OrganizationId, patch: OrganizationPatch) => Effect.Effect<Organization, OrganizationNotFound | SqlError>
  /** Deletes the organization and, by cascade, everything it owns. */
  readonly remove: (orgId: OrganizationId) => Effect.Effect<void, OrganizationNotFound | SqlError>
  readonly createTeam: (orgId: OrganizationId, input: NewTeam) => Effect.Effect<Team, SqlError>
  readonly teams: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<Team>, SqlError>
  readonly removeTeam: (orgId: OrganizationId, id: TeamId) => Effect.Effect<boolean, SqlError>
}>()("@autodialer/domain/OrganizationRepo") {
  static readonly layer = Layer.effect(
    OrganizationRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const decode = decodeRows(Organization, "organizations")
      const encodeInsert = encodeRow(Organization.insert)
      const encodeUpdate = encodeRow(Organization.update)
      const teamRows = yield* crud.make(Team, "teams")
      const provide = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        Effect.provideService(effect, SqlClient.SqlClient, sql)
      const notFound = (id: string) => new OrganizationNotFound({ orgId: id })
      // Organizations are keyed by `id`, not `org_id`: the generic tenant CRUD does not apply.
      const asTenant = (orgId: OrganizationId) => <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        provide(withTenant(orgId)(effect))

      const create: OrganizationRepo["Service"]["create"] = (input) =>
        provide(withSystem(Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.OrganizationId)
          const row = yield* encodeInsert(Organization.insert.make({ ...input, id }))
          const rows = yield* decode(yield* sql`INSERT INTO organizations ${sql.insert(row)} RETURNING *`)
          return rows[0]!
        }))).pipe(Effect.catchTag("SqlError", (error): Effect.Effect<never, DuplicateOrganizationSlug | SqlError> =>
          uniqueViolation(error) === undefined ? Effect.fail(error) : Effect.fail(new DuplicateOrganizationSlug({ slug: input.slug }))))

      const findById: OrganizationRepo["Service"]["findById"] = (orgId) =>
        asTenant(orgId)(Effect.gen(function*() {
          const rows = yield* decode(yield* sql`SELECT * FROM organizations WHERE id = ${orgId}`)
          return rows[0] ?? (yield* notFound(orgId))
        }))

      const findBySlug: OrganizationRepo["Service"]["findBySlug"] = (slug) =>
        provide(withSystem(Effect.map(
          Effect.flatMap(sql`SELECT * FROM organizations WHERE slug = ${slug}`, decode),
          (rows) => Option.fromNullishOr(rows[0])
        )))

      const update: OrganizationRepo["Service"]["update"] = (orgId, patch) =>
        asTenant(orgId)(Effect.gen(function*() {
          const current = yield* decode(yield* sql`SELECT * FROM organizations WHERE id = ${orgId} FOR UPDATE`)
          if (current[0] === undefined) return yield* notFound(orgId)
          const { id: _id, ...row } = yield* encodeUpdate(Organization.update.make({ ...current[0], ...patch }))
          const rows = yield* decode(yield* sql`UPDATE organizations SET ${sql.update(row)} WHERE id = ${orgId} RETURNING *`)
          return rows[0]!
        }))

      const remove: OrganizationRepo["Service"]["remove"] = (orgId) =>
        provide(withSystem(Effect.gen(function*() {
          const r = yield* sql`DELETE FROM organizations WHERE id = ${orgId} RETURNING id`
          if (r.length === 0) return yield* notFound(orgId)
        })))

      const createTeam: OrganizationRepo["Service"]["createTeam"] = (orgId, input) =>
        Effect.flatMap(Ids.generate(Ids.TeamId), (id) => teamRows.insert(orgId, Team.insert.make({ ...input, id, orgId })))
      const teams: OrganizationRepo["Service"]["teams"] = (orgId) => teamRows.findWhere(orgId, sql`true`)
      const removeTeam: OrganizationRepo["Service"]["removeTeam"] = (orgId, id) => teamRows.remove(orgId, id)

      return OrganizationRepo.of({ create, findById, findBySlug, update, remove, createTeam, teams, removeTeam })
    })
  )
}
