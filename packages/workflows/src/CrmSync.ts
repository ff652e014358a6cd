/**
 * One CRM connection's sync steps, as Effect programs the CRM sync activities
 * run: pull one page of changed contacts into `contacts` (advancing the
 * connection's stored checkpoint), and push one batch of the call outbox.
 *
 * The outbox is not a table: it is the query "finished calls to a contact this
 * connection imported, with no successful push in `crm_sync_logs`". The
 * connector writes one log row per pushed call (success, skipped duplicate,
 * failed with `retryable`), so a call leaves the outbox exactly when the CRM
 * has it. The idempotency key is the call id: a retry after a lost response
 * is found in the CRM and logged as a duplicate, never created twice.
 *
 * Credentials stay sealed here: the connection row goes to
 * `Connectors.fromConnection`, which opens them inside the connector only.
 */
import {
  CallActivity,
  type CallOutcome as CrmCallOutcome,
  Connectors,
  type CrmContact,
  type CrmError,
  type RateLimiter,
  SyncCheckpoint,
  SyncLog,
  TokenStore
} from "@autodialer/crm-sync"
import type { CrmConnection } from "@autodialer/domain/CrmConnection"
import { type CrmConnectionNotFound, CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { CrmSyncLogRepo } from "@autodialer/domain/CrmSyncLogRepo"
import { ContactRepo, type NewContact } from "@autodialer/domain/ContactRepo"
import { DncRepo } from "@autodialer/domain/DncRepo"
import { contactStatusFromSeed } from "@autodialer/domain/Enums"
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import type { Secrets } from "@autodialer/domain/Secrets"
import { withTenant } from "@autodialer/domain/Tenancy"
import { Clock, Effect, Result, Schema } from "effect"
import type { HttpClient } from "effect/http"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"

/** Where the contact pull checkpoint lives in `crm_connections.sync_cursors`. */
export const contactCursorKey = "contact"

/** Services the sync steps need; the worker's runtime provides them. */
export type CrmSyncServices =
  | SqlClient.SqlClient
  | CrmConnectionRepo
  | ContactRepo
  | CrmSyncLogRepo
  | DncRepo
  | Secrets
  | HttpClient.HttpClient
  | RateLimiter

/** Per-connection settings that are not in the row (field mapping, CSV file, test base URLs). */
export type SettingsFor = (connection: CrmConnection) => Connectors.ConnectionSettings

export interface ConnectionRef {
  readonly orgId: string
  readonly connectionId: string
}

export interface PullPageResult {
  readonly pulled: number
  readonly created: number
  readonly rejected: number
  readonly done: boolean
}

export interface PushBatchResult {
  /** Calls taken from the outbox for this batch. */
  readonly selected: number
  readonly created: number
  readonly duplicates: number
  readonly failed: number
  /** Failed pushes worth retrying (rate limits, 5xx); they stay in the outbox. */
  readonly retryable: number
  /** One message per retryable failure, for the activity's error. */
  readonly messages: ReadonlyArray<string>
  /** Another run of this connection is pushing right now; this one pushed nothing. */
  readonly busy: boolean
}

export class CheckpointInvalid extends Schema.TaggedError<CheckpointInvalid>()("CheckpointInvalid", {
  connectionId: Schema.String,
  value: Schema.String
}) {
  override get message() {
    return `crm_connections.sync_cursors.${contactCursorKey} of connection ${this.connectionId}: got ${this.value}, ` +
      `expected a JSON SyncCheckpoint {since, cursor, highWater}; clear it to resync from the start`
  }
}

export type SyncError = CrmError | CrmConnectionNotFound | CheckpointInvalid | SqlError

const decodeCheckpoint = Schema.decodeUnknownEffect(Schema.fromJsonString(SyncCheckpoint))
const encodeCheckpoint = Schema.encodeSync(Schema.fromJsonString(SyncCheckpoint))

/**
 * The connector of a stored connection, logging to `crm_sync_logs` and sealing the tokens it
 * refreshes back into the connection row.
 */
const connectorOf = (connection: CrmConnection, settings: SettingsFor) =>
  Connectors.fromConnection(connection, settings(connection)).pipe(
    Effect.provide(SyncLog.layerRepo),
    Effect.provide(TokenStore.layerRepo)
  )

/** Marks the contacts a connection imported, so its outbox pushes only to its own CRM records. */
export const sourceMarker = (connectionId: string): string => `crm:${connectionId}`

/** A pulled CRM contact as a domain contact of the connection. */
export const toNewContact = (
  contact: CrmContact,
  connection: Pick<CrmConnection, "id" | "crmType">
): NewContact & { readonly sourceCrm: CrmConnection["crmType"]; readonly crmId: string } => ({
  crmId: contact.crmId,
  sourceCrm: connection.crmType,
  firstName: contact.firstName,
  lastName: contact.lastName,
  company: contact.company,
  title: null,
  email: contact.email as NewContact["email"],
  phone: contact.phone,
  alternatePhones: [],
  timeZone: contact.timeZone,
  timeZoneSource: contact.timeZone === null ? null : "crm",
  leadScore: null,
  // The CRM's do-not-call flag wins; otherwise its lead status read through the seed mapping.
  status: contact.doNotCall ? "do_not_call" : (contact.stage === null ? undefined : contactStatusFromSeed(contact.stage)) ?? "new",
  stage: contact.stage,
  source: sourceMarker(connection.id),
  ownerId: null,
  tags: [],
  customFields: contact.custom,
  consent: { status: "unknown", method: null, capturedAt: null, evidence: null },
  lastContactedAt: null
})

/**
 * Pulls the next page of contacts changed since the stored checkpoint, upserts
 * them by (CRM, CRM id), and stores the new checkpoint. Safe to retry: the
 * checkpoint advances only after the contacts are stored, and re-upserting a
 * page changes nothing.
 */
export const pullPage = (
  ref: ConnectionRef,
  settings: SettingsFor
): Effect.Effect<PullPageResult, SyncError, CrmSyncServices> =>
  Effect.gen(function*() {
    const orgId = ref.orgId as OrganizationId
    const id = ref.connectionId as CrmConnectionId
    const connections = yield* CrmConnectionRepo
    const contacts = yield* ContactRepo
    const connection = yield* connections.findById(orgId, id)
    const stored = connection.syncCursors[contactCursorKey]
    const checkpoint = stored === undefined
      ? SyncCheckpoint.initial
      : yield* decodeCheckpoint(stored).pipe(Effect.mapError(() => new CheckpointInvalid({ connectionId: id, value: JSON.stringify(stored) })))
    const crm = yield* connectorOf(connection, settings)
    const page = yield* crm.pullContacts(checkpoint)
    const logs = yield* CrmSyncLogRepo
    const dnc = yield* DncRepo
    const sql = yield* SqlClient.SqlClient
    let created = 0
    let invalid = 0
    for (const contact of page.contacts) {
      // A contact we already dial keeps the status the dialer gave it (attempted, callback...):
      // only the CRM's opt-out overrides it.
      const [existing] = yield* withTenant(orgId)(sql<{ readonly status: NewContact["status"] }>`
        SELECT status FROM contacts WHERE org_id = ${orgId} AND source_crm = ${connection.crmType} AND crm_id = ${contact.crmId}`)
      const fresh = toNewContact(contact, connection)
      const input = existing === undefined || contact.doNotCall ? fresh : { ...fresh, status: existing.status }
      // A record the connector accepted but the domain refuses (cross-field rules) is logged
      // like a rejected record; the rest of the page is stored.
      const stored = yield* contacts.upsertFromCrm(orgId, input).pipe(
        Effect.map((r) => r.created),
        Effect.catchTag("InvalidContact", (e) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            logs.append(orgId, {
              connectionId: id,
              objectType: "contact",
              objectId: contact.crmId,
              localId: null,
              action: "pull",
              status: "failed",
              message: `${connection.crmType} contact ${contact.crmId} was not imported: ${e.message}`,
              details: { provider: connection.crmType, problems: [...e.problems] },
              createdAt: new Date(now)
            })).pipe(Effect.as(null)))
      )
      if (stored === null) invalid++
      else if (stored) created++
      // The CRM's opt-out also goes on the organization's DNC list, which every dial checks. A flag
      // cleared later in the CRM does not lift the entry: removing one is a person's decision.
      if (stored !== null && contact.doNotCall) {
        const now = yield* Clock.currentTimeMillis
        yield* dnc.add(orgId, {
          phone: contact.phone,
          reason: "requested",
          note: `marked do-not-call in ${connection.crmType} (record ${contact.crmId})`,
          addedAt: new Date(now)
        })
      }
    }
    const next = page.done ? page.checkpoint.nextRun : page.checkpoint
    const now = yield* Clock.currentTimeMillis
    yield* connections.advanceCursor(orgId, id, contactCursorKey, encodeCheckpoint(next), new Date(now))
    // One summary row per page, so the log answers "did the sync run, and what did it bring?".
    yield* logs.append(orgId, {
      connectionId: id,
      objectType: "contact",
      objectId: null,
      localId: null,
      action: "pull",
      status: "success",
      message: `${page.contacts.length - invalid} contacts pulled (${created} new), ${page.rejected.length + invalid} rejected` +
        (page.done ? "; caught up" : "; more pages follow"),
      details: { provider: connection.crmType, pulled: page.contacts.length - invalid, created, rejected: page.rejected.length + invalid, done: page.done },
      createdAt: new Date(now)
    })
    yield* Effect.logInfo("crm contacts page pulled").pipe(Effect.annotateLogs({
      orgId, connectionId: id, crm: connection.crmType, pulled: page.contacts.length - invalid, created, rejected: page.rejected.length + invalid, done: page.done
    }))
    return { pulled: page.contacts.length - invalid, created, rejected: page.rejected.length + invalid, done: page.done }
  })

