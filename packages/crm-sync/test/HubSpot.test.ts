import { Secrets } from "@autodialer/domain/Secrets"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { CrmConnector, type CrmError, HubSpot, RateLimiter, SyncCheckpoint, SyncLog } from "../src/index.ts"
import { activity, connectionId, crmContract, expectFailure, orgId, pullAll, sealForTest } from "./contract/CrmContract.ts"
import { CLIENT, startFakeHubSpot } from "./fakes/FakeHubSpot.ts"
import { seedContacts } from "./fakes/Loopback.ts"

crmContract({
  name: "HubSpot",
  mobileProperty: "mobilephone",
  tierProperty: "customer_tier",
  unknownId: "999999999",
  start: async () => {
    const fake = await startFakeHubSpot()
    return {
      state: fake.state,
      close: fake.close,
      connector: (options) =>
        HubSpot.layer({
          organizationId: orgId,
          connectionId,
          baseUrl: fake.url,
          credentials: sealForTest({ accessToken: fake.state.accessToken, refreshToken: fake.state.refreshToken, ...CLIENT }),
          pageSize: options.pageSize,
          ...(options.overrides === undefined ? {} : { fieldMapping: options.overrides }),
          rateLimit: { capacity: 1000, refillPerSecond: 1000 },
          backoff: { baseMillis: 10, capMillis: 50, maxRetries: options.maxRetries ?? 3 },
          seed: 7
        }).pipe(Layer.orDie)
    }
  }
})

describe("HubSpot specifics", () => {
  const withHubSpot = <A>(pageSize: number, body: (fake: Awaited<ReturnType<typeof startFakeHubSpot>>) => Effect.Effect<A, CrmError, CrmConnector>) =>
    Effect.acquireUseRelease(
      Effect.promise(() => startFakeHubSpot()),
      (fake) =>
        Effect.provide(
          body(fake),
          HubSpot.layer({
            organizationId: orgId,
            connectionId,
            baseUrl: fake.url,
            credentials: sealForTest({ accessToken: fake.state.accessToken }),
            pageSize,
            rateLimit: { capacity: 10_000, refillPerSecond: 10_000 }
          }).pipe(
            Layer.orDie,
            Layer.provide(Layer.mergeAll(SyncLog.layerTest, Secrets.layerTest, RateLimiter.layer)),
            Layer.provide(NodeHttpClient.layerUndici)
          )
        ),
      (fake) => Effect.promise(() => fake.close())
    )

  it.live("a re-push right after a create is a duplicate even before search has indexed the call", () =>
    withHubSpot(10, (fake) =>
      Effect.gen(function*() {
        seedContacts(fake.state)
        fake.control.searchLag = true
        const connector = yield* CrmConnector
        const call = activity("call-lag", "101")
        const outcomes = [...(yield* connector.pushCallActivities([call])), ...(yield* connector.pushCallActivities([call]))]
        assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Created", "Duplicate"])
        assert.strictEqual(fake.state.calls.length, 1)
      })))

  it.live("a private-app token that is refused fails with CrmUnauthorized without trying to refresh", () =>
    withHubSpot(10, (fake) =>
      Effect.gen(function*() {
        fake.state.expireAccessToken()
        const connector = yield* CrmConnector
        const error = yield* expectFailure(connector.pullContacts(SyncCheckpoint.initial))
        assert.strictEqual(error._tag, "CrmUnauthorized")
        assert.strictEqual(fake.state.refreshes, 0)
        assert.strictEqual(fake.state.log.length, 1)
      })))

  it.live("pushes 250 calls with 3 batch searches and 3 batch creates, not 500 requests", () =>
    withHubSpot(10, (fake) =>
      Effect.gen(function*() {
        seedContacts(fake.state)
        const connector = yield* CrmConnector
        const outcomes = yield* connector.pushCallActivities(Array.from({ length: 250 }, (_, i) => activity(`b-${i}`, String(101 + (i % 5)))))
        assert.isTrue(outcomes.every((o) => o._tag === "Created"))
        // Results come back in reverse order from the fake: each outcome must still carry its own call.
        for (const o of outcomes) {
          if (o._tag === "Created") assert.strictEqual(fake.state.calls.find((c) => c.id === o.crmActivityId)!.key, o.idempotencyKey)
        }
        const paths = fake.state.log.map((r) => r.path)
        assert.strictEqual(paths.filter((p) => p === "/crm/v3/objects/calls/search").length, 3)
        assert.strictEqual(paths.filter((p) => p === "/crm/v3/objects/calls/batch/create").length, 3)
      })))

  it.live("an incremental run restarts its search query before HubSpot's 10,000-result limit", () =>
    withHubSpot(100, (fake) =>
      Effect.gen(function*() {
        const base = Date.parse("2026-01-01T00:00:00Z")
        for (let i = 0; i < 10_050; i++) {
          fake.state.contacts.push({
            id: String(100_000 + i), firstName: null, lastName: null, email: null, phone: `+1415555${String(i % 10_000).padStart(4, "0")}`,
            mobile: null, company: null, status: null, tier: null, dnc: false, modifiedAt: base + (i + 1) * 1000
          })
        }
        const since = new Date(base).toISOString()
        const pages = yield* pullAll(new SyncCheckpoint({ since, cursor: null, highWater: since }), 200)
        const ids = pages.flatMap((p) => p.contacts.map((c) => c.crmId))
        assert.strictEqual(new Set(ids).size, 10_050)
        const searches = fake.state.log.filter((r) => r.path === "/crm/v3/objects/contacts/search")
        assert.strictEqual(searches.length, pages.length)
        assert.isTrue(pages.some((p) => !p.done && p.checkpoint.cursor === null && p.checkpoint.since !== since), "the query restarted from the high-water mark")
      })), 60_000)
})
