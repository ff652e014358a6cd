import { assert, describe, it } from "@effect/vitest"
import { Layer } from "effect"
import { Zoho } from "../src/index.ts"
import { connectionId, crmContract, orgId, sealForTest } from "./contract/CrmContract.ts"
import { CLIENT, contactIds, startFakeZoho, unknownId } from "./fakes/FakeZoho.ts"

crmContract({
  name: "Zoho",
  mobileProperty: "Mobile",
  tierProperty: "Tier",
  contactIds,
  unknownId,
  start: async () => {
    const fake = await startFakeZoho()
    return {
      state: fake.state,
      close: fake.close,
      connector: (options) =>
        Zoho.layer({
          organizationId: orgId,
          connectionId,
          dataCentre: "eu",
          apiBaseUrl: fake.url,
          accountsUrl: fake.url,
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

describe("Zoho wire details", () => {
  it("maps every documented data centre to its API and accounts hosts", () => {
    assert.strictEqual(Zoho.dataCentres.eu.api, "https://www.zohoapis.eu")
    assert.strictEqual(Zoho.dataCentres["com.au"].accounts, "https://accounts.zoho.com.au")
    assert.strictEqual(Zoho.dataCentres.jp.api, "https://www.zohoapis.jp")
    assert.strictEqual(Zoho.dataCentres.in.accounts, "https://accounts.zoho.in")
  })

  it("formats call times and durations the way the Calls module expects", () => {
    assert.strictEqual(Zoho.zohoDateTime("2026-02-03T15:04:05.123Z"), "2026-02-03T15:04:05+00:00")
    assert.strictEqual(Zoho.zohoDuration(125), "02:05")
    assert.strictEqual(Zoho.zohoDuration(3725), "62:05")
    assert.strictEqual(Zoho.zohoDuration(0), "00:00")
  })
})