interface OutboxRow {
  readonly id: string
  readonly status: string
  readonly outcome: string | null
  readonly talkDurationSeconds: number | null
  readonly startedAt: Date | string
  readonly toNumber: string
  readonly fromNumber: string | null
  readonly recordingUrl: string | null
  readonly notes: string | null
  readonly crmId: string
  readonly disposition: string | null
  readonly agentId: string | null
  readonly agentName: string | null
  readonly agentCrmUserId: string | null
}

/** Our call outcome (or, before one is set, the call status) in the connector's vocabulary. */
export const crmOutcome = (outcome: string | null, status: string): CrmCallOutcome => {
  switch (outcome) {
    case "human_answered":
    case "transferred":
    case "abandoned":
      return "answered"
    case "answering_machine":
    case "voicemail_dropped":
      return "voicemail"
    case "no_answer":
      return "no_answer"
    case "busy":
      return "busy"
    case "failed":
    case "rejected":
    case "invalid_number":
    case "blocked":
      return "failed"
  }
  switch (status) {
    case "completed":
      return "answered"
    case "busy":
      return "busy"
    case "no_answer":
      return "no_answer"
    case "canceled":
      return "cancelled"
    default:
      return "failed"
  }
}

/** Statuses after which a call can be written to the CRM (canceled calls never reached anyone). */
const pushableStatuses = ["completed", "busy", "no_answer", "failed"] as const

