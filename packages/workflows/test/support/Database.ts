/**
 * A throwaway Postgres database per test file with the domain schema: the
 * domain's migrations (the session store runs on `DialingSessionRepo`) plus
 * one test probe table. Like the domain's `TestDatabase.layerPg`, but it also
 * hands out the URL, which the failover test gives to its worker processes.
 */
import { randomUUID } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { PgClient } from "@effect/sql-pg"
import { SqlClient } from "effect/sql"
import { Migrations } from "@autodialer/domain"

/** Test probe: every originate the simulated carrier accepted, by process, to prove no attempt is dialled twice. */
const probes = [
  `CREATE TABLE carrier_originates (idempotency_key text NOT NULL, pid integer NOT NULL, deduplicated boolean NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp())`
]

export interface TestDatabase {
  readonly url: string
  /** A plain client (no name transforms): ad-hoc test queries read snake_case columns. */
  readonly layer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>
  drop(): Promise<void>
}

const withUrlDatabase = (url: string, database: string): string => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** Creates `wf_<label>_<random>`, migrated; `drop()` removes it. */
export const createTestDatabase = async (adminUrl: string, label: string): Promise<TestDatabase> => {
  const name = `wf_${label}_${randomUUID().replaceAll("-", "").slice(0, 10)}`
  const admin = (effect: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* effect(sql)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl), maxConnections: 1 })))))
  await admin((sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  const url = withUrlDatabase(adminUrl, name)
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* Migrations.migrate
    for (const statement of probes) yield* sql.unsafe(statement)
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))) as Effect.Effect<void>)
  return {
    url,
    layer: PgClient.layer({ url: Redacted.make(url), maxConnections: 8 }),
    drop: () => admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  }
}
