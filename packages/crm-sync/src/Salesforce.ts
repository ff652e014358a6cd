/**
 * Salesforce REST connector.
 *
 * - Contacts (or Leads): SOQL through `/services/data/vXX.X/query`, ordered by `SystemModstamp`,
 *   following `nextRecordsUrl` between pages; incremental runs filter `SystemModstamp > since`.
 *   Field names come from the organization's mapping, so each one is checked to be a plain API
 *   name before it enters the SOQL text.
 * - Calls: a Task with `TaskSubtype = 'Call'`, `CallType = 'Outbound'`, `CallDisposition`,
 *   `CallDurationInSeconds`, `WhoId` = the record the dial came from. The idempotency key lives in
 *   an external-id field (default `Autodialer_Call_Id__c`, unique). A batch first asks which keys
 *   already exist (one SOQL query), then upserts the rest by external id through sObject
 *   Collections (`PATCH /composite/sobjects/Task/<field>`, up to 200 per request,
 *   `allOrNone: false`): each record succeeds or fails alone, and a key created concurrently comes
 *   back `created: false` instead of a second Task. Existing Tasks are never overwritten.
 * - Auth: OAuth access token; on 401 `INVALID_SESSION_ID`, the refresh-token flow at
 *   `/services/oauth2/token` on the login host.
 * - Limits: `REQUEST_LIMIT_EXCEEDED` (403) and 429 are rate limits, retried with backoff.
 */
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import * as Phone from "@autodialer/domain/Phone"
import type { Secrets } from "@autodialer/domain/Secrets"
import { Effect, Layer, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as Backoff from "./Backoff.ts"
import {
  advanceHighWater,
  type CallActivity,
  type ContactPage,
  CrmConnector,
  type CrmConnectorShape,
  type CrmRecordType,
  type PushOutcome,
  type StatusUpdate,
  SyncCheckpoint
} from "./CrmConnector.ts"
import { type CrmError, CrmInputInvalid, CrmRequestFailed } from "./CrmError.ts"
import { open, type SealedCredentials } from "./Credentials.ts"
import type { ConnectionTokens } from "./TokenStore.ts"
import { crmProperties, crmStatusValue, FieldMapping, type FieldMappingOverrides, resolve } from "./FieldMapping.ts"
import * as ConnectorKit from "./internal/ConnectorKit.ts"
import * as VendorHttp from "./internal/VendorHttp.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { SyncLog } from "./SyncLog.ts"
import * as TokenBucket from "./TokenBucket.ts"

export interface SalesforceConfig {
  readonly organizationId: OrganizationId
  readonly connectionId: CrmConnectionId
  readonly credentials: SealedCredentials
  /** Where refreshed tokens are stored (the connection row); without it they live in memory only. */
  readonly tokens?: ConnectionTokens
  /** e.g. https://acme.my.salesforce.com; overrides `instanceUrl` in the credentials. */
  readonly instanceUrl?: string
  /** Default `v62.0`. */
  readonly apiVersion?: string
  /** Which object contacts are pulled from. Default `Contact`. */
  readonly objectType?: "Contact" | "Lead"
  readonly fieldMapping?: FieldMappingOverrides
  /** Records per page (`Sforce-Query-Options: batchSize`); Salesforce honours 200 to 2000. */
  readonly pageSize?: number
  /** Unique external-id field on Task holding our idempotency key. */
  readonly externalIdField?: string
  readonly rateLimit?: TokenBucket.TokenBucketPolicy
  readonly backoff?: Backoff.BackoffPolicy
  readonly seed?: number
}

export const SalesforceCredentials = Schema.Struct({
  accessToken: Schema.String,
  /** e.g. https://acme.my.salesforce.com; may instead come from the connection's instanceUrl. */
  instanceUrl: Schema.optionalKey(Schema.String),
  refreshToken: Schema.optionalKey(Schema.String),
  clientId: Schema.optionalKey(Schema.String),
  clientSecret: Schema.optionalKey(Schema.String),
  /** Default https://login.salesforce.com (test.salesforce.com for sandboxes). */
  loginUrl: Schema.optionalKey(Schema.String)
})

export const defaultMapping = (objectType: "Contact" | "Lead"): FieldMapping =>
  new FieldMapping({
    fields: {
      firstName: "FirstName",
      lastName: "LastName",
      email: "Email",
      phone: "Phone",
      ...(objectType === "Lead" ? { company: "Company", stage: "Status" } : { stage: "Autodialer_Status__c" }),
      doNotCall: "DoNotCall"
    },
    custom: {},
    defaultRegion: Phone.Region.make("US"),
    statusValues: {}
  })

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/
const COLLECTION_LIMIT = 200

const QueryPage = Schema.Struct({
  totalSize: Schema.Number,
  done: Schema.Boolean,
  nextRecordsUrl: Schema.optionalKey(Schema.String),
  records: Schema.Array(Schema.Unknown)
})
const SObject = Schema.StructWithRest(
  Schema.Struct({ Id: Schema.String, SystemModstamp: Schema.String }),
  [Schema.Record(Schema.String, Schema.Unknown)]
)
const SaveResult = Schema.Struct({
  id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  success: Schema.Boolean,
  created: Schema.optionalKey(Schema.Boolean),
  errors: Schema.Array(Schema.Struct({ statusCode: Schema.String, message: Schema.String, fields: Schema.optionalKey(Schema.Array(Schema.String)) }))
})
const SaveResults = Schema.Array(SaveResult)

const soqlString = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`
const sobjectOf = (type: CrmRecordType) => (type === "lead" ? "Lead" : "Contact")
/** Salesforce ids are 15 or 18 alphanumerics; anything else would be rejected (or worse, mistyped). */
const isSalesforceId = (id: string) => /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/.test(id)

const hasError = (text: string, code: string) => text.includes(`"errorCode":"${code}"`) || text.includes(`"errorCode": "${code}"`)

export const make = (
  config: SalesforceConfig
): Effect.Effect<CrmConnectorShape, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Effect.gen(function*() {
    const provider = "salesforce" as const
    const objectType = config.objectType ?? "Contact"
    const mapping = resolve(defaultMapping(objectType), config.fieldMapping)
    const version = config.apiVersion ?? "v62.0"
    const pageSize = config.pageSize ?? 200
    const externalId = config.externalIdField ?? "Autodialer_Call_Id__c"
    const ctx: ConnectorKit.LogContext = { orgId: config.organizationId, connectionId: config.connectionId, provider }
    const credentials = yield* open(provider, config.credentials, SalesforceCredentials)
    const client = yield* HttpClient.HttpClient
    const syncLog = yield* SyncLog
    const instanceUrl = config.instanceUrl ?? credentials.instanceUrl
    if (instanceUrl === undefined) {
      return yield* new CrmInputInvalid({ provider, operation: "configure", message: "no Salesforce instance URL (set it on the connection, e.g. https://acme.my.salesforce.com)" })
    }
    const instance = instanceUrl.replace(/\/$/, "")
    const api = `${instance}/services/data/${version}`

    const fields = [...crmProperties(mapping), externalId]
    const badName = fields.find((f) => !API_NAME.test(f))
    if (badName !== undefined) {
      return yield* new CrmInputInvalid({
        provider,
        operation: "configure",
        message: `'${badName}' is not a Salesforce API field name (expected letters, digits and underscores, e.g. Phone or Tier__c)`
      })
    }

    const loginUrl = (credentials.loginUrl ?? "https://login.salesforce.com").replace(/\/$/, "")
    const { holder: token, canRefresh } = yield* ConnectorKit.oauthTokens({
      provider,
      client,
      credentials,
      grant: ConnectorKit.formRefreshGrant(`${loginUrl}/services/oauth2/token`),
      reconnect: "reconnect the Salesforce org",
      store: config.tokens ?? null
    })
    const http = yield* VendorHttp.make(
      {
        provider,
        organizationId: config.organizationId,
        rateLimit: config.rateLimit ?? TokenBucket.defaults.salesforce,
        backoff: config.backoff ?? Backoff.defaultPolicy,
        seed: config.seed ?? 1,
        isAuthExpired: (r) => r.status === 401,
        isRateLimited: (r) => r.status === 429 || (r.status === 403 && hasError(r.text, "REQUEST_LIMIT_EXCEEDED"))
      },
      ConnectorKit.bearerAuth(token, canRefresh)
    )

    /** First page of a SOQL query, or the page behind a `nextRecordsUrl`. */
    const query = (operation: string, soqlOrNext: { readonly soql: string } | { readonly next: string }) =>
      http.json(
        operation,
        ("soql" in soqlOrNext
          ? HttpClientRequest.get(`${api}/query`).pipe(HttpClientRequest.setUrlParam("q", soqlOrNext.soql))
          : HttpClientRequest.get(`${instance}${soqlOrNext.next}`)).pipe(
            HttpClientRequest.setHeader("sforce-query-options", `batchSize=${pageSize}`)
          ),
        QueryPage,
        { idempotent: true }
      )

    const nextUrl = (cursor: string): Effect.Effect<string, CrmInputInvalid> =>
      cursor.startsWith("/services/data/")
        ? Effect.succeed(cursor)
        : Effect.fail(new CrmInputInvalid({ provider, operation: "pullContacts", message: `cursor '${cursor}' is not a Salesforce nextRecordsUrl` }))

    const pullContacts = (checkpoint: SyncCheckpoint): Effect.Effect<ContactPage, CrmError, SyncLog> =>
      Effect.gen(function*() {
        const selected = [...new Set(["Id", "SystemModstamp", ...crmProperties(mapping)])].join(", ")
        const where = checkpoint.since === null ? "" : ` WHERE SystemModstamp > ${new Date(checkpoint.since).toISOString()}`
        const page = checkpoint.cursor === null
          ? yield* query("pullContacts", { soql: `SELECT ${selected} FROM ${objectType}${where} ORDER BY SystemModstamp ASC, Id ASC` })
          : yield* query("pullContacts", { next: yield* nextUrl(checkpoint.cursor) })
        const { contacts, rejected } = ConnectorKit.mapRecords(
          page.records,
          SObject,
          (o) => ({ crmId: o.Id, properties: o, modifiedAt: o.SystemModstamp }),
          mapping,
          ConnectorKit.looseId
        )
        yield* ConnectorKit.logRejected(ctx, rejected, "contacts")
        const highWater = advanceHighWater(checkpoint.highWater, contacts)
        const next = page.done ? null : page.nextRecordsUrl ?? null
        return {
          contacts,
          rejected,
          checkpoint: new SyncCheckpoint({ since: checkpoint.since, cursor: next, highWater }),
          done: next === null
        }
      })

    const taskOf = (a: CallActivity) => {
      const description = [
        a.notes,
        a.recordingUrl === null ? null : `Recording: ${a.recordingUrl}`,
        a.agent === null ? null : `Agent: ${a.agent.name}`,
        `Outcome: ${a.outcome}`
      ].filter((s): s is string => s !== null).join("\n")
      return {
        attributes: { type: "Task" },
        [externalId]: a.idempotencyKey,
        WhoId: a.crmRecordId,
        Subject: `Call ${a.toNumber}`,
        TaskSubtype: "Call",
        CallType: "Outbound",
        CallDisposition: a.disposition ?? a.outcome,
        CallDurationInSeconds: a.durationSeconds,
        Status: "Completed",
        ActivityDate: a.startedAt.slice(0, 10),
        Description: description,
        ...(a.agent?.crmUserId == null ? {} : { OwnerId: a.agent.crmUserId })
      }
    }

    const pushChunk = (chunk: ReadonlyArray<CallActivity>): Effect.Effect<ReadonlyArray<PushOutcome>, CrmError> =>
      Effect.gen(function*() {
        const outcomes = new Map<string, PushOutcome>()
        const invalid = chunk.filter((a) => !isSalesforceId(a.crmRecordId))
        for (const a of invalid) {
          outcomes.set(a.idempotencyKey, {
            _tag: "Failed",
            idempotencyKey: a.idempotencyKey,
            message: `'${a.crmRecordId}' is not a Salesforce record id (expected 15 or 18 letters and digits)`,
            retryable: false
          })
        }
        const candidates = chunk.filter((a) => isSalesforceId(a.crmRecordId))
        if (candidates.length > 0) {
          const existing = yield* query("pushCallActivities", {
            soql: `SELECT Id, ${externalId} FROM Task WHERE ${externalId} IN (${candidates.map((a) => soqlString(a.idempotencyKey)).join(", ")})`
          })
          for (const row of existing.records) {
            const r = row as Record<string, unknown>
            const key = r[externalId]
            if (typeof key === "string" && typeof r["Id"] === "string") {
              outcomes.set(key, { _tag: "Duplicate", idempotencyKey: key, crmActivityId: r["Id"] })
            }
          }
        }
        const fresh = candidates.filter((a) => !outcomes.has(a.idempotencyKey))
        if (fresh.length > 0) {
          const results = yield* http.json(
            "pushCallActivities",
            HttpClientRequest.patch(`${api}/composite/sobjects/Task/${externalId}`).pipe(
              HttpClientRequest.bodyJsonUnsafe({ allOrNone: false, records: fresh.map(taskOf) })
            ),
            SaveResults,
            // Upsert by external id: resending cannot create a second Task.
            { idempotent: true }
          )
          fresh.forEach((a, i) => {
            const r = results[i]
            if (r === undefined) {
              outcomes.set(a.idempotencyKey, { _tag: "Failed", idempotencyKey: a.idempotencyKey, message: "Salesforce returned no result for this record", retryable: true })
            } else if (r.success && typeof r.id === "string") {
              outcomes.set(a.idempotencyKey, r.created === false
                ? { _tag: "Duplicate", idempotencyKey: a.idempotencyKey, crmActivityId: r.id }
                : { _tag: "Created", idempotencyKey: a.idempotencyKey, crmActivityId: r.id })
            } else {
              outcomes.set(a.idempotencyKey, {
                _tag: "Failed",
                idempotencyKey: a.idempotencyKey,
                message: `Salesforce rejected the Task for ${a.crmRecordId}: ` +
                  r.errors.map((e) => `${e.statusCode}: ${e.message}${e.fields?.length ? ` (${e.fields.join(", ")})` : ""}`).join("; "),
                retryable: r.errors.some((e) => e.statusCode === "UNABLE_TO_LOCK_ROW")
              })
            }
          })
        }
        return chunk.map((a) => outcomes.get(a.idempotencyKey)!)
      })

    const pushCallActivities = (activities: ReadonlyArray<CallActivity>) =>
      ConnectorKit.pushInChunks(ctx, activities, COLLECTION_LIMIT, pushChunk).pipe(Effect.provideService(SyncLog, syncLog))

    const updateContactStatus = (update: StatusUpdate): Effect.Effect<void, CrmError> => {
      const property = mapping.fields.stage
      const value = crmStatusValue(mapping, update.status)
      return Effect.gen(function*() {
        if (property === undefined) {
          return yield* new CrmInputInvalid({ provider, operation: "updateContactStatus", message: "the field mapping has no status field" })
        }
        if (!isSalesforceId(update.crmRecordId)) {
          return yield* new CrmInputInvalid({ provider, operation: "updateContactStatus", message: `'${update.crmRecordId}' is not a Salesforce record id` })
        }
        const response = yield* http.send(
          "updateContactStatus",
          HttpClientRequest.patch(`${api}/sobjects/${sobjectOf(update.crmRecordType)}/${update.crmRecordId}`).pipe(
            HttpClientRequest.bodyJsonUnsafe({ [property]: value })
          ),
          { idempotent: true }
        )
        if (response.status !== 204 && response.status !== 200) {
          return yield* new CrmRequestFailed({
            provider,
            operation: "updateContactStatus",
            status: response.status,
            message: `Salesforce did not update ${update.crmRecordId} (status ${response.status}): ${response.text.slice(0, 300)}`
          })
        }
      }).pipe(
        Effect.tapError((e) => ConnectorKit.logStatus(ctx, update.crmRecordId, e, value)),
        Effect.tap(() => ConnectorKit.logStatus(ctx, update.crmRecordId, null, value)),
        Effect.provideService(SyncLog, syncLog)
      )
    }

    const pullDoNotCall = (cursor: string | null) =>
      Effect.gen(function*() {
        const flag = mapping.fields.doNotCall
        const phoneField = mapping.fields.phone
        if (flag === undefined) return { entries: [], rejected: [], nextCursor: null }
        const page = cursor === null
          ? yield* query("pullDoNotCall", {
            soql: `SELECT Id${phoneField === undefined ? "" : `, ${phoneField}`} FROM ${objectType} WHERE ${flag} = true ORDER BY Id ASC`
          })
          : yield* query("pullDoNotCall", { next: yield* nextUrl(cursor) })
        const { entries, rejected } = ConnectorKit.dncRows(page.records, phoneField, mapping.defaultRegion, "a record with an Id")
        yield* ConnectorKit.logRejected(ctx, rejected, "dnc")
        return { entries, rejected, nextCursor: page.done ? null : page.nextRecordsUrl ?? null }
      }).pipe(Effect.provideService(SyncLog, syncLog))

    return {
      provider,
      pullContacts: (checkpoint) => pullContacts(checkpoint).pipe(Effect.provideService(SyncLog, syncLog)),
      pushCallActivities,
      updateContactStatus,
      pullDoNotCall
    }
  })

export const layer = (
  config: SalesforceConfig
): Layer.Layer<CrmConnector, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Layer.effect(CrmConnector, make(config))
