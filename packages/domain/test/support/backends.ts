/**
 * The two database backends every integration test runs against: the
 * Postgres server from DATABASE_URL (a fresh database per test file) and an
 * embedded PGlite loaded from the migrated template (one per test file).
 */
import { postgres } from "@autodialer/testkit"
import type { PgClient } from "@effect/sql-pg"
import type { Layer } from "effect"
import type { SqlClient } from "effect/sql"
import * as TestDatabase from "../../src/TestDatabase.ts"

export interface Backend {
  readonly name: "postgres" | "pglite"
  readonly skip: boolean
  readonly layer: () => Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>
}

export const backends = (label: string): ReadonlyArray<Backend> => {
  const pg = postgres()
  return [
    { name: "postgres", skip: pg.skip, layer: () => TestDatabase.layerPg(pg.value ?? "", label) },
    { name: "pglite", skip: false, layer: () => TestDatabase.layerPglite() }
  ]
}

/** Layer build + teardown budget: PGlite's first template build takes several seconds. */
export const layerTimeout = "120 seconds"
