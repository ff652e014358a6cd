/**
 * Durable, idempotent storage of carrier events, shared by the webhook
 * routes and the in-process carrier forwarder.
 *
 * An event is inserted into `call_events` keyed by (provider, provider event
 * key): a retried webhook finds the row and changes nothing. Only a new event
 * moves the call forward, and only forward: a status whose rank is below the
 * call's current one (a late "ringing" after "completed") is stored for the
 * record but never rewinds the call. The lookup runs as the system role
 * because the webhook does not know the organization; the write runs as the
 * call's tenant.
 *
 * `storeBatch` is the group-commit path of the webhook routes: many events in
 * one transaction, one statement to find their calls and insert them, one to
 * move the calls forward. It runs as the system role from start to end: a
 * batch mixes calls of several organizations, and every row's `org_id` is
 * copied from the call row the same statement found, never from the request,
 * so no event can land in another tenant's data.
 */
import { Effect } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import { SqlClient } from "effect/sql"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import type { CallEvent as CallEvents } from "@autodialer/telephony"

type CallEvent = CallEvents.CallEvent

export interface OwnedCall {
  readonly id: string
  readonly orgId: string
  readonly campaignId: string | null
  readonly contactId: string | null
  readonly agentId: string | null
  readonly status: string
}

const rank: Readonly<Record<string, number>> = {
  queued: 0, initiated: 1, ringing: 2, in_progress: 3, completed: 4, busy: 4, no_answer: 4, failed: 4, canceled: 4
}

/** The calls-table status an event moves the call to. */
export const statusOf = (event: CallEvent): string => {
  switch (event._tag) {
    case "Initiated": return "initiated"
    case "Ringing": return "ringing"
    case "Answered":
    case "Bridged": return "in_progress"
    case "Completed": return "completed"
    case "Busy": return "busy"
    case "NoAnswer": return "no_answer"
    case "Failed": return "failed"
    case "Canceled": return "canceled"
  }
}

/** Status order: an event moves a call only to a higher rank (terminal states are all 4). */
export const rankOf = (status: string): number => rank[status] ?? 0

/** The columns of `calls` an event sets when it moves the call forward. */
export interface CallPatch {
  readonly status: string
  readonly providerCallId?: string
  readonly ringingAt?: Date
  readonly answeredAt?: Date
  readonly answeredBy?: string
  readonly endedAt?: Date
  readonly billableSeconds?: number
  readonly talkDurationSeconds?: number
  readonly errorMessage?: string
  readonly errorCode?: string | null
}

export const patchOf = (event: CallEvent): CallPatch => {
  const next = statusOf(event)
  const at = new Date(event.at)
  return {
    status: next,
    ...(event.providerCallId !== undefined ? { providerCallId: event.providerCallId } : {}),
    ...(event._tag === "Ringing" ? { ringingAt: at } : {}),
    // The carrier's verdicts are a subset of the domain's AnsweredBy (Twilio's names).
    ...(event._tag === "Answered" ? { answeredAt: at, answeredBy: event.answeredBy } : {}),
    ...(rankOf(next) === 4 ? { endedAt: at } : {}),
    ...(event._tag === "Completed" ? { billableSeconds: event.durationSec, talkDurationSeconds: event.durationSec } : {}),
    ...(event._tag === "Failed" ? { errorMessage: event.detail, errorCode: event.providerCode ?? null } : {})
  }
}

/** Finds our call for a provider's call id, or by our own id when the callback carries it. */
export const findCall = (provider: string, providerCallId: string | undefined, callId: string | undefined) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* Tenancy.withSystem(sql<OwnedCall>`
      SELECT id, org_id, campaign_id, contact_id, agent_id, status FROM calls
      WHERE ${callId !== undefined && UuidV7.uuidPattern.test(callId)
        ? sql`id = ${callId}`
        : sql`provider = ${provider} AND provider_call_id = ${providerCallId ?? ""}`}
      LIMIT 1`)
    return rows[0]
  })

export interface Stored {
  /** False when the event had been stored before (a retried webhook). */
  readonly inserted: boolean
  readonly call: OwnedCall
}

/** Stores `event` for `call` once; applies it to the call row when it is new and moves the call forward. */
export const store = (call: OwnedCall, event: CallEvent, payload: unknown) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* Tenancy.withTenant(call.orgId as OrganizationId)(Effect.gen(function*() {
      const inserted = yield* sql`
        INSERT INTO call_events ${sql.insert({
          id: yield* UuidV7.generate, orgId: call.orgId, callId: call.id, provider: event.provider,
          providerCallId: event.providerCallId ?? null, providerEventKey: event.eventKey, eventType: event._tag,
          payload: JSON.stringify(payload), occurredAt: new Date(event.at)
        })}
        ON CONFLICT (provider, provider_event_key) DO NOTHING RETURNING id`
      if (inserted.length === 0) return { inserted: false, call } satisfies Stored
      const current = yield* sql<{ readonly status: string }>`SELECT status FROM calls WHERE id = ${call.id} FOR UPDATE`
      const next = statusOf(event)
      const from = current[0]?.status ?? call.status
      if ((rank[next] ?? 0) > (rank[from] ?? 0)) {
        yield* sql`UPDATE calls SET ${sql.update({ ...patchOf(event) })} WHERE id = ${call.id}`
      }
      return { inserted: true, call: { ...call, status: (rank[next] ?? 0) > (rank[from] ?? 0) ? next : from } } satisfies Stored
    }))
  })

