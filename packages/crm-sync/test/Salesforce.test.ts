import { Layer } from "effect"
import { Salesforce } from "../src/index.ts"
import { connectionId, crmContract, orgId, sealForTest } from "./contract/CrmContract.ts"
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
