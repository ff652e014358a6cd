/**
 * Generic row access for one tenant table, shared by the repositories:
 * insert / find / read-modify-write update / delete / keyset list, each run
 * inside `withTenant(orgId)` so row-level security applies even if a
 * repository query forgot its org filter.
 */
import { Effect, Option } from "effect"
import type { Model } from "effect/schema"
import { SqlClient } from "effect/sql"
import type { Fragment } from "effect/sql/Statement"
import type { SqlError } from "effect/sql/SqlError"
import type { OrganizationId } from "../Ids.ts"
import * as Page from "../Page.ts"
import { withTenant } from "../Tenancy.ts"
import { decodeRows, encodeRow } from "./repo.ts"

type Row = { readonly id: string }

export interface Crud<M extends Model.Any> {
  readonly insert: (orgId: OrganizationId, value: M["insert"]["Type"]) => Effect.Effect<M["Type"], SqlError>
  readonly find: (orgId: OrganizationId, id: string) => Effect.Effect<Option.Option<M["Type"]>, SqlError>
  readonly findWhere: (orgId: OrganizationId, where: Fragment) => Effect.Effect<ReadonlyArray<M["Type"]>, SqlError>
  /** Locks the row, applies `f` to it, writes the update variant back. None when the row does not exist. */
  readonly modify: (
    orgId: OrganizationId,
    id: string,
    f: (current: M["Type"]) => M["update"]["Type"]
  ) => Effect.Effect<Option.Option<M["Type"]>, SqlError>
  readonly remove: (orgId: OrganizationId, id: string) => Effect.Effect<boolean, SqlError>
  readonly list: (
    orgId: OrganizationId,
    request: Page.PageRequest,
    where?: Fragment
  ) => Effect.Effect<Page.Page<M["Type"]>, Page.InvalidCursor | SqlError>
  readonly decode: (rows: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<M["Type"]>>
}

export const make = <M extends Model.Any & { readonly DecodingServices: never }>(
  model: M & { readonly insert: { readonly EncodingServices: never }; readonly update: { readonly EncodingServices: never } },
  table: string
): Effect.Effect<Crud<M>, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decode = decodeRows(model, table)
    const encodeInsert = encodeRow(model.insert)
    const encodeUpdate = encodeRow(model.update)
    const t = sql(table)
    const provide = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
      Effect.provideService(effect, SqlClient.SqlClient, sql)

    const insert: Crud<M>["insert"] = (orgId, value) =>
      provide(withTenant(orgId)(Effect.gen(function*() {
        const row = yield* encodeInsert(value)
        const rows = yield* decode(yield* sql`INSERT INTO ${t} ${sql.insert(row)} RETURNING *`)
        return rows[0]!
      })))

    const find: Crud<M>["find"] = (orgId, id) =>
      provide(withTenant(orgId)(Effect.gen(function*() {
        const rows = yield* decode(yield* sql`SELECT * FROM ${t} WHERE id = ${id}`)
        return Option.fromNullishOr(rows[0])
      })))

    const findWhere: Crud<M>["findWhere"] = (orgId, where) =>
      provide(withTenant(orgId)(Effect.flatMap(sql`SELECT * FROM ${t} WHERE ${where} ORDER BY id`, decode)))

    const modify: Crud<M>["modify"] = (orgId, id, f) =>
      provide(withTenant(orgId)(Effect.gen(function*() {
        const current = yield* decode(yield* sql`SELECT * FROM ${t} WHERE id = ${id} FOR UPDATE`)
        if (current[0] === undefined) return Option.none()
        const { id: _id, ...row } = yield* encodeUpdate(f(current[0]))
        const rows = yield* decode(yield* sql`UPDATE ${t} SET ${sql.update(row)} WHERE id = ${id} RETURNING *`)
        return Option.fromNullishOr(rows[0])
      })))

    const remove: Crud<M>["remove"] = (orgId, id) =>
      provide(withTenant(orgId)(Effect.map(
        sql<Row>`DELETE FROM ${t} WHERE id = ${id} RETURNING id`,
        (rows) => rows.length > 0
      )))

    const list: Crud<M>["list"] = (orgId, request, where) =>
      provide(Effect.gen(function*() {
        const after = yield* Page.decodeCursor(request.cursor)
        const limit = request.limit ?? Page.defaultLimit
        return yield* withTenant(orgId)(Effect.gen(function*() {
          const rows = yield* decode(yield* sql`
            SELECT * FROM ${t}
            WHERE ${where ?? sql`true`} AND ${after === undefined ? sql`true` : sql`id < ${after}`}
            ORDER BY id DESC
            LIMIT ${limit + 1}`)
          return Page.fromRows(rows as ReadonlyArray<M["Type"] & Row>, limit)
        }))
      }))

    return { insert, find, findWhere, modify, remove, list, decode }
  })
