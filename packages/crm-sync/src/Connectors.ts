/**
 * Builds the right connector for a stored CRM connection (the domain's `CrmConnection` row).
 *
 * The sync workflow holds connection rows, not connector configs: this module is the one place
 * that reads `crmType`, `instanceUrl` (Salesforce instance URL, Zoho data centre) and the sealed
 * credentials of a row (bound to it with the repository's `credentialsContext`) and turns them
 * into a `CrmConnector`. A paused or revoked connection is refused before any request is made.
 * When a `TokenStore` is provided, tokens the connector refreshes are sealed back into the row.
 */
import type { CrmConnection } from "@autodialer/domain/CrmConnection"
import { credentialsContext } from "@autodialer/domain/CrmConnectionRepo"
import type { Secrets } from "@autodialer/domain/Secrets"
import { Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import type * as Backoff from "./Backoff.ts"
import { CrmConnector, type CrmConnectorShape } from "./CrmConnector.ts"
import { type CrmError, CrmInputInvalid } from "./CrmError.ts"
import * as CsvWebhook from "./CsvWebhook.ts"
import type { FieldMappingOverrides } from "./FieldMapping.ts"
import * as HubSpot from "./HubSpot.ts"
import type { RateLimiter } from "./RateLimiter.ts"
import * as Salesforce from "./Salesforce.ts"
import type { SyncLog } from "./SyncLog.ts"
import type * as TokenBucket from "./TokenBucket.ts"
import { TokenStore } from "./TokenStore.ts"
import * as Zoho from "./Zoho.ts"

/** The fields of a connection row a connector needs. */
export type ConnectionRow = Pick<CrmConnection, "id" | "orgId" | "crmType" | "instanceUrl" | "credentialsEncrypted" | "status">

/** Per-connection settings that do not live in the connection row. */
export interface ConnectionSettings {
  readonly fieldMapping?: FieldMappingOverrides
  /** CSV connections: where contacts are read from and activities are sent. */
  readonly csv?: { readonly file: string; readonly webhookUrl: string }
  /** HubSpot: override the API host (tests, proxies). */
  readonly hubspotBaseUrl?: string
  /** Zoho: override the data centre's hosts (tests). */
  readonly zohoHosts?: { readonly apiBaseUrl: string; readonly accountsUrl: string }
  readonly pageSize?: number
  readonly rateLimit?: TokenBucket.TokenBucketPolicy
  readonly backoff?: Backoff.BackoffPolicy
  readonly seed?: number
}

/** Reads a Zoho data centre from `instanceUrl`: its key ("eu") or its API host (https://www.zohoapis.eu). */
export const zohoDataCentre = (instanceUrl: string | null): Zoho.DataCentre | null => {
  if (instanceUrl === null) return "com"
  const value = instanceUrl.trim().replace(/\/$/, "")
  const keys = Object.keys(Zoho.dataCentres) as Array<Zoho.DataCentre>
  return keys.find((k) => k === value || Zoho.dataCentres[k].api === value) ?? null
}

export const fromConnection = (
  connection: ConnectionRow,
  settings: ConnectionSettings = {}
): Effect.Effect<CrmConnectorShape, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Effect.gen(function*() {
    const invalid = (message: string) => new CrmInputInvalid({ provider: connection.crmType, operation: "fromConnection", message })
    if (connection.status === "paused" || connection.status === "revoked") {
      return yield* invalid(`connection ${connection.id} is ${connection.status}; reconnect or resume it before syncing`)
    }
    // Refreshed tokens go back into this row when the caller provides a TokenStore.
    const store = yield* Effect.serviceOption(TokenStore)
    const common = {
      organizationId: connection.orgId,
      connectionId: connection.id,
      credentials: { envelope: connection.credentialsEncrypted, context: credentialsContext(connection.orgId, connection.id) },
      ...(Option.isNone(store) ? {} : { tokens: store.value.forConnection(connection) }),
      ...(settings.fieldMapping === undefined ? {} : { fieldMapping: settings.fieldMapping }),
      ...(settings.pageSize === undefined ? {} : { pageSize: settings.pageSize }),
      ...(settings.rateLimit === undefined ? {} : { rateLimit: settings.rateLimit }),
      ...(settings.backoff === undefined ? {} : { backoff: settings.backoff }),
      ...(settings.seed === undefined ? {} : { seed: settings.seed })
    }
    switch (connection.crmType) {
      case "hubspot":
        return yield* HubSpot.make({ ...common, ...(settings.hubspotBaseUrl === undefined ? {} : { baseUrl: settings.hubspotBaseUrl }) })
      case "salesforce":
        return yield* Salesforce.make({ ...common, ...(connection.instanceUrl === null ? {} : { instanceUrl: connection.instanceUrl }) })
      case "zoho": {
        const dataCentre = zohoDataCentre(connection.instanceUrl)
        if (dataCentre === null) {
          return yield* invalid(
            `instanceUrl '${connection.instanceUrl}' is not a Zoho data centre (expected one of ${Object.keys(Zoho.dataCentres).join(", ")} or its API host)`
          )
        }
        return yield* Zoho.make({ ...common, dataCentre, ...settings.zohoHosts })
      }
      case "csv": {
        if (settings.csv === undefined) return yield* invalid("a CSV connection needs settings.csv (file and webhookUrl)")
        return yield* CsvWebhook.make({ ...common, ...settings.csv })
      }
    }
  })

export const layerFromConnection = (
  connection: ConnectionRow,
  settings?: ConnectionSettings
): Layer.Layer<CrmConnector, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Layer.effect(CrmConnector, fromConnection(connection, settings))
