import { Secrets } from "@autodialer/domain/Secrets"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FieldMapping, RateLimiter, Salesforce, SyncLog } from "../src/index.ts"
import { connectionId, crmContract, expectFailure, orgId, sealForTest } from "./contract/CrmContract.ts"
import { CLIENT, contactIds, startFakeSalesforce, unknownId } from "./fakes/FakeSalesforce.ts"

crmContract({
  name: "Salesforce",
  mobileProperty: "MobilePhone",
  tierProperty: "Tier__c",
  contactIds,
  unknownId,
  start: async () => {
    const fake = await startFakeSalesforce()
    return {
      state: fake.state,
      close: fake.close,
      connector: (options) =>
        Salesforce.layer({
          organizationId: orgId,
          connectionId,
          credentials: sealForTest({
            accessToken: fake.state.accessToken,
            instanceUrl: fake.url,
            loginUrl: fake.url,
            refreshToken: fake.state.refreshToken,
            ...CLIENT
          }),
          pageSize: options.pageSize,
          ...(options.overrides === undefined ? {} : { fieldMapping: options.overrides }),
          rateLimit: { capacity: 1000, refillPerSecond: 1000 },
          backoff: { baseMillis: 10, capMillis: 50, maxRetries: options.maxRetries ?? 3 },
          seed: 7
        }).pipe(Layer.orDie)
    }
  }
})

describe("Salesforce specifics", () => {
  it.effect("refuses a mapped field name that is not an API name, before any SOQL is built", () =>
    Effect.gen(function*() {
      const error = yield* expectFailure(Salesforce.make({
        organizationId: orgId,
        connectionId,
        credentials: sealForTest({ accessToken: "x", instanceUrl: "http://127.0.0.1:9" }),
        fieldMapping: new FieldMapping.FieldMappingOverrides({ fields: { phone: "Phone FROM User --" } })
      }))
      assert.strictEqual(error._tag, "CrmInputInvalid")
      assert.include(error.message, "'Phone FROM User --' is not a Salesforce API field name")
    }).pipe(Effect.provide(Layer.mergeAll(SyncLog.layerTest, Secrets.layerTest, RateLimiter.layer, NodeHttpClient.layerUndici))))
})