/** One event to store: what the carrier sent, and our call id when the callback URL carried it. */
export interface Incoming {
  readonly event: CallEvent
  readonly payload: unknown
  readonly callIdHint: string | undefined
}

/**
 * Runs one statement, outside any explicit transaction (so it commits on its
 * own), on a connection that already runs as the system role.
 */
export type Execute = (sql: string, params: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<unknown>, SqlError>

const hintOf = (item: Incoming) => item.callIdHint !== undefined && UuidV7.uuidPattern.test(item.callIdHint) ? item.callIdHint : undefined

/**
 * Splits a batch into waves in which no two events can concern the same call
 * (same provider call id, or same call id hint), keeping arrival order: the
 * k-th event of a call goes into wave k. One wave is one statement, and a
 * statement can update a call row only once.
 */
export const waves = (items: ReadonlyArray<Incoming>): ReadonlyArray<ReadonlyArray<number>> => {
  const out: Array<Array<number>> = []
  // Keys seen on one event name the same call: linked, so a later event with either key follows it.
  const parent = new Map<string, string>()
  const root = (k: string): string => {
    let r = k
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!
    return r
  }
  const lastWave = new Map<string, number>()
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!
    const hint = hintOf(item)
    const keys = [
      item.event.providerCallId === undefined ? undefined : `p:${item.event.provider}:${item.event.providerCallId}`,
      hint === undefined ? undefined : `c:${hint}`
    ].filter((k) => k !== undefined)
    const roots = [...new Set(keys.map(root))]
    const wave = Math.max(-1, ...roots.map((r) => lastWave.get(r) ?? -1)) + 1
    for (const r of roots) parent.set(r, roots[0]!)
    if (roots[0] !== undefined) lastWave.set(roots[0], wave)
    ;(out[wave] ??= []).push(i)
  }
  return out
}

const iso = (d: Date | undefined) => d === undefined ? null : d.toISOString()

/** The `calls` columns of a patch as JSON fields (absent columns are null: the UPDATE keeps the old value). */
const patchFields = (patch: CallPatch) => ({
  status: patch.status, rank: rankOf(patch.status), ringing_at: iso(patch.ringingAt), answered_at: iso(patch.answeredAt),
  answered_by: patch.answeredBy ?? null, ended_at: iso(patch.endedAt), billable_seconds: patch.billableSeconds ?? null,
  talk_duration_seconds: patch.talkDurationSeconds ?? null, error_message: patch.errorMessage ?? null, error_code: patch.errorCode ?? null
})

const patchColumns = `status text, rank int, ringing_at timestamptz, answered_at timestamptz, answered_by text, ended_at timestamptz,
  billable_seconds int, talk_duration_seconds int, error_message text, error_code text`

const moveForward = (source: string, idColumn: string) => `
  UPDATE calls c SET
    status = v.status,
    provider_call_id = coalesce(v.provider_call_id, c.provider_call_id),
    ringing_at = coalesce(v.ringing_at, c.ringing_at),
    answered_at = coalesce(v.answered_at, c.answered_at),
    answered_by = coalesce(v.answered_by, c.answered_by),
    ended_at = coalesce(v.ended_at, c.ended_at),
    billable_seconds = coalesce(v.billable_seconds, c.billable_seconds),
    talk_duration_seconds = coalesce(v.talk_duration_seconds, c.talk_duration_seconds),
    error_message = coalesce(v.error_message, c.error_message),
    error_code = coalesce(v.error_code, c.error_code)
  FROM ${source} v
  WHERE c.id = v.${idColumn} AND v.rank > coalesce(($2::jsonb ->> c.status)::int, 0)
  RETURNING c.id, c.status`

/**
 * The whole batch in one statement (so it commits or fails as a unit): find
 * each event's call (by our id when the callback URL carried it, else by the
 * provider's call id), insert the events of known calls (ON CONFLICT DO
 * NOTHING, in key order so that two batches in flight cannot deadlock on the
 * unique index), and move each call forward by its new event. `org_id` is
 * copied from the call row found here, never taken from the request.
 * $1: the events as a JSON array, $2: the status ranks.
 */
