/**
 * The embedded default: with no DATABASE_URL, `Database.layerConfig` opens
 * PGlite in the configured data directory, and what was written survives a
 * restart (the second start finds the migrations applied and skips them).
 * This is the one test that pays for cold PGlite starts.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Database from "../src/Database.ts"
import * as Migrations from "../src/Migrations.ts"
import * as Tenancy from "../src/Tenancy.ts"
import { postgres } from "@autodialer/testkit"

const pg = postgres()

describe("Database.layerConfig without DATABASE_URL", () => {
  it.live("uses PGlite in AUTODIALER_DATA_DIR, and the data survives a restart", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "autodialer-datadir-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const config = ConfigProvider.layer(ConfigProvider.fromEnvRecord({ AUTODIALER_DATA_DIR: join(dir, "pglite") }))
      const database = Database.layerConfig.pipe(Layer.provide(config))

      const first = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const applied = yield* Migrations.migrate
        yield* Tenancy.withSystem(sql`INSERT INTO organizations ${sql.insert({
          id: "0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f", name: "Persisted", slug: "persisted", plan: "free",
          limits: "{}", settings: "{}"
        })}`)
        const version = yield* sql<{ readonly v: string }>`SELECT version() AS v`
        return { applied: applied.length, version: version[0]!.v }
      }).pipe(Effect.provide(database))
      assert.strictEqual(first.applied, Object.keys(Migrations.statements).length)
      assert.include(first.version, "PGlite")

      const second = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const applied = yield* Migrations.migrate
        const rows = yield* Tenancy.withSystem(sql<{ readonly name: string }>`SELECT name FROM organizations`)
        return { applied: applied.length, names: rows.map((r) => r.name) }
      }).pipe(Effect.provide(database))
      assert.deepStrictEqual(second, { applied: 0, names: ["Persisted"] })
    }).pipe(Effect.scoped), 120_000)
})

describe.skipIf(pg.skip)("Database.layerConfig with DATABASE_URL", () => {
  it.live("connects to the Postgres server instead of PGlite", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ readonly v: string }>`SELECT version() AS v`
      assert.notInclude(rows[0]!.v, "PGlite")
      assert.include(rows[0]!.v, "PostgreSQL")
    }).pipe(Effect.provide(Database.layerConfig.pipe(
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord({ DATABASE_URL: pg.value ?? "" })))
    ))))
})