/** The next `limit` calls of a connection's outbox, oldest first. */
export const outbox = (
  connection: Pick<CrmConnection, "id" | "orgId" | "crmType">,
  limit: number
): Effect.Effect<ReadonlyArray<OutboxRow>, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* withTenant(connection.orgId)(sql<OutboxRow>`
      SELECT c.id::text AS "id", c.status AS "status", c.outcome AS "outcome",
             c.talk_duration_seconds AS "talkDurationSeconds",
             coalesce(c.initiated_at, c.created_at) AS "startedAt",
             c.to_number AS "toNumber", c.from_number AS "fromNumber",
             c.recording_url AS "recordingUrl", c.notes AS "notes",
             ct.crm_id AS "crmId", d.label AS "disposition",
             u.id::text AS "agentId", u.full_name AS "agentName", u.crm_user_id AS "agentCrmUserId"
      FROM calls c
      JOIN contacts ct ON ct.id = c.contact_id
      LEFT JOIN dispositions d ON d.id = c.disposition_id
      LEFT JOIN users u ON u.id = c.agent_id
      WHERE c.org_id = ${connection.orgId}
        AND c.parent_call_id IS NULL
        AND ${sql.in("c.status", pushableStatuses)}
        AND ct.source_crm = ${connection.crmType} AND ct.crm_id IS NOT NULL
        AND (ct.source IS NULL OR ct.source = ${sourceMarker(connection.id)})
        AND NOT EXISTS (
          SELECT 1 FROM crm_sync_logs l
          WHERE l.connection_id = ${connection.id} AND l.object_type = 'call' AND l.action = 'push'
            AND l.local_id = c.id::text
            AND (l.status IN ('success', 'skipped') OR (l.status = 'failed' AND l.details->>'retryable' = 'false'))
        )
      ORDER BY coalesce(c.ended_at, c.created_at), c.id
      LIMIT ${limit}`)
  })

const decodeActivity = Schema.decodeUnknownEffect(CallActivity)

/**
 * Pushes the next batch of the outbox. A call whose row cannot become a valid
 * activity (say, a malformed number) is logged as a non-retryable failure so
 * it leaves the outbox instead of blocking it.
 */
