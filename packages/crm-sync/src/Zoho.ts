/**
 * Zoho CRM connector (records API v6).
 *
 * - Data centres: each Zoho account lives in one (com, eu, in, com.au, jp, ca, sa, com.cn), with
 *   its own API host and accounts (OAuth) host; `dataCentres` maps them, and `apiBaseUrl` /
 *   `accountsUrl` override for tests or new regions.
 * - Contacts: `GET /crm/v6/Contacts?fields=...&sort_by=Modified_Time&sort_order=asc`, paged with
 *   `page_token` (`info.next_page_token`, `info.more_records`); incremental runs send
 *   `If-Modified-Since`. Zoho answers 204 (no records) or 304 (nothing modified) with no body.
 *   Lookup fields (`Account_Name: { name, id }`) are read by their name.
 * - Calls: the Calls module, upserted with `duplicate_check_fields` on our unique idempotency
 *   field (default `Autodialer_Call_Id`), up to 100 per request; `action: "update"` means the
 *   call was already there, which we report as a duplicate. `Who_Id` is the dialled contact.
 * - Auth: `Authorization: Zoho-oauthtoken <token>`; on 401 INVALID_TOKEN the refresh-token grant
 *   at `<accounts>/oauth/v2/token`.
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
  type DncPage,
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

/** Zoho data centres: API host and accounts (OAuth) host. */
export const dataCentres = {
  com: { api: "https://www.zohoapis.com", accounts: "https://accounts.zoho.com" },
  eu: { api: "https://www.zohoapis.eu", accounts: "https://accounts.zoho.eu" },
  in: { api: "https://www.zohoapis.in", accounts: "https://accounts.zoho.in" },
  "com.au": { api: "https://www.zohoapis.com.au", accounts: "https://accounts.zoho.com.au" },
  jp: { api: "https://www.zohoapis.jp", accounts: "https://accounts.zoho.jp" },
  ca: { api: "https://www.zohoapis.ca", accounts: "https://accounts.zohocloud.ca" },
  sa: { api: "https://www.zohoapis.sa", accounts: "https://accounts.zoho.sa" },
  "com.cn": { api: "https://www.zohoapis.com.cn", accounts: "https://accounts.zoho.com.cn" }
} as const
export type DataCentre = keyof typeof dataCentres

export interface ZohoConfig {
  readonly organizationId: OrganizationId
  readonly connectionId: CrmConnectionId
  readonly credentials: SealedCredentials
  /** Where refreshed tokens are stored (the connection row); without it they live in memory only. */
  readonly tokens?: ConnectionTokens
  readonly dataCentre: DataCentre
  /** Overrides the data centre's API host (tests, new regions). */
  readonly apiBaseUrl?: string
  /** Overrides the data centre's accounts host. */
  readonly accountsUrl?: string
  /** Default `v6`. */
  readonly apiVersion?: string
  /** Module contacts are pulled from. Default `Contacts`. */
  readonly module?: "Contacts" | "Leads"
  readonly fieldMapping?: FieldMappingOverrides
  /** Records per page, at most 200. */
  readonly pageSize?: number
  /** Unique field of the Calls module holding our idempotency key. */
  readonly idempotencyField?: string
  readonly rateLimit?: TokenBucket.TokenBucketPolicy
  readonly backoff?: Backoff.BackoffPolicy
  readonly seed?: number
}

export const ZohoCredentials = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: Schema.optionalKey(Schema.String),
  clientId: Schema.optionalKey(Schema.String),
  clientSecret: Schema.optionalKey(Schema.String)
})

export const defaultMapping = (module: "Contacts" | "Leads"): FieldMapping =>
  new FieldMapping({
    fields: {
      firstName: "First_Name",
      lastName: "Last_Name",
      email: "Email",
      phone: "Phone",
      company: module === "Leads" ? "Company" : "Account_Name",
      stage: module === "Leads" ? "Lead_Status" : "Autodialer_Status",
      // Zoho has no standard do-not-call field; accounts add one. Override per organization.
      doNotCall: "Do_Not_Call"
    },
    custom: {},
    defaultRegion: Phone.Region.make("US"),
    statusValues: {}
  })

