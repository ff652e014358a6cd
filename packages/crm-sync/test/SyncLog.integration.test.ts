/**
 * The sync log backed by the domain repository on a real database (PGlite always, the Postgres
 * server when DATABASE_URL is set): a connector built from a stored connection row pushes a call
 * twice, refreshing its token on the way, and `crm_sync_logs` ends up with one success and one
 * duplicate row. Neither that table nor `crm_connections` contains any credential in clear.
 */
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { CrmSyncLogRepo } from "@autodialer/domain/CrmSyncLogRepo"
import { OrganizationRepo } from "@autodialer/domain/OrganizationRepo"
import { Secrets } from "@autodialer/domain/Secrets"
import * as Tenancy from "@autodialer/domain/Tenancy"
import * as TestDatabase from "@autodialer/domain/TestDatabase"
import type { IanaTimeZone } from "@autodialer/domain/TimeZone"
import { postgres } from "@autodialer/testkit"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Connectors, CrmConnector, RateLimiter, SyncCheckpoint, SyncLog } from "../src/index.ts"
import { activity } from "./contract/CrmContract.ts"
import { CLIENT, startFakeHubSpot } from "./fakes/FakeHubSpot.ts"
import { seedContacts } from "./fakes/Loopback.ts"

const pg = postgres()
const backends = [
  { name: "pglite", skip: false, db: () => TestDatabase.layerPglite() },
  { name: "postgres", skip: pg.skip, db: () => TestDatabase.layerPg(pg.value ?? "", "crm_sync_log") }
]

const ACCESS = "pat-na1-AAAA-live-access-token"
const REFRESH = "hs-refresh-BBBB-secret"

for (const backend of backends) {
  describe.skipIf(backend.skip)(`SyncLog.layerRepo (${backend.name})`, () => {
    const repos = Layer.mergeAll(OrganizationRepo.layer, CrmConnectionRepo.layer, CrmSyncLogRepo.layer).pipe(
      Layer.provideMerge(Secrets.layerTest),
      Layer.provideMerge(backend.db())
    )
    layer(repos, { timeout: "90 seconds", excludeTestServices: true })((it) => {
      it.effect("records pushes and duplicates in crm_sync_logs, and no credential reaches the database in clear", () =>
        Effect.gen(function*() {
          const org = yield* Effect.flatMap(OrganizationRepo, (orgs) =>
            orgs.create({
              name: "Acme",
              slug: `acme-${Math.random().toString(36).slice(2, 8)}`,
              plan: "starter",
              limits: { maxUsers: 5, maxAiCallsPerMonth: 100, maxConcurrentCalls: 4 },
              settings: { defaultTimeZone: "America/New_York" as IanaTimeZone, defaultRegion: "US", recordCalls: false }
            }))
          const fake = yield* Effect.acquireRelease(Effect.promise(() => startFakeHubSpot()), (f) => Effect.promise(() => f.close()))
          seedContacts(fake.state)
          fake.state.accessToken = ACCESS
          fake.state.refreshToken = REFRESH
          const connection = yield* Effect.flatMap(CrmConnectionRepo, (repo) =>
            repo.create(org.id, {
              crmType: "hubspot",
              name: "HubSpot",
              externalAccountId: "portal-1",
              instanceUrl: null,
              credentials: JSON.stringify({ accessToken: ACCESS, refreshToken: REFRESH, ...CLIENT })
            }))

          const connector = Connectors.layerFromConnection(connection, { hubspotBaseUrl: fake.url }).pipe(
            Layer.provide(Layer.mergeAll(SyncLog.layerRepo, RateLimiter.layer, NodeHttpClient.layerUndici))
          )
          yield* Effect.gen(function*() {
            const crm = yield* CrmConnector
            const page = yield* crm.pullContacts(SyncCheckpoint.initial)
            fake.state.expireAccessToken()
            const call = activity("call-db-1", page.contacts[0]!.crmId)
            const first = yield* crm.pushCallActivities([call])
            const again = yield* crm.pushCallActivities([call])
            assert.deepStrictEqual([first[0]!._tag, again[0]!._tag], ["Created", "Duplicate"])
          }).pipe(Effect.provide(connector))
          assert.strictEqual(fake.state.refreshes, 1)
          assert.strictEqual(fake.state.calls.length, 1)

          const logs = yield* Effect.flatMap(CrmSyncLogRepo, (repo) => repo.list(org.id, { limit: 10 }, { connectionId: connection.id }))
          const rows = [...logs.items].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
          assert.deepStrictEqual(rows.map((r) => [r.objectType, r.localId, r.action, r.status]), [
            ["call", "call-db-1", "push", "success"],
            ["call", "call-db-1", "push", "skipped"]
          ])
          assert.strictEqual(rows[1]!.details["reason"], "duplicate")
          assert.strictEqual(rows[1]!.objectId, fake.state.calls[0]!.id)

          const dump = yield* Tenancy.withSystem(Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            const tables = yield* sql`SELECT
              (SELECT coalesce(json_agg(c)::text, '') FROM crm_connections c) AS connections,
              (SELECT coalesce(json_agg(l)::text, '') FROM crm_sync_logs l) AS logs`
            return JSON.stringify(tables)
          }))
          assert.include(dump, "call-db-1")
          for (const secret of [ACCESS, REFRESH, CLIENT.clientSecret, fake.state.accessToken]) assert.notInclude(dump, secret)
        }).pipe(Effect.scoped), 60_000)
    })
  })
}
