/**
 * HubSpot CRM v3 connector.
 *
 * - Contacts: a first run lists `/crm/v3/objects/contacts` with the `after` cursor; incremental
 *   runs search `/crm/v3/objects/contacts/search` on `lastmodifieddate GT since`, sorted
 *   ascending. Search stops at 10,000 results per query, so a long run restarts its query from
 *   the highest timestamp seen (ties at that instant are re-read, which is harmless).
 * - Calls: the calls engagement object `/crm/v3/objects/calls`, associated to the contact
 *   (association type 194, call -> contact). The idempotency key is stored in
 *   `hs_call_external_id`; before creating, we search calls for it, so a retried push finds the
 *   first one instead of creating another.
 * - Auth: a private-app token, or OAuth with a refresh token (`/oauth/v1/token`) used on 401.
 * - 429: honours `Retry-After`, otherwise seeded jittered backoff.
 */
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import * as Phone from "@autodialer/domain/Phone"
import type { Secrets } from "@autodialer/domain/Secrets"
import { Effect, Layer, Ref, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as Backoff from "./Backoff.ts"
import {
  advanceHighWater,
  type CallActivity,
  type CallOutcome,
  type ContactPage,
  CrmConnector,
  type CrmConnectorShape,
  type DncEntry,
  type PushOutcome,
  type RecordRejected,
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

export interface HubSpotConfig {
  readonly organizationId: OrganizationId
  readonly connectionId: CrmConnectionId
  /** Default `https://api.hubapi.com`. */
  readonly baseUrl?: string
  readonly credentials: SealedCredentials
  /** Where refreshed tokens are stored (the connection row); without it they live in memory only. */
  readonly tokens?: ConnectionTokens
  readonly fieldMapping?: FieldMappingOverrides
  /** Records per page, at most 100 (HubSpot's limit for list and search). */
  readonly pageSize?: number
  /** Call property holding our idempotency key. */
  readonly idempotencyProperty?: string
  readonly rateLimit?: TokenBucket.TokenBucketPolicy
  readonly backoff?: Backoff.BackoffPolicy
  readonly seed?: number
}

/** Private-app token, or OAuth tokens with what is needed to refresh them. */
export const HubSpotCredentials = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: Schema.optionalKey(Schema.String),
  clientId: Schema.optionalKey(Schema.String),
  clientSecret: Schema.optionalKey(Schema.String)
})

export const defaultMapping = new FieldMapping({
  fields: {
    firstName: "firstname",
    lastName: "lastname",
    email: "email",
    phone: "phone",
    company: "company",
    stage: "hs_lead_status",
    // HubSpot has no standard do-not-call property; portals add one. Override per organization.
    doNotCall: "do_not_call"
  },
  custom: {},
  defaultRegion: Phone.Region.make("US"),
  statusValues: {}
})

/** HubSpot's default call outcomes (`hs_call_disposition` GUIDs). */
export const callOutcomeIds: Record<CallOutcome, string | null> = {
  answered: "f240bbac-87c9-4f6e-bf70-924b57d47db7", // Connected
  voicemail: "b2cf5968-551e-4856-9783-52b3da59a7d0", // Left voicemail
  no_answer: "73a0d17f-1163-4015-bdd5-ec830791da20", // No answer
  busy: "9d9162e7-6cf3-4944-bf63-4dff82258764", // Busy
  failed: null,
  cancelled: null
}

const callStatus: Record<CallOutcome, string> = {
  answered: "COMPLETED",
  voicemail: "COMPLETED",
  no_answer: "NO_ANSWER",
  busy: "BUSY",
  failed: "FAILED",
  cancelled: "CANCELED"
}

/** The search API refuses `after` beyond 10,000 results. */
const SEARCH_WINDOW = 10_000
/** Association type id of call -> contact (HUBSPOT_DEFINED). */
const CALL_TO_CONTACT = 194

const Page = Schema.Struct({
  results: Schema.Array(Schema.Unknown),
  paging: Schema.optionalKey(Schema.Struct({ next: Schema.optionalKey(Schema.Struct({ after: Schema.String })) }))
})
const HubSpotObject = Schema.Struct({
  id: Schema.String,
  properties: Schema.Record(Schema.String, Schema.NullOr(Schema.String)),
  updatedAt: Schema.optionalKey(Schema.String)
})
const Created = Schema.Struct({ id: Schema.String })
const BatchResult = Schema.Struct({
  results: Schema.Array(HubSpotObject),
  errors: Schema.optionalKey(Schema.Array(Schema.Struct({ message: Schema.String })))
})
/** HubSpot's batch and search page limit. */
const BATCH = 100

