/**
 * Against the real vendors, only when credentials are in the environment (never in CI by
 * default). Read-only unless CRM_LIVE_PUSH_RECORD_ID is set, in which case one call activity is
 * pushed twice to that record and must come back Created then Duplicate.
 *
 *   HUBSPOT_ACCESS_TOKEN
 *   SALESFORCE_ACCESS_TOKEN, SALESFORCE_INSTANCE_URL [SALESFORCE_REFRESH_TOKEN, SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET]
 *   ZOHO_ACCESS_TOKEN, ZOHO_DATA_CENTRE (com, eu, in, com.au, jp, ...) [ZOHO_REFRESH_TOKEN, ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET]
 */
import { Secrets } from "@autodialer/domain/Secrets"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { CrmConnector, HubSpot, RateLimiter, Salesforce, SyncCheckpoint, SyncLog, Zoho } from "../src/index.ts"
import { activity, connectionId, orgId, sealForTest } from "./contract/CrmContract.ts"

const env = process.env
const optional = (pairs: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(pairs).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""))

const targets = [
  {
    name: "HubSpot",
    enabled: env["HUBSPOT_ACCESS_TOKEN"] !== undefined,
    layer: () => HubSpot.layer({ organizationId: orgId, connectionId, credentials: sealForTest({ accessToken: env["HUBSPOT_ACCESS_TOKEN"] }), pageSize: 10 })
  },
  {
    name: "Salesforce",
    enabled: env["SALESFORCE_ACCESS_TOKEN"] !== undefined && env["SALESFORCE_INSTANCE_URL"] !== undefined,
    layer: () =>
      Salesforce.layer({
        organizationId: orgId,
        connectionId,
        credentials: sealForTest({
          accessToken: env["SALESFORCE_ACCESS_TOKEN"],
          instanceUrl: env["SALESFORCE_INSTANCE_URL"],
          ...optional({ refreshToken: env["SALESFORCE_REFRESH_TOKEN"], clientId: env["SALESFORCE_CLIENT_ID"], clientSecret: env["SALESFORCE_CLIENT_SECRET"] })
        }),
        pageSize: 200
      })
  },
  {
    name: "Zoho",
    enabled: env["ZOHO_ACCESS_TOKEN"] !== undefined && env["ZOHO_DATA_CENTRE"] !== undefined,
    layer: () =>
      Zoho.layer({
        organizationId: orgId,
        connectionId,
        dataCentre: (env["ZOHO_DATA_CENTRE"] ?? "com") as Zoho.DataCentre,
        credentials: sealForTest({
          accessToken: env["ZOHO_ACCESS_TOKEN"],
          ...optional({ refreshToken: env["ZOHO_REFRESH_TOKEN"], clientId: env["ZOHO_CLIENT_ID"], clientSecret: env["ZOHO_CLIENT_SECRET"] })
        }),
        pageSize: 10
      })
  }
]

for (const target of targets) {
  describe.skipIf(!target.enabled)(`${target.name} (live)`, () => {
    const provide = <A, E>(effect: Effect.Effect<A, E, CrmConnector>) =>
      Effect.provide(
        effect,
        target.layer().pipe(
          Layer.provideMerge(Layer.mergeAll(SyncLog.layerTest, Secrets.layerTest, RateLimiter.layer)),
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )

    it.live("pulls a page of contacts and the DNC flags", () =>
      provide(Effect.gen(function*() {
        const connector = yield* CrmConnector
        const page = yield* connector.pullContacts(SyncCheckpoint.initial)
        assert.isAtLeast(page.contacts.length + page.rejected.length, 0)
        for (const c of page.contacts) assert.match(c.phone, /^\+[1-9]\d{6,14}$/)
        yield* connector.pullDoNotCall(null)
      })), 60_000)

    it.live.skipIf(env["CRM_LIVE_PUSH_RECORD_ID"] === undefined)("pushes one activity exactly once", () =>
      provide(Effect.gen(function*() {
        const connector = yield* CrmConnector
        const call = activity(`live-${Date.now()}`, env["CRM_LIVE_PUSH_RECORD_ID"]!)
        const [first] = yield* connector.pushCallActivities([call])
        const [second] = yield* connector.pushCallActivities([call])
        assert.strictEqual(first!._tag, "Created")
        assert.strictEqual(second!._tag, "Duplicate")
      })), 60_000)
  })
}
