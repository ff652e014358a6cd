/**
 * The CSV / generic webhook connector, for teams whose "CRM" is a spreadsheet export or their
 * own system.
 *
 * - Contacts and DNC flags are read from a CSV file with a header line, streamed in chunks
 *   through the byte-offset `Csv` parser: the cursor is the byte offset and line of the next
 *   record, so each page reads only its own part of the file. Every bad line (malformed CSV,
 *   wrong number of columns, missing id, bad phone) becomes a RecordRejected with its line number.
 *   Incremental runs use the `updated_at` column when the file has one, otherwise the file's
 *   modification time (an unchanged file yields nothing).
 * - Call activities and status changes are POSTed as JSON to the customer's webhook, signed with
 *   HMAC-SHA256 over `timestamp.body` (see WebhookSignature) and carrying `Idempotency-Key`.
 *   Receivers answer 2xx when they stored it and 409 when they already had that key, which we
 *   report as a duplicate. 429 with Retry-After is honoured like any vendor.
 */
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import * as Phone from "@autodialer/domain/Phone"
import type { Secrets } from "@autodialer/domain/Secrets"
import { Clock, Effect, Layer, Redacted, Schema } from "effect"
import { HttpBody, HttpClient, HttpClientRequest } from "effect/http"
import { open as openFile, stat } from "node:fs/promises"
import * as Backoff from "./Backoff.ts"
import {
  advanceHighWater,
  CallActivity,
  type ContactPage,
  CrmConnector,
  type CrmConnectorShape,
  type DncEntry,
  type DncPage,
  FieldIssue,
  type PushOutcome,
  RecordRejected,
  type StatusUpdate,
  SyncCheckpoint
} from "./CrmConnector.ts"
import { type CrmError, CrmInputInvalid, CrmRequestFailed, CrmResponseInvalid } from "./CrmError.ts"
import { open, type SealedCredentials } from "./Credentials.ts"
import * as Csv from "./Csv.ts"
import { crmStatusValue, FieldMapping, type FieldMappingOverrides, mapContact, resolve } from "./FieldMapping.ts"
import * as ConnectorKit from "./internal/ConnectorKit.ts"
import * as VendorHttp from "./internal/VendorHttp.ts"
import { RateLimiter } from "./RateLimiter.ts"
import { SyncLog } from "./SyncLog.ts"
import * as TokenBucket from "./TokenBucket.ts"
import * as WebhookSignature from "./WebhookSignature.ts"

export interface CsvWebhookConfig {
  readonly organizationId: OrganizationId
  readonly connectionId: CrmConnectionId
  /** Path of the CSV file contacts are read from. */
  readonly file: string
  /** Where call activities and status changes are POSTed. */
  readonly webhookUrl: string
  /** Sealed `{ "signingSecret": "..." }`. */
  readonly credentials: SealedCredentials
  readonly fieldMapping?: FieldMappingOverrides
  /** Column with the record id. Default `id`. */
  readonly idColumn?: string
  /** Column with the last-modified timestamp. Default `updated_at`. */
  readonly modifiedColumn?: string
  /** Records per page. Default 500. */
  readonly pageSize?: number
  readonly rateLimit?: TokenBucket.TokenBucketPolicy
  readonly backoff?: Backoff.BackoffPolicy
  readonly seed?: number
}

export const WebhookCredentials = Schema.Struct({ signingSecret: Schema.String.pipe(Schema.check(Schema.isMinLength(16))) })

export const defaultMapping = new FieldMapping({
  fields: {
    firstName: "first_name",
    lastName: "last_name",
    email: "email",
    phone: "phone",
    company: "company",
    stage: "status",
    timeZone: "time_zone",
    doNotCall: "do_not_call"
  },
  custom: {},
  defaultRegion: Phone.Region.make("US"),
  statusValues: {}
})

const READ_CHUNK = 64 * 1024
const DeliveryResponse = Schema.Struct({ id: Schema.optionalKey(Schema.String) })