const UPSERT_LIMIT = 100
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/

const Info = Schema.Struct({
  more_records: Schema.Boolean,
  next_page_token: Schema.optionalKey(Schema.NullOr(Schema.String))
})
const RecordsPage = Schema.Struct({ data: Schema.Array(Schema.Unknown), info: Info })
const ZohoRecord = Schema.StructWithRest(
  Schema.Struct({ id: Schema.String, Modified_Time: Schema.String }),
  [Schema.Record(Schema.String, Schema.Unknown)]
)
const ActionResult = Schema.Struct({
  code: Schema.String,
  status: Schema.String,
  message: Schema.String,
  action: Schema.optionalKey(Schema.String),
  details: Schema.Record(Schema.String, Schema.Unknown)
})
const ActionResults = Schema.Struct({ data: Schema.Array(ActionResult) })

/** Zoho wants `yyyy-MM-ddTHH:mm:ss±HH:mm`, no milliseconds. */
export const zohoDateTime = (iso: string): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, "+00:00")
/** `Call_Duration` is "mm:ss" (minutes may exceed 59). */
export const zohoDuration = (seconds: number): string =>
  `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`

/** Lookup fields come as `{ name, id }`; mapping reads their name. */
const flattenLookups = (row: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v) && "name" in v && "id" in v) {
      return [k, (v as { name: unknown }).name]
    }
    return [k, v]
  }))

