/**
 * The SQL client layers: a Postgres server (`DATABASE_URL`) or embedded PGlite
 * (real Postgres compiled to WASM) when no URL is set. Both are exposed as the
 * abstract `SqlClient` (and `PgClient`), so repositories never know which one
 * runs underneath.
 *
 * PGlite is a single backend. It is served through `pglite-socket` on a unix
 * socket with `maxConnections: 1` on both sides: several connections would
 * interleave each other's transactions inside the one backend (see
 * STACK-NOTES). Consequence: in embedded mode every query is serialised, and
 * `LISTEN` would block the only connection, so events are delivered in-process.
 *
 * Column names are snake_case in SQL and camelCase in the models; these
 * clients translate query and result names for ad-hoc queries (the
 * repositories convert on their own and work over any client). JSON values
 * (`jsonb`) are not transformed, so custom fields and provider payloads keep
 * their keys.
 */
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Option, Redacted, String as Str } from "effect"
import type { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const nameTransforms = {
  transformQueryNames: Str.camelToSnake,
  transformResultNames: Str.snakeToCamel,
  transformJson: false
} as const

/** A Postgres server client from a connection URL. */
export const layerPg = (url: Redacted.Redacted<string>, options?: { readonly maxConnections?: number }) =>
  PgClient.layer({
    url,
    ...nameTransforms,
    maxConnections: options?.maxConnections ?? 10,
    applicationName: "autodialer"
  })

export interface PgliteOptions {
  /** Data directory; `undefined` keeps the database in memory. */
  readonly dataDir?: string | undefined
  /** Opens an existing PGlite instance instead of creating one (e.g. a clone of a migrated template). */
  readonly db?: PGlite | undefined
}

/**
 * Starts PGlite, serves it on a private unix socket and connects one
 * `PgClient` connection to it. The scope closes the client, the socket server
 * and PGlite in that order (an unclosed PGlite keeps the process alive).
 */
export const makePglite = (options: PgliteOptions = {}) =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const db = options.db ?? new PGlite(options.dataDir)
          await db.waitReady
          return db
        },
        catch: (cause) => new Error(`could not open PGlite at ${options.dataDir ?? "memory"}: ${String(cause)}`)
      }).pipe(Effect.orDie),
      (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
    )
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "autodialer-pglite-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const path = join(dir, ".s.PGSQL.5432")
    yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const server = new PGLiteSocketServer({ db, path, maxConnections: 1 })
        await server.start()
        return server
      }),
      (server) => Effect.promise(() => server.stop()).pipe(Effect.ignore)
    )
    return yield* PgClient.make({
      path,
      username: "postgres",
      database: "postgres",
      ...nameTransforms,
      maxConnections: 1,
      minConnections: 1
    })
  })

/** The embedded PGlite client as a layer. */
export const layerPglite = (options: PgliteOptions = {}): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError> =>
  PgClient.layerFrom(makePglite(options))

/**
 * Chooses the client from configuration: `DATABASE_URL` selects the Postgres
 * server; otherwise PGlite with its data in `AUTODIALER_DATA_DIR`
 * (default `./data/pglite`).
 */
export const layerConfig = Layer.unwrap(
  Effect.gen(function*() {
    const url = yield* Config.option(Config.Redacted("DATABASE_URL"))
    if (Option.isSome(url)) return layerPg(url.value)
    const dataDir = yield* Config.String("AUTODIALER_DATA_DIR").pipe(Config.withDefault("./data/pglite"))
    return layerPglite({ dataDir })
  })
)