const batchStatement = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
    i int, id uuid, provider text, provider_call_id text, hint uuid, by_provider boolean,
    event_key text, event_type text, payload jsonb, occurred_at timestamptz, ${patchColumns})
), resolved AS (
  SELECT input.*, c.id AS call_id, c.org_id, c.campaign_id, c.contact_id, c.agent_id, c.status AS call_status
  FROM input LEFT JOIN LATERAL (
    SELECT k.id, k.org_id, k.campaign_id, k.contact_id, k.agent_id, k.status FROM calls k WHERE k.id = input.hint
    UNION ALL
    SELECT k.id, k.org_id, k.campaign_id, k.contact_id, k.agent_id, k.status FROM calls k
    WHERE input.by_provider AND k.provider = input.provider AND k.provider_call_id = coalesce(input.provider_call_id, '')
    LIMIT 1
  ) c ON true
), inserted AS (
  INSERT INTO call_events (id, org_id, call_id, provider, provider_call_id, provider_event_key, event_type, payload, occurred_at)
  SELECT id, org_id, call_id, provider, provider_call_id, event_key, event_type, payload, occurred_at
  FROM resolved WHERE call_id IS NOT NULL ORDER BY provider, event_key
  ON CONFLICT (provider, provider_event_key) DO NOTHING
  RETURNING provider, provider_event_key
), fresh AS (
  SELECT r.* FROM resolved r JOIN inserted n ON n.provider = r.provider AND n.provider_event_key = r.event_key
), first_new AS (
  SELECT DISTINCT ON (call_id) * FROM fresh ORDER BY call_id, i
), moved AS (${moveForward("first_new", "call_id")})
SELECT r.i, r.call_id AS "callId", r.org_id AS "orgId", r.campaign_id AS "campaignId", r.contact_id AS "contactId",
       r.agent_id AS "agentId", r.call_status AS status,
       EXISTS (SELECT 1 FROM fresh f WHERE f.i = r.i) AS inserted,
       (SELECT m.status FROM moved m, first_new f WHERE f.i = r.i AND m.id = r.call_id) AS "movedTo"
FROM resolved r`

/** A further event of a call already moved by the batch statement (reached only when `waves` could not see they share a call). */
const followUpStatement = `WITH v AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id uuid, provider_call_id text, ${patchColumns})
)${moveForward("v", "id")}`

interface ResolvedRow {
  readonly i: number
  readonly callId: string | null
  readonly orgId: string | null
  readonly campaignId: string | null
  readonly contactId: string | null
  readonly agentId: string | null
  readonly status: string | null
  readonly inserted: boolean
  /** The call's status after this statement's update, when it moved. */
  readonly movedTo: string | null
}

const rankJson = JSON.stringify(rank)

/**
 * Stores a batch of events with one statement through `execute`: a result per
 * item, in order (`undefined` when the call is not ours), with the same
 * guarantees as `store` item by item: an event key stored before (or earlier
 * in the batch) changes nothing, and a call only moves forward. Give it one
 * wave of `waves` at a time; should two events of one call still meet in a
 * statement, the later one is applied by a follow-up statement, in order.
 */
export const storeBatch = (execute: Execute, items: ReadonlyArray<Incoming>): Effect.Effect<ReadonlyArray<Stored | undefined>, SqlError> =>
  Effect.gen(function*() {
    if (items.length === 0) return []
    // A key repeated inside the batch is sent once; its later copies are duplicates.
    const firstOfKey = new Map<string, number>()
    const input: Array<Record<string, unknown>> = []
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      const { event, payload } = item
      const key = `${event.provider}\u0000${event.eventKey}`
      if (firstOfKey.has(key)) continue
      firstOfKey.set(key, i)
      const hint = hintOf(item)
      input.push({
        i, id: yield* UuidV7.generate, provider: event.provider, provider_call_id: event.providerCallId ?? null,
        hint: hint ?? null, by_provider: hint === undefined, event_key: event.eventKey, event_type: event._tag,
        payload: payload ?? {}, occurred_at: new Date(event.at).toISOString(), ...patchFields(patchOf(event))
      })
    }
    const rows = (yield* execute(batchStatement, [JSON.stringify(input), rankJson])) as ReadonlyArray<ResolvedRow>
    const status = new Map<string, string>()
    for (const row of rows) if (row.movedTo !== null && row.callId !== null) status.set(row.callId, row.movedTo)
    const rounds: Array<Array<Record<string, unknown>>> = []
    const seen = new Map<string, number>()
    for (const row of [...rows].sort((a, b) => a.i - b.i)) {
      if (!row.inserted || row.callId === null) continue
      const k = seen.get(row.callId) ?? 0
      seen.set(row.callId, k + 1)
      if (k === 0) continue
      const event = items[row.i]!.event
      ;(rounds[k - 1] ??= []).push({ id: row.callId, provider_call_id: event.providerCallId ?? null, ...patchFields(patchOf(event)) })
    }
    for (const round of rounds) {
      const moved = (yield* execute(followUpStatement, [JSON.stringify(round), rankJson])) as ReadonlyArray<{ readonly id: string; readonly status: string }>
      for (const m of moved) status.set(m.id, m.status)
    }
    const byIndex = new Map(rows.map((r) => [r.i, r]))
    return items.map((item, i): Stored | undefined => {
      const first = firstOfKey.get(`${item.event.provider}\u0000${item.event.eventKey}`)!
      const row = byIndex.get(first)
      if (row === undefined || row.callId === null || row.orgId === null) return undefined
      const call: OwnedCall = {
        id: row.callId, orgId: row.orgId, campaignId: row.campaignId, contactId: row.contactId, agentId: row.agentId,
        status: status.get(row.callId) ?? row.status ?? "initiated"
      }
      return { inserted: row.inserted && first === i, call }
    })
  })
