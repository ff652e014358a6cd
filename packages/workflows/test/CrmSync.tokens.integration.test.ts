/**
 * Refreshed OAuth tokens are stored, sealed, in the connection row, on
 * Postgres against the HubSpot, Salesforce and Zoho loopback fakes (each
 * speaking its CRM's token endpoint). The sync steps run as the activities
 * run them (`pullPage`, `pushBatch`), each building its connector from the
 * stored row, as every activity attempt on any worker does.
 *
 * - After a refresh the row's ciphertext changed and decrypts (with the
 *   row-bound context) to the new access token; the next sync opens it and
 *   does not call the token endpoint.
 * - A connector opened before another one refreshed (another worker) gets a
 *   401, finds the newer token in the row and uses it: no second refresh.
 * - Salesforce with refresh-token rotation: the rotated refresh token is
 *   stored, and the next refresh (old refresh token now dead) works with it.
 * - No token, old or new, appears in clear in the tables or the logs.
 */
import { Connectors, SyncCheckpoint, SyncLog, TokenStore } from "@autodialer/crm-sync"
import { CallRepo } from "@autodialer/domain/CallRepo"
import { ContactRepo } from "@autodialer/domain/ContactRepo"
import type { CrmConnection } from "@autodialer/domain/CrmConnection"
import { CrmConnectionRepo, credentialsContext } from "@autodialer/domain/CrmConnectionRepo"
import type { CrmType } from "@autodialer/domain/Enums"
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import { Secrets } from "@autodialer/domain/Secrets"
import { withSystem } from "@autodialer/domain/Tenancy"
import { postgres } from "@autodialer/testkit"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type SettingsFor, pullPage, pushBatch } from "../src/CrmSync.ts"
import { createOrganization, makeRuntime, placedCall } from "./CrmSyncSupport.ts"

interface FakeState {
  accessToken: string
  refreshToken: string
  refreshes: number
  rotateRefreshTokens: boolean
  readonly calls: ReadonlyArray<{ readonly key: string }>
  expireAccessToken(): void
}
interface Fake {
  readonly url: string
  readonly state: FakeState
  readonly close: () => Promise<void>
}
interface FakeModule {
  readonly CLIENT: { readonly clientId: string; readonly clientSecret: string }
  readonly contactIds?: ReadonlyArray<string>
}
const fakesDir = new URL("../../crm-sync/test/fakes/", import.meta.url)
const load = async <M>(file: string): Promise<M> => (await import(new URL(file, fakesDir).href)) as M
const hubspot = await load<FakeModule & { startFakeHubSpot: () => Promise<Fake> }>("FakeHubSpot.ts")
const salesforce = await load<FakeModule & { startFakeSalesforce: () => Promise<Fake> }>("FakeSalesforce.ts")
const zoho = await load<FakeModule & { startFakeZoho: () => Promise<Fake> }>("FakeZoho.ts")
const { seedContacts } = await load<{ seedContacts: (state: FakeState, base?: number, ids?: ReadonlyArray<string>) => void }>("Loopback.ts")

const pg = postgres()

/** How each CRM is set up against its fake: the row's instance URL, extra credential keys, settings. */
const crms: ReadonlyArray<{
  readonly crmType: Exclude<CrmType, "csv">
  readonly start: () => Promise<Fake>
  readonly module: FakeModule
  readonly instanceUrl: (fake: Fake) => string | null
  readonly extra: (fake: Fake) => Record<string, string>
  readonly settings: (fake: Fake) => ReturnType<SettingsFor>
}> = [
  {
    crmType: "hubspot", start: hubspot.startFakeHubSpot, module: hubspot, instanceUrl: () => null, extra: () => ({}),
    settings: (fake) => ({ hubspotBaseUrl: fake.url })
  },
  {
    crmType: "salesforce", start: salesforce.startFakeSalesforce, module: salesforce, instanceUrl: (fake) => fake.url,
    extra: (fake) => ({ instanceUrl: fake.url, loginUrl: fake.url }), settings: () => ({})
  },
  {
    crmType: "zoho", start: zoho.startFakeZoho, module: zoho, instanceUrl: () => "eu", extra: () => ({}),
    settings: (fake) => ({ zohoHosts: { apiBaseUrl: fake.url, accountsUrl: fake.url } })
  }
]