/** Cursor "<byte offset>:<line>" of the next record. */
const encodeCursor = (offset: number, line: number) => `${offset}:${line}`
const decodeCursor = (cursor: string): { offset: number; line: number } | null => {
  const m = /^(\d+):(\d+)$/.exec(cursor)
  return m === null ? null : { offset: Number(m[1]), line: Number(m[2]) }
}

const truthy = (value: string | undefined) => value !== undefined && ["true", "1", "yes", "TRUE", "True", "Y", "y"].includes(value.trim())

export const make = (
  config: CsvWebhookConfig
): Effect.Effect<CrmConnectorShape, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Effect.gen(function*() {
    const provider = "csv" as const
    const mapping = resolve(defaultMapping, config.fieldMapping)
    const idColumn = config.idColumn ?? "id"
    const modifiedColumn = config.modifiedColumn ?? "updated_at"
    const pageSize = config.pageSize ?? 500
    const ctx: ConnectorKit.LogContext = { orgId: config.organizationId, connectionId: config.connectionId, provider }
    const { signingSecret } = yield* open(provider, config.credentials, WebhookCredentials)
    const secret = Redacted.make(signingSecret)
    const syncLog = yield* SyncLog

    const http = yield* VendorHttp.make(
      {
        provider,
        organizationId: config.organizationId,
        rateLimit: config.rateLimit ?? TokenBucket.defaults.csv,
        backoff: config.backoff ?? Backoff.defaultPolicy,
        seed: config.seed ?? 1
      },
      {
        // Signed per attempt, so a delivery retried after a long Retry-After is not stale.
        authorize: (request) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            const seconds = Math.floor(now / 1000)
            const body = request.body._tag === "Uint8Array" ? request.body.body : new Uint8Array()
            return {
              request: HttpClientRequest.setHeaders(request, {
                [WebhookSignature.timestampHeader]: String(seconds),
                [WebhookSignature.signatureHeader]: WebhookSignature.sign(Redacted.value(secret), seconds, body)
              }),
              generation: 0
            }
          }),
        refresh: null
      }
    )

    const fileError = (operation: string, error: unknown) =>
      new CrmRequestFailed({ provider, operation, status: null, message: `cannot read ${config.file}: ${String(error)}` })

    /** Reads up to `limit` CSV events starting at a byte offset, streaming the file in chunks. */
    const scan = (operation: string, offset: number, line: number, limit: number) =>
      Effect.tryPromise({
        try: async () => {
          const handle = await openFile(config.file, "r")
          try {
            const parser = Csv.parser(offset, line)
            const events: Array<Csv.CsvEvent> = []
            const buffer = new Uint8Array(READ_CHUNK)
            let position = offset
            while (events.length < limit) {
              const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, position)
              if (bytesRead === 0) {
                events.push(...parser.end())
                return { events: events.slice(0, limit), more: events.length > limit }
              }
              position += bytesRead
              events.push(...parser.feed(buffer.subarray(0, bytesRead)))
            }
            return { events: events.slice(0, limit), more: true }
          } finally {
            await handle.close()
          }
        },
        catch: (e) => fileError(operation, e)
      })

    const header = (operation: string) =>
      Effect.gen(function*() {
        const { events } = yield* scan(operation, 0, 1, 1)
        const first = events[0]
        if (first === undefined) return null
        if (first._tag === "Malformed") {
          return yield* new CrmResponseInvalid({ provider, operation, message: `the header of ${config.file} is malformed: ${first.message}` })
        }
        const columns = first.fields.map((f) => f.trim())
        if (!columns.includes(idColumn)) {
          return yield* new CrmResponseInvalid({
            provider,
            operation,
            message: `${config.file} has no '${idColumn}' column (columns: ${columns.join(", ")}); set idColumn or add one`
          })
        }
        return { columns, end: first.end, nextLine: first.nextLine }
      })

    const rejectLine = (line: number, crmId: string | null, value: string, expected: string) =>
      new RecordRejected({
        crmId,
        line,
        issues: [new FieldIssue({ field: "record", crmField: null, value, expected })],
        message: `line ${line}${crmId === null ? "" : ` (${crmId})`} rejected: got ${value}, expected ${expected}`
      })

    /** Turns one page of CSV events into source records or line rejections. */
    const rows = (columns: ReadonlyArray<string>, events: ReadonlyArray<Csv.CsvEvent>) => {
      const sources: Array<{ readonly line: number; readonly values: Record<string, string>; readonly id: string }> = []
      const rejected: Array<RecordRejected> = []
      for (const e of events) {
        if (e._tag === "Malformed") {
          rejected.push(rejectLine(e.line, null, "malformed CSV", `well-formed CSV (${e.message})`))
          continue
        }
        if (e.fields.length !== columns.length) {
          rejected.push(rejectLine(e.line, null, `${e.fields.length} columns`, `${columns.length} columns, as in the header`))
          continue
        }
        const values = Object.fromEntries(columns.map((c, i) => [c, e.fields[i]!]))
        const id = values[idColumn]?.trim() ?? ""
        if (id === "") {
          rejected.push(rejectLine(e.line, null, JSON.stringify(values[idColumn] ?? ""), `a non-empty '${idColumn}'`))
          continue
        }
        sources.push({ line: e.line, values, id })
      }
      return { sources, rejected }
    }

    const startOf = (operation: string, cursor: string | null, head: { end: number; nextLine: number }) =>
      cursor === null
        ? Effect.succeed({ offset: head.end, line: head.nextLine })
        : Effect.fromNullishOr(decodeCursor(cursor)).pipe(
          Effect.mapError(() => new CrmInputInvalid({ provider, operation, message: `cursor '${cursor}' is not '<offset>:<line>'` }))
        )

    const pullContacts = (checkpoint: SyncCheckpoint): Effect.Effect<ContactPage, CrmError, SyncLog> =>
      Effect.gen(function*() {
        const head = yield* header("pullContacts")
        const empty = { contacts: [], rejected: [], checkpoint: new SyncCheckpoint({ ...checkpoint, cursor: null }), done: true }
        if (head === null) return empty
        const hasModified = head.columns.includes(modifiedColumn)
        const fileTime = hasModified
          ? null
          : new Date((yield* Effect.tryPromise({ try: () => stat(config.file), catch: (e) => fileError("pullContacts", e) })).mtimeMs).toISOString()
        if (fileTime !== null && checkpoint.since !== null && fileTime <= checkpoint.since) return empty
        const start = yield* startOf("pullContacts", checkpoint.cursor, head)
        const { events, more } = yield* scan("pullContacts", start.offset, start.line, pageSize)
        const { sources, rejected: lineRejects } = rows(head.columns, events)
        const since = checkpoint.since
        const isOld = (raw: string | undefined) => {
          if (since === null || raw === undefined) return false
          const at = Date.parse(raw)
          return Number.isFinite(at) && new Date(at).toISOString() <= since
        }
        const contacts = []
        const rejected = [...lineRejects]
        for (const s of sources) {
          if (hasModified && isOld(s.values[modifiedColumn])) continue
          const mapped = mapContact(mapping, { crmId: s.id, properties: s.values, modifiedAt: fileTime ?? s.values[modifiedColumn], line: s.line })
          if (mapped._tag === "Success") contacts.push(mapped.success)
          else rejected.push(mapped.failure)
        }
        rejected.sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
        yield* ConnectorKit.logRejected(ctx, rejected, "contacts")
        const last = events.at(-1)
        const highWater = advanceHighWater(checkpoint.highWater, contacts)
        const cursor = more && last !== undefined ? encodeCursor(last.end, last.nextLine) : null
        return { contacts, rejected, checkpoint: new SyncCheckpoint({ since: checkpoint.since, cursor, highWater }), done: cursor === null }
      })

    const pullDoNotCall = (cursor: string | null): Effect.Effect<DncPage, CrmError> =>
      Effect.gen(function*() {
        const flag = mapping.fields.doNotCall
        const head = yield* header("pullDoNotCall")
        if (head === null || flag === undefined || !head.columns.includes(flag)) return { entries: [], rejected: [], nextCursor: null }
        const start = yield* startOf("pullDoNotCall", cursor, head)
        const { events, more } = yield* scan("pullDoNotCall", start.offset, start.line, pageSize)
        const { sources, rejected } = rows(head.columns, events)
        const entries: Array<DncEntry> = []
        for (const s of sources) {
          if (!truthy(s.values[flag])) continue
          entries.push(ConnectorKit.dncEntry(s.id, mapping.fields.phone === undefined ? null : s.values[mapping.fields.phone], mapping.defaultRegion))
        }
        yield* ConnectorKit.logRejected(ctx, rejected, "dnc")
        const last = events.at(-1)
        return { entries, rejected, nextCursor: more && last !== undefined ? encodeCursor(last.end, last.nextLine) : null }
      }).pipe(Effect.provideService(SyncLog, syncLog))

    /** POSTs one signed event; 2xx -> stored, 409 -> the receiver already had this key. */
    const deliver = (operation: string, idempotencyKey: string, event: unknown) =>
      Effect.gen(function*() {
        const response = yield* http.send(
          operation,
          HttpClientRequest.post(config.webhookUrl).pipe(
            HttpClientRequest.setBody(HttpBody.text(JSON.stringify(event), "application/json")),
            HttpClientRequest.setHeader("idempotency-key", idempotencyKey)
          ),
          // Receivers dedupe by Idempotency-Key, so a resend cannot be stored twice.
          { idempotent: true }
        )
        if (response.status === 409 || (response.status >= 200 && response.status < 300)) {
          const body = response.text === "" ? {} : yield* VendorHttp.decodeJson(provider, operation, DeliveryResponse, response.text)
          return { duplicate: response.status === 409, id: body.id ?? idempotencyKey }
        }
        return yield* new CrmRequestFailed({
          provider,
          operation,
          status: response.status,
          message: `webhook ${VendorHttp.describeUrl(config.webhookUrl)} answered ${response.status}: ${response.text.slice(0, 300)}`
        })
      })

    const encodeActivity = Schema.encodeSync(CallActivity)

    const pushOne = (activity: CallActivity): Effect.Effect<PushOutcome, CrmError> =>
      Effect.map(
        deliver("pushCallActivities", activity.idempotencyKey, {
          type: "call.completed",
          organizationId: config.organizationId,
          connectionId: config.connectionId,
          activity: encodeActivity(activity)
        }),
        (r): PushOutcome =>
          r.duplicate
            ? { _tag: "Duplicate", idempotencyKey: activity.idempotencyKey, crmActivityId: r.id }
            : { _tag: "Created", idempotencyKey: activity.idempotencyKey, crmActivityId: r.id }
      )

    // One delivery per activity: receivers get one event per call.
    const pushCallActivities = (activities: ReadonlyArray<CallActivity>) =>
      ConnectorKit.pushInChunks(ctx, activities, 1, (chunk) => Effect.map(pushOne(chunk[0]!), (o) => [o])).pipe(
        Effect.provideService(SyncLog, syncLog)
      )

    const updateContactStatus = (update: StatusUpdate): Effect.Effect<void, CrmError> => {
      const value = crmStatusValue(mapping, update.status)
      return Effect.gen(function*() {
        // Keyed by time too: setting A, then B, then A again are three different deliveries.
        const now = yield* Clock.currentTimeMillis
        yield* deliver("updateContactStatus", `status:${update.crmRecordId}:${now}`, {
          type: "contact.status_changed",
          organizationId: config.organizationId,
          connectionId: config.connectionId,
          crmRecordId: update.crmRecordId,
          crmRecordType: update.crmRecordType,
          status: update.status,
          value
        })
      }).pipe(
        Effect.tapError((e) => ConnectorKit.logStatus(ctx, update.crmRecordId, e, value)),
        Effect.tap(() => ConnectorKit.logStatus(ctx, update.crmRecordId, null, value)),
        Effect.provideService(SyncLog, syncLog)
      )
    }

    return {
      provider,
      pullContacts: (checkpoint) => pullContacts(checkpoint).pipe(Effect.provideService(SyncLog, syncLog)),
      pushCallActivities,
      updateContactStatus,
      pullDoNotCall
    }
  })

export const layer = (
  config: CsvWebhookConfig
): Layer.Layer<CrmConnector, CrmError, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets> =>
  Layer.effect(CrmConnector, make(config))
