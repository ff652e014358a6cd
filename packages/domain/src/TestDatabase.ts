/**
 * Migrated, isolated databases for integration tests (ours and other
 * packages').
 *
 * - `layerPg(url)`: a uniquely named database on the Postgres server, created
 *   and migrated when the layer is built and dropped (`WITH (FORCE)`) when it
 *   is released, because engineers share the server.
 * - `layerPglite()`: an in-memory PGlite loaded from a migrated template.
 *   A cold PGlite plus migrations costs seconds, so the template is built once
 *   per machine and migration set (a tarball in the OS temp dir, keyed by a
 *   hash of the migration SQL) and every test file loads it (~0.5 s).
 */
import { PGlite } from "@electric-sql/pglite"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { Reactivity } from "effect/reactivity"
import { SqlClient } from "effect/sql"
import { createHash, randomBytes } from "node:crypto"
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Database from "./Database.ts"
import * as Migrations from "./Migrations.ts"

// Part of the template key: a template written by another PGlite version is not reused.
const PGLITE_VERSION = "0.5.14"

const migrationHash = createHash("sha256")
  .update(JSON.stringify([Migrations.statements, Migrations.table, PGLITE_VERSION]))
  .digest("hex")
  .slice(0, 16)

const withDatabase = (url: string, database: string) => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.href
}

/** Runs one statement on the server's maintenance connection. */
const admin = (url: string, statement: string) =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* PgClient.make({ url: Redacted.make(url), maxConnections: 1 })
    yield* client.unsafe(statement)
  })).pipe(Effect.provide(Reactivity.layer))

/**
 * A fresh, migrated database on the server at `url`, dropped on release.
 * `label` (letters, digits, underscore) names it for people reading `\l`.
 */
export const layerPg = (url: string, label: string): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown> =>
  Layer.unwrap(Effect.gen(function*() {
    const name = `t_${label.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 30)}_${randomBytes(4).toString("hex")}`
    yield* Effect.acquireRelease(
      admin(url, `CREATE DATABASE ${name}`),
      () => admin(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).pipe(Effect.ignore)
    )
    return Layer.effectDiscard(Migrations.migrate).pipe(
      Layer.provideMerge(Database.layerPg(Redacted.make(withDatabase(url, name)), { maxConnections: 4 }))
    )
  }))

const templatePath = join(tmpdir(), `autodialer-pglite-template-${migrationHash}.tar.gz`)

/** Writes the tarball atomically, so concurrent test files never read half a file. */
const saveTemplate = async (db: PGlite): Promise<void> => {
  const dump = await db.dumpDataDir("gzip")
  const tmp = `${templatePath}.${process.pid}.${randomBytes(4).toString("hex")}`
  writeFileSync(tmp, new Uint8Array(await dump.arrayBuffer()))
  renameSync(tmp, templatePath)
  // Templates of earlier migration sets are never used again.
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name)
    if (/^autodialer-pglite-template-[0-9a-f]{16}\.tar\.gz$/.test(name) && path !== templatePath) rmSync(path, { force: true })
  }
}

/** The migrated PGlite template as a tarball, built on first use. */
export const pgliteTemplate: Effect.Effect<Blob, unknown> = Effect.gen(function*() {
  if (!existsSync(templatePath)) {
    const db = new PGlite()
    yield* Effect.scoped(Effect.gen(function*() {
      const client = yield* Database.makePglite({ db })
      yield* Migrations.migrate.pipe(Effect.provideService(SqlClient.SqlClient, client))
      yield* Effect.promise(() => saveTemplate(db))
    })).pipe(Effect.provide(Reactivity.layer))
  }
  return new Blob([readFileSync(templatePath)])
})

/** An in-memory PGlite with the migrations applied, closed on release. */
export const layerPglite = (): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown> =>
  Layer.unwrap(Effect.gen(function*() {
    const template = yield* pgliteTemplate
    return Database.layerPglite({ db: new PGlite({ loadDataDir: template }) })
  }))
