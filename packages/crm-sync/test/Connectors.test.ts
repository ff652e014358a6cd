import { credentialsContext } from "@autodialer/domain/CrmConnectionRepo"
import { Secrets } from "@autodialer/domain/Secrets"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Connectors, CrmConnector, RateLimiter, SyncCheckpoint, SyncLog } from "../src/index.ts"
import { connectionId, expectFailure, orgId } from "./contract/CrmContract.ts"
import * as FakeHubSpot from "./fakes/FakeHubSpot.ts"
import * as FakeSalesforce from "./fakes/FakeSalesforce.ts"
import * as FakeZoho from "./fakes/FakeZoho.ts"
import { seedContacts } from "./fakes/Loopback.ts"

const services = Layer.mergeAll(SyncLog.layerTest, Secrets.layerTest, RateLimiter.layer, NodeHttpClient.layerUndici)

/** A connection row as the domain repository stores it: credentials sealed with the row's context. */
const row = (crmType: Connectors.ConnectionRow["crmType"], instanceUrl: string | null, credentials: unknown, status: Connectors.ConnectionRow["status"] = "active") =>
  Effect.gen(function*() {
    const secrets = yield* Secrets
    return {
      id: connectionId,
      orgId,
      crmType,
      instanceUrl,
      status,
      credentialsEncrypted: yield* secrets.encrypt(JSON.stringify(credentials), credentialsContext(orgId, connectionId))
    } satisfies Connectors.ConnectionRow
  })

const pullWith = (connection: Connectors.ConnectionRow, settings?: Connectors.ConnectionSettings) =>
  Effect.flatMap(CrmConnector, (crm) => crm.pullContacts(SyncCheckpoint.initial)).pipe(
    Effect.provide(Connectors.layerFromConnection(connection, settings))
  )

describe("Connectors.fromConnection", () => {
  it.live("builds each vendor's connector from a stored connection row", () =>
    Effect.gen(function*() {
      const hubspot = yield* Effect.promise(() => FakeHubSpot.startFakeHubSpot())
      const salesforce = yield* Effect.promise(() => FakeSalesforce.startFakeSalesforce())
      const zoho = yield* Effect.promise(() => FakeZoho.startFakeZoho())
      try {
        seedContacts(hubspot.state)
        seedContacts(salesforce.state, undefined, FakeSalesforce.contactIds)
        seedContacts(zoho.state, undefined, FakeZoho.contactIds)
        const h = yield* pullWith(yield* row("hubspot", null, { accessToken: hubspot.state.accessToken }), { hubspotBaseUrl: hubspot.url })
        // Salesforce: the instance URL comes from the row, not the credentials.
        const s = yield* pullWith(yield* row("salesforce", salesforce.url, { accessToken: salesforce.state.accessToken }))
        const z = yield* pullWith(yield* row("zoho", "https://www.zohoapis.eu", { accessToken: zoho.state.accessToken }), {
          zohoHosts: { apiBaseUrl: zoho.url, accountsUrl: zoho.url }
        })
        assert.deepStrictEqual([h.contacts.length, s.contacts.length, z.contacts.length], [5, 5, 5])
      } finally {
        yield* Effect.promise(() => Promise.all([hubspot.close(), salesforce.close(), zoho.close()]))
      }
    }).pipe(Effect.provide(services)))

  it.effect("refuses paused connections, unknown Zoho data centres and CSV without a file", () =>
    Effect.gen(function*() {
      const paused = yield* expectFailure(pullWith(yield* row("hubspot", null, { accessToken: "x" }, "paused")))
      assert.include(paused.message, "is paused")
      const zoho = yield* expectFailure(pullWith(yield* row("zoho", "https://example.com", { accessToken: "x" })))
      assert.include(zoho.message, "not a Zoho data centre")
      const csv = yield* expectFailure(pullWith(yield* row("csv", null, { signingSecret: "0123456789abcdef" })))
      assert.include(csv.message, "settings.csv")
    }).pipe(Effect.provide(services)))

  it("reads Zoho data centres by key or API host", () => {
    assert.strictEqual(Connectors.zohoDataCentre("eu"), "eu")
    assert.strictEqual(Connectors.zohoDataCentre("https://www.zohoapis.com.au/"), "com.au")
    assert.strictEqual(Connectors.zohoDataCentre(null), "com")
    assert.strictEqual(Connectors.zohoDataCentre("https://www.zohoapis.example"), null)
  })
})