describe.skipIf(pg.skip)("refreshed CRM tokens are stored sealed in the connection row (Postgres, CRM fakes)", () => {
  const { runtime, logLines } = makeRuntime(pg.value ?? "", "crm_tokens")
  beforeAll(async () => {
    await runtime.context()
  })
  afterAll(async () => {
    await runtime.dispose()
  })

  const stored = (id: string) =>
    runtime.runPromise(withSystem(Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ readonly credentialsEncrypted: string }>`SELECT credentials_encrypted FROM crm_connections WHERE id = ${id}`))).then((rows) => rows[0]!.credentialsEncrypted)
  const opened = (orgId: OrganizationId, id: CrmConnectionId) =>
    runtime.runPromise(Effect.gen(function*() {
      const secrets = yield* Secrets
      const envelope = yield* Effect.promise(() => stored(id))
      return JSON.parse(yield* secrets.decrypt(envelope, credentialsContext(orgId, id))) as Record<string, string>
    }))
  const tableDump = () =>
    runtime.runPromise(withSystem(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT
      (SELECT coalesce(json_agg(c)::text, '') FROM crm_connections c) AS connections,
      (SELECT coalesce(json_agg(l)::text, '') FROM crm_sync_logs l) AS logs`))).then((rows) => JSON.stringify(rows))

  for (const crm of crms) {
    it(`${crm.crmType}: stores the refreshed token${crm.crmType === "salesforce" ? " and the rotated refresh token" : ""}, which the next sync and another worker use without refreshing`, async () => {
      const fake = await crm.start()
      try {
        seedContacts(fake.state, undefined, crm.module.contactIds)
        const firstAccess = `${crm.crmType}-ACCESS-first-7d1e`
        const firstRefresh = `${crm.crmType}-REFRESH-first-90ab`
        fake.state.accessToken = firstAccess
        fake.state.refreshToken = firstRefresh
        fake.state.rotateRefreshTokens = crm.crmType === "salesforce"
        fake.state.expireAccessToken()

        const org = await runtime.runPromise(createOrganization(`Tokens ${crm.crmType}`, "America/New_York"))
        const orgId: OrganizationId = org.id
        const connection: CrmConnection = await runtime.runPromise(Effect.flatMap(CrmConnectionRepo, (repo) =>
          repo.create(orgId, {
            crmType: crm.crmType, name: crm.crmType, externalAccountId: null, instanceUrl: crm.instanceUrl(fake),
            credentials: JSON.stringify({ accessToken: firstAccess, refreshToken: firstRefresh, ...crm.module.CLIENT, ...crm.extra(fake) })
          })))
        const ref = { orgId, connectionId: connection.id }
        const settings: SettingsFor = () => crm.settings(fake)
        const before = await stored(connection.id)

        // "Another worker" opened its connector from the row now, before anyone refreshed.
        const stale = await runtime.runPromise(Connectors.fromConnection(connection, crm.settings(fake)).pipe(
          Effect.provide(SyncLog.layerRepo), Effect.provide(TokenStore.layerRepo)))

        // 1. The first sync meets the expired token and refreshes once; the row now holds the new token.
        const first = await runtime.runPromise(pullPage(ref, settings))
        expect(first).toMatchObject({ pulled: 5, done: true })
        expect(fake.state.refreshes).toBe(1)
        const fresh = fake.state.accessToken
        expect(fresh).toBe("access-2")
        const after = await stored(connection.id)
        expect(after).not.toBe(before)
        expect(after).toMatch(/^v1\.test\./)
        const credentials = await opened(orgId, connection.id)
        expect(credentials["accessToken"]).toBe(fresh)
        expect(credentials["clientSecret"]).toBe(crm.module.CLIENT.clientSecret) // the other keys are kept
        expect(credentials["refreshToken"]).toBe(crm.crmType === "salesforce" ? "refresh-rotated-1" : firstRefresh)
        // The envelope is bound to its row: it does not open as another connection's.
        await expect(runtime.runPromise(Effect.flatMap(Secrets, (s) => s.decrypt(after, credentialsContext(orgId, crypto.randomUUID())))))
          .rejects.toThrow()

        // 2. The next sync (pull and push, each a new connector from the row) does not call the token endpoint.
        const contact = (await runtime.runPromise(Effect.flatMap(ContactRepo, (r) => r.list(orgId, { limit: 10 })))).items
          .find((c) => c.status !== "do_not_call")!
        const at = new Date("2026-11-24T17:00:00Z")
        await runtime.runPromise(Effect.flatMap(CallRepo, (r) => r.create(orgId, placedCall(null, contact.id, contact.phone, at, {
          status: "completed", outcome: "human_answered", answeredBy: "human", talkDurationSeconds: 30, endedAt: new Date(at.getTime() + 40_000)
        }))))
        expect(await runtime.runPromise(pullPage(ref, settings))).toMatchObject({ pulled: 0, done: true })
        expect(await runtime.runPromise(pushBatch({ ...ref, limit: 10 }, settings))).toMatchObject({ selected: 1, created: 1 })
        expect(fake.state.calls).toHaveLength(1)
        expect(fake.state.refreshes).toBe(1)

        // 3. The stale connector's token is refused; it finds the stored one and carries on without a refresh.
        const page = await runtime.runPromise(stale.pullContacts(SyncCheckpoint.initial))
        expect(page.contacts).toHaveLength(5)
        expect(fake.state.refreshes).toBe(1)

        // 4. The token expires again: the refresh uses the stored refresh token (for Salesforce the rotated
        //    one; the first is dead now), and stores the next pair.
        fake.state.expireAccessToken()
        expect(await runtime.runPromise(pullPage(ref, settings))).toMatchObject({ done: true })
        expect(fake.state.refreshes).toBe(2)
        const again = await opened(orgId, connection.id)
        expect(again["accessToken"]).toBe("access-3")
        if (crm.crmType === "salesforce") expect(again["refreshToken"]).toBe("refresh-rotated-2")

        // No token in clear anywhere: the tables, the captured logs.
        const everything = [await tableDump(), ...logLines].join("\n")
        expect(everything).toContain(connection.id)
        for (const secret of [firstAccess, firstRefresh, "access-2", "access-3", "refresh-rotated-1", "refresh-rotated-2", crm.module.CLIENT.clientSecret]) {
          expect(everything, `"${secret}" leaked`).not.toContain(secret)
        }
      } finally {
        await fake.close()
      }
    }, 30_000)
  }
})