export const make = (
  config: ZohoConfig
): Effect.Effect<CrmConnectorShape, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Effect.gen(function*() {
    const provider = "zoho" as const
    const module = config.module ?? "Contacts"
    const mapping = resolve(defaultMapping(module), config.fieldMapping)
    const dc = dataCentres[config.dataCentre]
    const api = `${(config.apiBaseUrl ?? dc.api).replace(/\/$/, "")}/crm/${config.apiVersion ?? "v6"}`
    const accounts = (config.accountsUrl ?? dc.accounts).replace(/\/$/, "")
    const pageSize = Math.min(200, config.pageSize ?? 200)
    const idField = config.idempotencyField ?? "Autodialer_Call_Id"
    const ctx: ConnectorKit.LogContext = { orgId: config.organizationId, connectionId: config.connectionId, provider }
    const credentials = yield* open(provider, config.credentials, ZohoCredentials)
    const client = yield* HttpClient.HttpClient
    const syncLog = yield* SyncLog

    const badName = [...crmProperties(mapping), idField].find((f) => !API_NAME.test(f))
    if (badName !== undefined) {
      return yield* new CrmInputInvalid({ provider, operation: "configure", message: `'${badName}' is not a Zoho field API name` })
    }

    const { holder: token, canRefresh } = yield* ConnectorKit.oauthTokens({
      provider,
      client,
      credentials,
      grant: (g) =>
        // Zoho documents the grant's parameters in the query string.
        HttpClientRequest.post(`${accounts}/oauth/v2/token`).pipe(
          HttpClientRequest.setUrlParams({ refresh_token: g.refreshToken, client_id: g.clientId, client_secret: g.clientSecret, grant_type: "refresh_token" })
        ),
      reconnect: "reconnect the Zoho account",
      store: config.tokens ?? null
    })
    const http = yield* VendorHttp.make(
      {
        provider,
        organizationId: config.organizationId,
        rateLimit: config.rateLimit ?? TokenBucket.defaults.zoho,
        backoff: config.backoff ?? Backoff.defaultPolicy,
        seed: config.seed ?? 1
      },
      ConnectorKit.bearerAuth(token, canRefresh, "Zoho-oauthtoken")
    )

    /** GET that may legitimately answer 204/304 with no body: those mean "no records". */
    const getRecords = (operation: string, request: HttpClientRequest.HttpClientRequest) =>
      Effect.gen(function*() {
        const response = yield* http.send(operation, request, { idempotent: true })
        if (response.status === 204 || response.status === 304) return { data: [], info: { more_records: false } }
        if (response.status !== 200) {
          return yield* new CrmRequestFailed({
            provider,
            operation,
            status: response.status,
            message: `${VendorHttp.describeUrl(request.url)} answered ${response.status}: ${response.text.slice(0, 300)}`
          })
        }
        return yield* VendorHttp.decodeJson(provider, operation, RecordsPage, response.text)
      })

    const pullContacts = (checkpoint: SyncCheckpoint): Effect.Effect<ContactPage, CrmError, SyncLog> =>
      Effect.gen(function*() {
        let request = HttpClientRequest.get(`${api}/${module}`).pipe(
          HttpClientRequest.setUrlParams({
            fields: [...new Set([...crmProperties(mapping), "Modified_Time"])].join(","),
            per_page: String(pageSize),
            sort_by: "Modified_Time",
            sort_order: "asc",
            ...(checkpoint.cursor === null ? {} : { page_token: checkpoint.cursor })
          })
        )
        if (checkpoint.since !== null) {
          request = HttpClientRequest.setHeader(request, "if-modified-since", zohoDateTime(checkpoint.since))
        }
        const page = yield* getRecords("pullContacts", request)
        const mapped = ConnectorKit.mapRecords(
          page.data,
          ZohoRecord,
          (r) => ({ crmId: r.id, properties: flattenLookups(r), modifiedAt: r.Modified_Time }),
          mapping,
          ConnectorKit.looseId
        )
        // If-Modified-Since is inclusive; our watermark is exclusive.
        const since = checkpoint.since
        const contacts = since === null ? mapped.contacts : mapped.contacts.filter((c) => c.modifiedAt > since)
        yield* ConnectorKit.logRejected(ctx, mapped.rejected, "contacts")
        const highWater = advanceHighWater(checkpoint.highWater, contacts)
        const next = page.info.more_records ? page.info.next_page_token ?? null : null
        return {
          contacts,
          rejected: mapped.rejected,
          checkpoint: new SyncCheckpoint({ since: checkpoint.since, cursor: next, highWater }),
          done: next === null
        }
      })

    const callOf = (a: CallActivity) => ({
      [idField]: a.idempotencyKey,
      Subject: `Outbound call to ${a.toNumber}`,
      Call_Type: "Outbound",
      Call_Start_Time: zohoDateTime(a.startedAt),
      Call_Duration: zohoDuration(a.durationSeconds),
      Call_Result: a.disposition ?? a.outcome,
      Outgoing_Call_Status: "Completed",
      Description: [
        a.notes,
        a.recordingUrl === null ? null : `Recording: ${a.recordingUrl}`,
        a.agent === null ? null : `Agent: ${a.agent.name}`,
        `Outcome: ${a.outcome}`
      ].filter((s): s is string => s !== null).join("\n"),
      ...(a.crmRecordType === "contact"
        ? { Who_Id: { id: a.crmRecordId } }
        : { What_Id: { id: a.crmRecordId }, $se_module: "Leads" }),
      ...(a.agent?.crmUserId == null ? {} : { Owner: { id: a.agent.crmUserId } })
    })

    const pushChunk = (chunk: ReadonlyArray<CallActivity>) =>
      Effect.map(
        Effect.gen(function*() {
          const response = yield* http.send(
            "pushCallActivities",
            HttpClientRequest.post(`${api}/Calls/upsert`).pipe(
              HttpClientRequest.bodyJsonUnsafe({ data: chunk.map(callOf), duplicate_check_fields: [idField], trigger: [] })
            ),
            // Upsert on a unique field: resending cannot create a second call.
            { idempotent: true }
          )
          // 200 all succeeded, 207 some did, 400 none did: every one carries per-record results.
          if (response.status !== 200 && response.status !== 201 && response.status !== 207 && response.status !== 400) {
            return yield* new CrmRequestFailed({
              provider,
              operation: "pushCallActivities",
              status: response.status,
              message: `Zoho answered ${response.status} to the Calls upsert: ${response.text.slice(0, 300)}`
            })
          }
          return yield* VendorHttp.decodeJson(provider, "pushCallActivities", ActionResults, response.text)
        }),
        (results) =>
          chunk.map((a, i): PushOutcome => {
            const r = results.data[i]
            const id = r?.details["id"]
            if (r !== undefined && r.status === "success" && typeof id === "string") {
              return r.action === "update"
                ? { _tag: "Duplicate", idempotencyKey: a.idempotencyKey, crmActivityId: id }
                : { _tag: "Created", idempotencyKey: a.idempotencyKey, crmActivityId: id }
            }
            return {
              _tag: "Failed",
              idempotencyKey: a.idempotencyKey,
              message: r === undefined
                ? "Zoho returned no result for this record"
                : `Zoho rejected the call for ${a.crmRecordId}: ${r.code}: ${r.message} ${JSON.stringify(r.details)}`,
              retryable: r === undefined
            }
          })
      )

    const pushCallActivities = (activities: ReadonlyArray<CallActivity>) =>
      ConnectorKit.pushInChunks(ctx, activities, UPSERT_LIMIT, pushChunk).pipe(Effect.provideService(SyncLog, syncLog))

    const updateContactStatus = (update: StatusUpdate): Effect.Effect<void, CrmError> => {
      const property = mapping.fields.stage
      const value = crmStatusValue(mapping, update.status)
      return Effect.gen(function*() {
        if (property === undefined) {
          return yield* new CrmInputInvalid({ provider, operation: "updateContactStatus", message: "the field mapping has no stage field" })
        }
        const target = update.crmRecordType === "lead" ? "Leads" : "Contacts"
        const response = yield* http.send(
          "updateContactStatus",
          HttpClientRequest.put(`${api}/${target}/${encodeURIComponent(update.crmRecordId)}`).pipe(
            HttpClientRequest.bodyJsonUnsafe({ data: [{ [property]: value }] })
          ),
          { idempotent: true }
        )
        const parsed = yield* VendorHttp.decodeJson(provider, "updateContactStatus", Schema.Unknown, response.text)
        const result = Schema.decodeUnknownOption(ActionResults)(parsed)
        const first = result._tag === "Some" ? result.value.data[0] : undefined
        if (response.status !== 200 || first?.status !== "success") {
          return yield* new CrmRequestFailed({
            provider,
            operation: "updateContactStatus",
            status: response.status,
            message: `Zoho did not update ${update.crmRecordId} (status ${response.status}): ${response.text.slice(0, 300)}`
          })
        }
      }).pipe(
        Effect.tapError((e) => ConnectorKit.logStatus(ctx, update.crmRecordId, e, value)),
        Effect.tap(() => ConnectorKit.logStatus(ctx, update.crmRecordId, null, value)),
        Effect.provideService(SyncLog, syncLog)
      )
    }

    const pullDoNotCall = (cursor: string | null): Effect.Effect<DncPage, CrmError> =>
      Effect.gen(function*() {
        const flag = mapping.fields.doNotCall
        const phoneField = mapping.fields.phone
        if (flag === undefined) return { entries: [], rejected: [], nextCursor: null }
        const pageNumber = cursor === null ? 1 : Number(cursor)
        if (!Number.isInteger(pageNumber) || pageNumber < 1) {
          return yield* new CrmInputInvalid({ provider, operation: "pullDoNotCall", message: `cursor '${cursor}' is not a page number` })
        }
        // The search API pages by number (up to 2,000 records), which is plenty for flagged records.
        const page = yield* getRecords(
          "pullDoNotCall",
          HttpClientRequest.get(`${api}/${module}/search`).pipe(
            HttpClientRequest.setUrlParams({
              criteria: `(${flag}:equals:true)`,
              fields: [flag, ...(phoneField === undefined ? [] : [phoneField])].join(","),
              page: String(pageNumber),
              per_page: String(pageSize)
            })
          )
        )
        const { entries, rejected } = ConnectorKit.dncRows(page.data, phoneField, mapping.defaultRegion, "a record with an id")
        yield* ConnectorKit.logRejected(ctx, rejected, "dnc")
        return { entries, rejected, nextCursor: page.info.more_records ? String(pageNumber + 1) : null }
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
  config: ZohoConfig
): Layer.Layer<CrmConnector, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Layer.effect(CrmConnector, make(config))