export const pushBatch = (
  ref: ConnectionRef & { readonly limit: number },
  settings: SettingsFor
): Effect.Effect<PushBatchResult, SyncError, CrmSyncServices> =>
  Effect.gen(function*() {
    const orgId = ref.orgId as OrganizationId
    const id = ref.connectionId as CrmConnectionId
    const sql = yield* SqlClient.SqlClient
    // One pusher per connection at a time, whoever started the run (a schedule tick, "sync now",
    // a manual start): the lock lives as long as the transaction, so it also covers the CRM calls
    // and the log rows the connector writes. A second pusher backs off instead of racing the
    // CRM's own duplicate detection (HubSpot's search lags its writes).
    // A CRM error still commits the transaction: the log rows of activities the CRM did create
    // before it failed are true, and a refreshed token is stored once the transaction commits.
    const pushed = yield* withTenant(orgId)(Effect.gen(function*() {
      const [lock] = yield* sql<{ readonly locked: boolean }>`
        SELECT pg_try_advisory_xact_lock(hashtextextended(${`crm-push:${id}`}, 0)) AS "locked"`
      if (lock?.locked !== true) return pushedOk({ ...nothingPushed, busy: true })
      return yield* pushLocked(orgId, id, ref.limit, settings).pipe(
        Effect.map(pushedOk),
        Effect.catchIf(isCrmError, (e) => Effect.succeed(Result.fail(e)))
      )
    }))
    return yield* Result.match(pushed, { onSuccess: Effect.succeed, onFailure: Effect.fail })
  })

const pushedOk = (r: PushBatchResult): Result.Result<PushBatchResult, CrmError> => Result.succeed(r)

const crmErrorTags: ReadonlySet<string> = new Set([
  "CrmRateLimited", "CrmUnauthorized", "CrmCredentialsInvalid", "CrmRequestFailed", "CrmResponseInvalid", "CrmInputInvalid"
])
const isCrmError = (e: unknown): e is CrmError =>
  typeof e === "object" && e !== null && "_tag" in e && crmErrorTags.has(String((e as { readonly _tag: unknown })._tag))

const nothingPushed: PushBatchResult = { selected: 0, created: 0, duplicates: 0, failed: 0, retryable: 0, messages: [], busy: false }

const pushLocked = (orgId: OrganizationId, id: CrmConnectionId, limit: number, settings: SettingsFor) =>
  Effect.gen(function*() {
    const connection = yield* Effect.flatMap(CrmConnectionRepo, (repo) => repo.findById(orgId, id))
    const rows = yield* outbox(connection, limit)
    if (rows.length === 0) return nothingPushed
    const logs = yield* CrmSyncLogRepo
    const activities: Array<CallActivity> = []
    let invalid = 0
    for (const row of rows) {
      const decoded = yield* Effect.result(decodeActivity({
        idempotencyKey: row.id,
        crmRecordId: row.crmId,
        crmRecordType: "contact",
        outcome: crmOutcome(row.outcome, row.status),
        disposition: row.disposition,
        durationSeconds: row.talkDurationSeconds ?? 0,
        startedAt: (row.startedAt instanceof Date ? row.startedAt : new Date(row.startedAt)).toISOString(),
        toNumber: row.toNumber,
        fromNumber: row.fromNumber,
        recordingUrl: row.recordingUrl,
        notes: row.notes,
        agent: row.agentId === null ? null : { id: row.agentId, name: row.agentName ?? "", crmUserId: row.agentCrmUserId }
      }))
      if (decoded._tag === "Success") {
        activities.push(decoded.success)
        continue
      }
      invalid++
      const now = yield* Clock.currentTimeMillis
      yield* logs.append(orgId, {
        connectionId: id,
        objectType: "call",
        objectId: null,
        localId: row.id,
        action: "push",
        status: "failed",
        message: `call ${row.id} cannot be written to ${connection.crmType}: ${decoded.failure.message}`,
        details: { retryable: false, provider: connection.crmType },
        createdAt: new Date(now)
      })
    }
    const crm = yield* connectorOf(connection, settings)
    const outcomes = activities.length === 0 ? [] : yield* crm.pushCallActivities(activities)
    const retryable = outcomes.flatMap((o) => o._tag === "Failed" && o.retryable ? [`${o.idempotencyKey}: ${o.message}`] : [])
    const result: PushBatchResult = {
      selected: rows.length,
      created: outcomes.filter((o) => o._tag === "Created").length,
      duplicates: outcomes.filter((o) => o._tag === "Duplicate").length,
      failed: invalid + outcomes.filter((o) => o._tag === "Failed").length,
      retryable: retryable.length,
      messages: retryable,
      busy: false
    }
    yield* Effect.logInfo("crm call activities pushed").pipe(Effect.annotateLogs({
      orgId, connectionId: id, crm: connection.crmType, selected: result.selected, created: result.created,
      duplicates: result.duplicates, failed: result.failed, retryable: result.retryable
    }))
    return result
  })
