import { Layer } from "effect"
import { HubSpot } from "../src/index.ts"
import { connectionId, crmContract, orgId, sealForTest } from "./contract/CrmContract.ts"
import { CLIENT, startFakeHubSpot } from "./fakes/FakeHubSpot.ts"

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