export const make = (
  config: HubSpotConfig
): Effect.Effect<CrmConnectorShape, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Effect.gen(function*() {
    const provider = "hubspot" as const
    const baseUrl = (config.baseUrl ?? "https://api.hubapi.com").replace(/\/$/, "")
    const mapping = resolve(defaultMapping, config.fieldMapping)
    const pageSize = Math.min(100, config.pageSize ?? 100)
    const idProperty = config.idempotencyProperty ?? "hs_call_external_id"
    const ctx: ConnectorKit.LogContext = { orgId: config.organizationId, connectionId: config.connectionId, provider }
    const credentials = yield* open(provider, config.credentials, HubSpotCredentials)
    const client = yield* HttpClient.HttpClient
    const syncLog = yield* SyncLog

    const { holder: token, canRefresh } = yield* ConnectorKit.oauthTokens({
      provider,
      client,
      credentials,
      grant: ConnectorKit.formRefreshGrant(`${baseUrl}/oauth/v1/token`),
      reconnect: "reconnect the HubSpot account",
      store: config.tokens ?? null
    })

    const http = yield* VendorHttp.make(
      {
        provider,
        organizationId: config.organizationId,
        rateLimit: config.rateLimit ?? TokenBucket.defaults.hubspot,
        backoff: config.backoff ?? Backoff.defaultPolicy,
        seed: config.seed ?? 1
      },
      ConnectorKit.bearerAuth(token, canRefresh)
    )

    const properties = [...crmProperties(mapping), "lastmodifieddate"]

    const pullContacts = (checkpoint: SyncCheckpoint): Effect.Effect<ContactPage, CrmError, SyncLog> =>
      Effect.gen(function*() {
        const page = checkpoint.since === null
          ? yield* http.json(
            "pullContacts",
            HttpClientRequest.get(`${baseUrl}/crm/v3/objects/contacts`).pipe(
              HttpClientRequest.setUrlParams({
                limit: String(pageSize),
                properties: properties.join(","),
                ...(checkpoint.cursor === null ? {} : { after: checkpoint.cursor })
              })
            ),
            Page,
            { idempotent: true }
          )
          : yield* http.json(
            "pullContacts",
            HttpClientRequest.post(`${baseUrl}/crm/v3/objects/contacts/search`).pipe(
              HttpClientRequest.bodyJsonUnsafe({
                filterGroups: [{
                  filters: [{ propertyName: "lastmodifieddate", operator: "GT", value: String(Date.parse(checkpoint.since)) }]
                }],
                sorts: [{ propertyName: "lastmodifieddate", direction: "ASCENDING" }],
                properties,
                limit: pageSize,
                ...(checkpoint.cursor === null ? {} : { after: checkpoint.cursor })
              })
            ),
            Page,
            { idempotent: true }
          )
        const { contacts, rejected } = ConnectorKit.mapRecords(
          page.results,
          HubSpotObject,
          (o) => ({ crmId: o.id, properties: o.properties, modifiedAt: o.properties["lastmodifieddate"] ?? o.updatedAt }),
          mapping,
          ConnectorKit.looseId
        )
        yield* ConnectorKit.logRejected(ctx, rejected, "contacts")
        const highWater = advanceHighWater(checkpoint.highWater, contacts)
        const after = page.paging?.next?.after ?? null
        if (after === null) {
          return { contacts, rejected, checkpoint: new SyncCheckpoint({ ...checkpoint, cursor: null, highWater }), done: true }
        }
        // Search cannot page past 10,000: restart the query from the highest timestamp seen.
        const restart = checkpoint.since !== null && Number(after) + pageSize > SEARCH_WINDOW && highWater !== null
        return {
          contacts,
          rejected,
          checkpoint: restart
            ? new SyncCheckpoint({ since: highWater, cursor: null, highWater })
            : new SyncCheckpoint({ since: checkpoint.since, cursor: after, highWater }),
          done: false
        }
      })

    /** Calls already in HubSpot for these keys: one `IN` search per chunk, paging if needed. */
    const findCalls = (keys: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        const found = new Map<string, string>()
        let after: string | null = null
        do {
          const page: typeof Page.Type = yield* http.json(
            "pushCallActivities",
            HttpClientRequest.post(`${baseUrl}/crm/v3/objects/calls/search`).pipe(
              HttpClientRequest.bodyJsonUnsafe({
                filterGroups: [{ filters: [{ propertyName: idProperty, operator: "IN", values: keys }] }],
                properties: [idProperty],
                limit: BATCH,
                ...(after === null ? {} : { after })
              })
            ),
            Page,
            { idempotent: true }
          )
          for (const row of page.results) {
            const decoded = Schema.decodeUnknownOption(HubSpotObject)(row)
            const key = decoded._tag === "Some" ? decoded.value.properties[idProperty] : undefined
            if (decoded._tag === "Some" && typeof key === "string" && !found.has(key)) found.set(key, decoded.value.id)
          }
          after = page.paging?.next?.after ?? null
        } while (after !== null)
        return found
      })

    const callInput = (activity: CallActivity) => {
      const outcomeId = callOutcomeIds[activity.outcome]
      const body = [
        activity.disposition === null ? null : `Disposition: ${activity.disposition}`,
        activity.agent === null ? null : `Agent: ${activity.agent.name}`,
        activity.notes
      ].filter((s): s is string => s !== null).join("\n")
      return {
        properties: {
          [idProperty]: activity.idempotencyKey,
          hs_timestamp: activity.startedAt,
          hs_call_title: `Outbound call (${activity.outcome.replace("_", " ")})`,
          hs_call_body: body,
          hs_call_direction: "OUTBOUND",
          hs_call_status: callStatus[activity.outcome],
          hs_call_duration: String(activity.durationSeconds * 1000),
          hs_call_to_number: activity.toNumber,
          ...(activity.fromNumber === null ? {} : { hs_call_from_number: activity.fromNumber }),
          ...(activity.recordingUrl === null ? {} : { hs_call_recording_url: activity.recordingUrl }),
          ...(outcomeId === null ? {} : { hs_call_disposition: outcomeId }),
          ...(activity.agent?.crmUserId == null ? {} : { hubspot_owner_id: activity.agent.crmUserId })
        },
        associations: [{
          to: { id: activity.crmRecordId },
          types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: CALL_TO_CONTACT }]
        }]
      }
    }

    const createdOutcome = (activity: CallActivity, id: string): PushOutcome => ({
      _tag: "Created",
      idempotencyKey: activity.idempotencyKey,
      crmActivityId: id
    })

    const createOne = (activity: CallActivity): Effect.Effect<PushOutcome> =>
      ConnectorKit.settle(
        activity,
        Effect.map(
          http.json(
            "pushCallActivities",
            HttpClientRequest.post(`${baseUrl}/crm/v3/objects/calls`).pipe(HttpClientRequest.bodyJsonUnsafe(callInput(activity))),
            Created,
            // A lost response could mean it was created: the next push finds it by search instead.
            { idempotent: false }
          ),
          (call) => createdOutcome(activity, call.id)
        )
      )

    /**
     * `POST /calls/batch/create`. Results come back in any order, so they are matched by key. One
     * invalid input makes HubSpot reject the whole batch; then each call is created on its own, so
     * the good ones land and the bad one gets its own error.
     */
    const createBatch = (activities: ReadonlyArray<CallActivity>): Effect.Effect<ReadonlyArray<PushOutcome>, CrmError> =>
      Effect.gen(function*() {
        const response = yield* http.send(
          "pushCallActivities",
          HttpClientRequest.post(`${baseUrl}/crm/v3/objects/calls/batch/create`).pipe(
            HttpClientRequest.bodyJsonUnsafe({ inputs: activities.map(callInput) })
          ),
          { idempotent: false }
        )
        if (response.status >= 400 && response.status < 500) return yield* Effect.forEach(activities, createOne)
        if (response.status !== 200 && response.status !== 201 && response.status !== 207) {
          return yield* new CrmRequestFailed({
            provider,
            operation: "pushCallActivities",
            status: response.status,
            message: `HubSpot answered ${response.status} to a batch of calls: ${response.text.slice(0, 300)}`
          })
        }
        const result = yield* VendorHttp.decodeJson(provider, "pushCallActivities", BatchResult, response.text)
        const ids = new Map<string, string>()
        for (const r of result.results) {
          const key = r.properties[idProperty]
          if (typeof key === "string") ids.set(key, r.id)
        }
        const errors = (result.errors ?? []).map((e) => e.message).join("; ")
        return activities.map((a): PushOutcome => {
          const id = ids.get(a.idempotencyKey)
          return id !== undefined
            ? createdOutcome(a, id)
            : {
              _tag: "Failed",
              idempotencyKey: a.idempotencyKey,
              message: `HubSpot did not create this call${errors === "" ? "" : `: ${errors}`}`,
              retryable: true
            }
        })
      })

    // HubSpot's search index lags creates by a few seconds, so a quick re-push in this process
    // would not find the call by search; remember what we created. Across processes the search
    // is the guard (see README: use a unique-value property for a hard guarantee).
    const created = yield* Ref.make(new Map<string, string>())

    const pushChunk = (chunk: ReadonlyArray<CallActivity>): Effect.Effect<ReadonlyArray<PushOutcome>, CrmError> =>
      Effect.gen(function*() {
        const outcomes = new Map<string, PushOutcome>()
        const recent = yield* Ref.get(created)
        for (const a of chunk) {
          if (a.crmRecordType !== "contact") {
            outcomes.set(a.idempotencyKey, {
              _tag: "Failed",
              idempotencyKey: a.idempotencyKey,
              message: `HubSpot calls are associated with contacts; got a ${a.crmRecordType} id ${a.crmRecordId}`,
              retryable: false
            })
          } else {
            const id = recent.get(a.idempotencyKey)
            if (id !== undefined) outcomes.set(a.idempotencyKey, { _tag: "Duplicate", idempotencyKey: a.idempotencyKey, crmActivityId: id })
          }
        }
        const unknown = chunk.filter((a) => !outcomes.has(a.idempotencyKey))
        const existing = unknown.length === 0 ? new Map<string, string>() : yield* findCalls(unknown.map((a) => a.idempotencyKey))
        for (const [key, id] of existing) outcomes.set(key, { _tag: "Duplicate", idempotencyKey: key, crmActivityId: id })
        const fresh = unknown.filter((a) => !existing.has(a.idempotencyKey))
        const results = fresh.length === 0 ? [] : fresh.length === 1 ? [yield* createOne(fresh[0]!)] : yield* createBatch(fresh)
        fresh.forEach((a, i) => outcomes.set(a.idempotencyKey, results[i]!))
        yield* Ref.update(created, (m) => {
          const next = new Map(m)
          for (const r of results) if (r._tag === "Created") next.set(r.idempotencyKey, r.crmActivityId)
          return next
        })
        return chunk.map((a) => outcomes.get(a.idempotencyKey)!)
      })

    const pushCallActivities = (activities: ReadonlyArray<CallActivity>) =>
      ConnectorKit.pushInChunks(ctx, activities, BATCH, pushChunk).pipe(Effect.provideService(SyncLog, syncLog))

    const updateContactStatus = (update: StatusUpdate): Effect.Effect<void, CrmError> => {
      const property = mapping.fields.stage
      const value = crmStatusValue(mapping, update.status)
      const run = Effect.gen(function*() {
        if (property === undefined) {
          return yield* new CrmInputInvalid({ provider, operation: "updateContactStatus", message: "the field mapping has no status property" })
        }
        yield* http.json(
          "updateContactStatus",
          HttpClientRequest.patch(`${baseUrl}/crm/v3/objects/contacts/${encodeURIComponent(update.crmRecordId)}`).pipe(
            HttpClientRequest.bodyJsonUnsafe({ properties: { [property]: value } })
          ),
          Created,
          { idempotent: true }
        )
      })
      return run.pipe(
        Effect.tapError((e) => ConnectorKit.logStatus(ctx, update.crmRecordId, e, value)),
        Effect.tap(() => ConnectorKit.logStatus(ctx, update.crmRecordId, null, value)),
        Effect.provideService(SyncLog, syncLog)
      )
    }

    const pullDoNotCall = (cursor: string | null) =>
      Effect.gen(function*() {
        const property = mapping.fields.doNotCall
        if (property === undefined) return { entries: [], rejected: [], nextCursor: null }
        const page = yield* http.json(
          "pullDoNotCall",
          HttpClientRequest.post(`${baseUrl}/crm/v3/objects/contacts/search`).pipe(
            HttpClientRequest.bodyJsonUnsafe({
              filterGroups: [{ filters: [{ propertyName: property, operator: "EQ", value: "true" }] }],
              properties: [property, ...(mapping.fields.phone === undefined ? [] : [mapping.fields.phone])],
              limit: pageSize,
              ...(cursor === null ? {} : { after: cursor })
            })
          ),
          Page,
          { idempotent: true }
        )
        const { entries, rejected } = dncEntries(page.results, mapping)
        yield* ConnectorKit.logRejected(ctx, rejected, "dnc")
        return { entries, rejected, nextCursor: page.paging?.next?.after ?? null }
      }).pipe(Effect.provideService(SyncLog, syncLog))

    return {
      provider,
      pullContacts: (checkpoint) => pullContacts(checkpoint).pipe(Effect.provideService(SyncLog, syncLog)),
      pushCallActivities,
      updateContactStatus,
      pullDoNotCall
    }
  })

const dncEntries = (rows: ReadonlyArray<unknown>, mapping: FieldMapping) => {
  const entries: Array<DncEntry> = []
  const rejected: Array<RecordRejected> = []
  const decode = Schema.decodeUnknownResult(HubSpotObject)
  for (const row of rows) {
    const decoded = decode(row)
    if (decoded._tag === "Failure") {
      rejected.push(ConnectorKit.rejectRow(row, ConnectorKit.looseId(row), decoded.failure.message.split("\n")[0] ?? ""))
      continue
    }
    const raw = mapping.fields.phone === undefined ? null : decoded.success.properties[mapping.fields.phone] ?? null
    entries.push(ConnectorKit.dncEntry(decoded.success.id, raw, mapping.defaultRegion))
  }
  return { entries, rejected }
}

export const layer = (
  config: HubSpotConfig
): Layer.Layer<CrmConnector, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Layer.effect(CrmConnector, make(config))
