/**
 * The durable state of a dialing session, in Postgres: the campaign queue
 * (`campaign_contacts`), calls, call events, the commands the session issued
 * and the agents' states. A session holds nothing that is not written here
 * first, so a new attempt on another worker rebuilds exactly where the last
 * one stopped:
 *
 * - contacts are reserved with `FOR UPDATE SKIP LOCKED`, so two sessions never
 *   take the same row, and a dial is recorded (the queue row moves to
 *   `dialing`, the call row is inserted, unique per contact and attempt) only
 *   while the row is still reserved by this session: a zombie session that
 *   lost its reservation cannot dial;
 * - every carrier event is stored (idempotent by provider event key) before
 *   the session applies it, and every command before it is executed;
 * - the abandon budget spent is counted from the stored calls, so a restart
 *   never resets it.
 *
 * Port of the domain repositories (campaign_contacts, calls, call_events,
 * agents): `layerPg` speaks SQL through the abstract `SqlClient`.
 */
import { Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { CallEvent as CallEvents } from "@autodialer/telephony"
type CallEvent = CallEvents.CallEvent
import type { AgentState, AttemptOutcome, EngineCommand, EngineContact, InFlightStatus, RestoredAgent, RestoredCall } from "./SessionEngine.ts"

const decodeStoredEvent = Schema.decodeUnknownEffect(CallEvents.CallEvent)

export interface StoredCall extends RestoredCall {
  /** The number dialled, to re-issue an originate that was never acknowledged. */
  readonly number: string
  /** The contact's IANA zone, or "" for the campaign's. */
  readonly timeZone: string
  /** The carrier's call id (the `Telephony` port's `callId`), once the originate was accepted. */
  readonly carrierCallId?: string
}

export interface SessionSnapshot {
  readonly agents: ReadonlyArray<RestoredAgent>
  readonly calls: ReadonlyArray<StoredCall>
  readonly abandon: { readonly liveAnswers: number; readonly abandoned: number }
  /** Stored events of the calls in flight, oldest first (some may not have been applied yet). */
  readonly events: ReadonlyArray<CallEvent>
}

export interface Backlog {
  /** Contacts not final: pending, reserved or in a call. */
  readonly remaining: number
  /** Of the pending ones, how many are due now (before local-window checks). */
  readonly dueNow: number
  /** The earliest next attempt among pending rows not due now. */
  readonly nextDueAt?: number
}

export interface DialRecord {
  readonly campaignId: string
  readonly sessionKey: string
  readonly callId: string
  readonly contact: EngineContact
  readonly from: string
  readonly provider: string
  readonly at: number
}

export interface CallPatch {
  readonly status?: InFlightStatus | "completed" | "busy" | "no_answer" | "failed" | "canceled"
  readonly answeredBy?: string
  readonly answeredAt?: number
  readonly endedAt?: number
  readonly outcome?: AttemptOutcome
  readonly agentId?: string
}

export type ContactResult =
  | { readonly _tag: "Retry"; readonly at: number; readonly outcome: AttemptOutcome }
  | { readonly _tag: "Done"; readonly status: "completed" | "exhausted" | "removed"; readonly outcome: AttemptOutcome }

export interface SessionStoreService {
  readonly snapshot: (campaignId: string, abandonSince: number) => Effect.Effect<SessionSnapshot, SqlError>
  /** Give back reservations of other sessions of this campaign (a previous, dead or zombie attempt). */
  readonly releaseForeignReservations: (campaignId: string, sessionKey: string) => Effect.Effect<number, SqlError>
  readonly reserveDue: (input: {
    readonly campaignId: string
    readonly sessionKey: string
    readonly limit: number
    readonly now: number
    readonly leaseMs: number
    /** False while draining: only contacts already attempted are taken. */
    readonly firstAttempts: boolean
  }) => Effect.Effect<ReadonlyArray<EngineContact>, SqlError>
  /** Extend this session's reservations (called with the heartbeat). */
  readonly renewReservations: (sessionKey: string, until: number) => Effect.Effect<void, SqlError>
  /** Put reserved rows back to pending, optionally not before `notBefore` (e.g. the contact's window opening). */
  readonly release: (sessionKey: string, contactIds: ReadonlyArray<string>, notBefore?: number) => Effect.Effect<void, SqlError>
  /** Persist a dial before it is placed; false when the row is no longer reserved by this session. */
  readonly recordDial: (dial: DialRecord) => Effect.Effect<boolean, SqlError>
  readonly attachCarrierCall: (callId: string, carrierCallId: string) => Effect.Effect<void, SqlError>
  readonly recordCommand: (campaignId: string, sessionKey: string, command: EngineCommand, at: number) => Effect.Effect<void, SqlError>
  /** Store an event of one of our calls; true when it was new. */
  readonly recordEvent: (callId: string, event: CallEvent) => Effect.Effect<boolean, SqlError>
  readonly updateCall: (callId: string, patch: CallPatch) => Effect.Effect<void, SqlError>
  readonly finishContact: (contactId: string, result: ContactResult, at: number) => Effect.Effect<void, SqlError>
  readonly setAgent: (campaignId: string, agentId: string, state: AgentState, callId: string | null) => Effect.Effect<void, SqlError>
  readonly backlog: (campaignId: string, now: number, firstAttempts: boolean) => Effect.Effect<Backlog, SqlError>
  /** Our call (and its campaign) for a carrier call id, for the ingress of carrier events. */
  readonly callOfCarrierCall: (carrierCallId: string) => Effect.Effect<{ readonly callId: string; readonly campaignId: string } | undefined, SqlError>
}

export class SessionStore extends Context.Service<SessionStore, SessionStoreService>()("@autodialer/workflows/SessionStore") {
  static readonly layerPg: Layer.Layer<SessionStore, never, SqlClient.SqlClient> = Layer.effect(
    SessionStore,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const ts = (ms: number) => sql`to_timestamp(${ms / 1000})`
      const ms = (column: string) => sql.unsafe(`(extract(epoch from ${column}) * 1000)::float8`)

      const snapshot: SessionStoreService["snapshot"] = (campaignId, abandonSince) =>
        Effect.gen(function*() {
          const agents = yield* sql<{ agentId: string; state: AgentState; callId: string | null }>`
            SELECT agent_id AS "agentId", state, call_id AS "callId" FROM campaign_agents WHERE campaign_id = ${campaignId}
            ORDER BY agent_id`
          const calls = yield* sql<{
            callId: string; contactId: string; attempt: number; status: InFlightStatus; dialedAt: number
            answeredAt: number | null; agentId: string | null; answeredBy: string | null; carrierCallId: string | null; number: string; timeZone: string | null
          }>`
            SELECT id AS "callId", campaign_contact_id AS "contactId", attempt,
              CASE status WHEN 'ringing' THEN 'ringing'
                WHEN 'in_progress' THEN CASE WHEN agent_id IS NULL THEN 'answered' ELSE 'bridged' END
                ELSE 'dialing' END AS "status",
              ${ms("queued_at")} AS "dialedAt", ${ms("answered_at")} AS "answeredAt", agent_id AS "agentId",
              answered_by AS "answeredBy", carrier_call_id AS "carrierCallId", to_number AS "number",
              (SELECT time_zone FROM contacts WHERE contacts.id = calls.contact_id) AS "timeZone"
            FROM calls WHERE campaign_id = ${campaignId} AND ended_at IS NULL ORDER BY queued_at, id`
          const [abandon] = yield* sql<{ liveAnswers: number; abandoned: number }>`
            SELECT count(*) FILTER (WHERE answered_by = 'human')::int AS "liveAnswers",
                   count(*) FILTER (WHERE outcome = 'abandoned')::int AS "abandoned"
            FROM calls WHERE campaign_id = ${campaignId} AND answered_at >= ${ts(abandonSince)}`
          const ids = calls.map((c) => c.callId)
          const stored = ids.length === 0 ? [] : yield* sql<{ payload: unknown; key: string }>`
            SELECT payload, provider_event_key AS key FROM call_events WHERE call_id IN ${sql.in(ids)} ORDER BY occurred_at, received_at`
          // Stored payloads are decoded like any input: one written by an older
          // version that no longer decodes is reported and skipped, not trusted.
          const events: Array<CallEvent> = []
          for (const row of stored) {
            const decoded = yield* Effect.result(decodeStoredEvent(typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload))
            if (decoded._tag === "Success") events.push(decoded.success)
            else yield* Effect.logWarning(`call event ${row.key} in call_events does not decode; skipped: ${decoded.failure.message}`)
          }
          return {
            agents: agents.map((a) => (a.callId === null ? { agentId: a.agentId, state: a.state } : { ...a, callId: a.callId })),
            calls: calls.map((c) => ({
              callId: c.callId,
              contactId: c.contactId,
              attempt: c.attempt,
              number: c.number,
              timeZone: c.timeZone ?? "",
              status: c.status,
              dialedAt: c.dialedAt,
              ...(c.answeredAt === null ? {} : { answeredAt: c.answeredAt }),
              ...(c.agentId === null ? {} : { agentId: c.agentId }),
              ...(c.answeredBy === null ? {} : { verdict: c.answeredBy === "human" ? "human" as const : c.answeredBy.startsWith("machine") ? "machine" as const : "unknown" as const }),
              ...(c.carrierCallId === null ? {} : { carrierCallId: c.carrierCallId })
            })),
            abandon: abandon ?? { liveAnswers: 0, abandoned: 0 },
            events
          }
        })

      const releaseForeignReservations: SessionStoreService["releaseForeignReservations"] = (campaignId, sessionKey) =>
        sql<{ id: string }>`
          UPDATE campaign_contacts SET status = 'pending', reserved_by = NULL, reserved_until = NULL, updated_at = now()
          WHERE campaign_id = ${campaignId} AND status = 'reserved' AND reserved_by <> ${sessionKey}
          RETURNING id`.pipe(Effect.map((rows) => rows.length))

      const reserveDue: SessionStoreService["reserveDue"] = (input) =>
        sql<{ contactId: string; number: string; attempt: number; timeZone: string | null }>`
          WITH due AS (
            SELECT cc.id FROM campaign_contacts cc
            WHERE cc.campaign_id = ${input.campaignId}
              AND (cc.status = 'pending' OR (cc.status = 'reserved' AND cc.reserved_until < ${ts(input.now)}))
              AND cc.next_attempt_at <= ${ts(input.now)}
              AND (${input.firstAttempts} OR cc.attempts > 0)
            ORDER BY cc.priority DESC, cc.next_attempt_at, cc.id
            LIMIT ${input.limit}
            FOR UPDATE SKIP LOCKED
          )
          UPDATE campaign_contacts cc
          SET status = 'reserved', reserved_by = ${input.sessionKey}, reserved_until = ${ts(input.now + input.leaseMs)}, updated_at = now()
          FROM due, contacts c
          WHERE cc.id = due.id AND c.id = cc.contact_id
          RETURNING cc.id AS "contactId", c.phone AS "number", cc.attempts + 1 AS "attempt", c.time_zone AS "timeZone"`.pipe(
          Effect.map((rows) => rows.map((r) => ({ contactId: r.contactId, number: r.number, attempt: r.attempt, timeZone: r.timeZone ?? "" })))
        )

      const renewReservations: SessionStoreService["renewReservations"] = (sessionKey, until) =>
        sql`UPDATE campaign_contacts SET reserved_until = ${ts(until)} WHERE status = 'reserved' AND reserved_by = ${sessionKey}`.pipe(Effect.asVoid)

      const release: SessionStoreService["release"] = (sessionKey, contactIds, notBefore) =>
        contactIds.length === 0 ? Effect.void : sql`
          UPDATE campaign_contacts SET status = 'pending', reserved_by = NULL, reserved_until = NULL, updated_at = now(),
            next_attempt_at = ${notBefore === undefined ? sql`next_attempt_at` : sql`greatest(next_attempt_at, ${ts(notBefore)})`}
          WHERE id IN ${sql.in(contactIds)} AND status = 'reserved' AND reserved_by = ${sessionKey}`.pipe(Effect.asVoid)

      const recordDial: SessionStoreService["recordDial"] = (d) =>
        sql.withTransaction(
          Effect.gen(function*() {
            const taken = yield* sql<{ contactId: string; personId: string }>`
              UPDATE campaign_contacts SET status = 'dialing', reserved_by = NULL, reserved_until = NULL,
                attempts = ${d.contact.attempt}, last_attempt_at = ${ts(d.at)}, updated_at = now()
              WHERE id = ${d.contact.contactId} AND status = 'reserved' AND reserved_by = ${d.sessionKey}
                AND attempts = ${d.contact.attempt - 1}
              RETURNING id AS "contactId", contact_id AS "personId"`
            const row = taken[0]
            if (row === undefined) return false
            yield* sql`
              INSERT INTO calls (id, campaign_id, contact_id, campaign_contact_id, provider, direction, from_number, to_number,
                status, attempt, queued_at, session_key)
              VALUES (${d.callId}, ${d.campaignId}, ${row.personId}, ${d.contact.contactId}, ${d.provider}, 'outbound', ${d.from},
                ${d.contact.number}, 'queued', ${d.contact.attempt}, ${ts(d.at)}, ${d.sessionKey})`
            return true
          })
        )

      const attachCarrierCall: SessionStoreService["attachCarrierCall"] = (callId, carrierCallId) =>
        sql`UPDATE calls SET carrier_call_id = ${carrierCallId}, status = CASE WHEN status = 'queued' THEN 'initiated' ELSE status END,
          initiated_at = coalesce(initiated_at, now()) WHERE id = ${callId}`.pipe(Effect.asVoid)

      const recordCommand: SessionStoreService["recordCommand"] = (campaignId, sessionKey, command, at) =>
        sql`INSERT INTO call_commands (campaign_id, session_key, call_id, command_type, command, recorded_at)
          VALUES (${campaignId}, ${sessionKey}, ${"callId" in command ? command.callId : null}, ${command._tag},
            ${JSON.stringify(command)}::jsonb, ${ts(at)})`.pipe(Effect.asVoid)

      const recordEvent: SessionStoreService["recordEvent"] = (callId, event) =>
        sql<{ id: string }>`
          INSERT INTO call_events (call_id, provider, provider_call_id, provider_event_key, event_type, payload, occurred_at)
          VALUES (${callId}, ${event.provider}, ${event.providerCallId ?? null}, ${event.eventKey}, ${event._tag},
            ${JSON.stringify(event)}::jsonb, ${ts(event.at)})
          ON CONFLICT (provider, provider_event_key) DO NOTHING RETURNING id`.pipe(Effect.map((rows) => rows.length > 0))

      const dbStatus = (s: NonNullable<CallPatch["status"]>): string => {
        switch (s) {
          case "dialing": return "initiated"
          case "answered":
          case "bridged": return "in_progress"
          default: return s
        }
      }

      const updateCall: SessionStoreService["updateCall"] = (callId, p) =>
        sql`UPDATE calls SET
            status = ${p.status === undefined ? sql`status` : dbStatus(p.status)},
            answered_by = coalesce(${p.answeredBy ?? null}, answered_by),
            answered_at = coalesce(answered_at, ${p.answeredAt === undefined ? null : ts(p.answeredAt)}),
            ended_at = coalesce(ended_at, ${p.endedAt === undefined ? null : ts(p.endedAt)}),
            outcome = coalesce(outcome, ${p.outcome ?? null}),
            agent_id = coalesce(${p.agentId ?? null}, agent_id)
          WHERE id = ${callId}`.pipe(Effect.asVoid)

      const finishContact: SessionStoreService["finishContact"] = (contactId, result, at) =>
        (result._tag === "Retry"
          ? sql`UPDATE campaign_contacts SET status = 'pending', next_attempt_at = ${ts(result.at)}, last_outcome = ${result.outcome},
              updated_at = ${ts(at)} WHERE id = ${contactId} AND status = 'dialing'`
          : sql`UPDATE campaign_contacts SET status = ${result.status}, last_outcome = ${result.outcome}, updated_at = ${ts(at)},
              reserved_by = NULL, reserved_until = NULL
              WHERE id = ${contactId} AND status IN ('dialing', 'reserved')`).pipe(Effect.asVoid)

      const setAgent: SessionStoreService["setAgent"] = (campaignId, agentId, state, callId) =>
        sql`UPDATE campaign_agents SET state = ${state}, call_id = ${callId}, updated_at = now()
          WHERE campaign_id = ${campaignId} AND agent_id = ${agentId}`.pipe(Effect.asVoid)

      const backlog: SessionStoreService["backlog"] = (campaignId, now, firstAttempts) =>
        sql<{ remaining: number; dueNow: number; nextDueAt: number | null }>`
          SELECT count(*) FILTER (WHERE status IN ('pending', 'reserved', 'dialing') AND (${firstAttempts} OR attempts > 0 OR status = 'dialing'))::int AS remaining,
                 count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= ${ts(now)} AND (${firstAttempts} OR attempts > 0))::int AS "dueNow",
                 ${ms("min(next_attempt_at) FILTER (WHERE status = 'pending' AND next_attempt_at > " + `to_timestamp(${now / 1000})` + ` AND (${firstAttempts} OR attempts > 0))`)} AS "nextDueAt"
          FROM campaign_contacts WHERE campaign_id = ${campaignId}`.pipe(
          Effect.map(([r]) => ({
            remaining: r?.remaining ?? 0,
            dueNow: r?.dueNow ?? 0,
            ...(r?.nextDueAt === null || r?.nextDueAt === undefined ? {} : { nextDueAt: r.nextDueAt })
          }))
        )

      const callOfCarrierCall: SessionStoreService["callOfCarrierCall"] = (carrierCallId) =>
        sql<{ callId: string; campaignId: string }>`
          SELECT id AS "callId", campaign_id AS "campaignId" FROM calls WHERE carrier_call_id = ${carrierCallId}`.pipe(
          Effect.map((rows) => rows[0])
        )

      return SessionStore.of({
        snapshot, releaseForeignReservations, reserveDue, renewReservations, release, recordDial, attachCarrierCall,
        recordCommand, recordEvent, updateCall, finishContact, setAgent, backlog, callOfCarrierCall
      })
    })
  )
}
