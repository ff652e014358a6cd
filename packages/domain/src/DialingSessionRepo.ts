/**
 * The durable state of a dialing session on the domain tables: the queue
 * (`campaign_contacts`) with session leases, the calls the session places
 * (`calls`, keyed by the engine's call id and by `<entry>:<attempt>`), their
 * provider events (`call_events`), the engine's commands (`call_commands`) and
 * the campaign's agents (`campaign_agents`, changes appended to
 * `agent_state_log`). Migration 4 adds what the base schema lacked.
 *
 * Guarantees a session relies on:
 * - reservations take rows with `FOR UPDATE SKIP LOCKED`: two sessions never
 *   hold the same entry;
 * - DNC lists (global, organization, campaign) are checked when entries are
 *   reserved and again when the dial is recorded, just before it is placed;
 * - `recordDial` moves the entry to `dialing` and inserts the call in one
 *   transaction, only while the entry is still reserved by that session and
 *   still on the previous attempt: a zombie session cannot dial an entry
 *   another session took, and an attempt has at most one call row;
 * - events are idempotent by (provider, provider event key);
 * - the abandon budget is counted from stored calls, so it survives restarts.
 *
 * Every method runs as the tenant (`withTenant(orgId)`), except the two
 * lookups that find the tenant (`campaignOrg`, `callOfCarrierCall`), which
 * use the system path. Time is always an argument.
 */
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type * as Statement from "effect/sql/Statement"
import type { SqlError } from "effect/sql/SqlError"
import type { AgentState, AnsweredBy, CallOutcome, CallStatus, Provider } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { CampaignContactId, CampaignId, OrganizationId, UserId } from "./Ids.ts"
import { withSystem, withTenant } from "./Tenancy.ts"
import * as UuidV7 from "./UuidV7.ts"

export interface SessionAgent {
  readonly agentId: UserId
  readonly state: AgentState
  /** The engine's id of the call the agent is on. */
  readonly sessionCallId: string | null
}

/** A call of the campaign not yet ended, as a new session adopts it. */
export interface LiveCall {
  readonly sessionCallId: string
  readonly entryId: CampaignContactId
  readonly attempt: number
  readonly status: CallStatus
  readonly number: string
  /** The caller id the call was dialled with (`from_number`). */
  readonly fromNumber: string
  /** The contact's IANA zone, null for the campaign's. */
  readonly timeZone: string | null
  readonly queuedAt: Date
  readonly answeredAt: Date | null
  readonly answeredBy: AnsweredBy | null
  readonly agentId: UserId | null
  readonly carrierCallId: string | null
}

export interface StoredEvent {
  readonly key: string
  readonly payload: unknown
}

export interface Snapshot {
  readonly agents: ReadonlyArray<SessionAgent>
  readonly calls: ReadonlyArray<LiveCall>
  /** Live answers and abandoned calls answered since `abandonSince`. */
  readonly abandon: { readonly liveAnswers: number; readonly abandoned: number }
  /** Stored events of the live calls, oldest first. */
  readonly events: ReadonlyArray<StoredEvent>
}

export interface ReservedEntry {
  readonly entryId: CampaignContactId
  readonly number: string
  /** The attempt a dial of this entry would be. */
  readonly attempt: number
  readonly timeZone: string | null
}

export interface Reserve {
  readonly campaignId: CampaignId
  readonly sessionKey: string
  readonly limit: number
  readonly now: Date
  readonly leaseUntil: Date
  /** False while draining: only entries already attempted are taken. */
  readonly firstAttempts: boolean
}

export interface Dial {
  readonly campaignId: CampaignId
  readonly sessionKey: string
  /** The engine's id for the call. */
  readonly sessionCallId: string
  readonly entryId: CampaignContactId
  readonly attempt: number
  readonly from: string
  readonly to: string
  readonly provider: Provider
  readonly at: Date
}

export interface CallUpdate {
  readonly status?: CallStatus
  readonly answeredBy?: AnsweredBy
  readonly answeredAt?: Date
  readonly endedAt?: Date
  readonly outcome?: CallOutcome
  readonly agentId?: UserId
}

export interface NewEvent {
  readonly provider: Provider
  readonly providerCallId: string | null
  readonly providerEventKey: string
  readonly eventType: string
  readonly payload: unknown
  readonly occurredAt: Date
}

export type EntryResult =
  | { readonly _tag: "Retry"; readonly at: Date; readonly outcome: CallOutcome }
  | { readonly _tag: "Done"; readonly status: "completed" | "exhausted" | "removed"; readonly outcome: CallOutcome }

export interface Backlog {
  /** Entries not final: pending, reserved or in a call. */
  readonly remaining: number
  readonly dueNow: number
  readonly nextDueAt: Date | null
}

export interface CarrierCallOwner {
  readonly orgId: OrganizationId
  readonly campaignId: CampaignId
  readonly sessionCallId: string
}

/** The idempotency key of an attempt, shared with the carrier's originate. */
export const idempotencyKey = (entryId: string, attempt: number): string => `${entryId}:${attempt}`

export class DialingSessionRepo extends Context.Service<DialingSessionRepo, {
  /** The organization a campaign belongs to (system path: the caller knows only the campaign). */
  readonly campaignOrg: (campaignId: CampaignId) => Effect.Effect<OrganizationId | undefined, SqlError>
  readonly snapshot: (orgId: OrganizationId, campaignId: CampaignId, abandonSince: Date) => Effect.Effect<Snapshot, SqlError>
  /** Gives back reservations of the campaign held by other sessions; returns how many. */
  readonly releaseForeign: (orgId: OrganizationId, campaignId: CampaignId, sessionKey: string) => Effect.Effect<number, SqlError>
  readonly reserve: (orgId: OrganizationId, request: Reserve) => Effect.Effect<ReadonlyArray<ReservedEntry>, SqlError>
  readonly renew: (orgId: OrganizationId, sessionKey: string, until: Date) => Effect.Effect<void, SqlError>
  /** Puts reserved entries back to pending, due no earlier than `notBefore` when given. */
  readonly release: (
    orgId: OrganizationId,
    sessionKey: string,
    entryIds: ReadonlyArray<CampaignContactId>,
    notBefore?: Date
  ) => Effect.Effect<void, SqlError>
  /** Records a dial before it is placed; false when the entry is no longer reserved by this session, or its number is now on a DNC list (the entry then leaves the queue). */
  readonly recordDial: (orgId: OrganizationId, dial: Dial) => Effect.Effect<boolean, SqlError>
  readonly attachCarrierCall: (
    orgId: OrganizationId,
    sessionCallId: string,
    carrier: { readonly carrierCallId: string; readonly providerCallId: string | null; readonly at: Date }
  ) => Effect.Effect<void, SqlError>
  /** Appends an engine command, numbered within its session, before it runs. */
  readonly appendCommand: (orgId: OrganizationId, command: {
    readonly campaignId: CampaignId
    readonly sessionKey: string
    readonly sessionCallId: string | null
    readonly commandType: string
    readonly command: unknown
    readonly at: Date
  }) => Effect.Effect<void, SqlError>
  /** Stores a provider event of a session call; true when it was new. */
  readonly recordEvent: (orgId: OrganizationId, sessionCallId: string, event: NewEvent) => Effect.Effect<boolean, SqlError>
  readonly updateCall: (orgId: OrganizationId, sessionCallId: string, update: CallUpdate) => Effect.Effect<void, SqlError>
  readonly finishEntry: (orgId: OrganizationId, entryId: CampaignContactId, result: EntryResult, at: Date) => Effect.Effect<void, SqlError>
  /** Assigns agents to a campaign (or resets their state); each change is logged. */
  readonly assignAgents: (
    orgId: OrganizationId,
    campaignId: CampaignId,
    agentIds: ReadonlyArray<UserId>,
    state: AgentState,
    at: Date
  ) => Effect.Effect<void, SqlError>
  /** Sets an assigned agent's state (logged when it changes); false when the agent is not assigned. */
  readonly setAgent: (orgId: OrganizationId, change: {
    readonly campaignId: CampaignId
    readonly agentId: UserId
    readonly state: AgentState
    readonly sessionCallId: string | null
    readonly at: Date
  }) => Effect.Effect<boolean, SqlError>
  readonly backlog: (orgId: OrganizationId, campaignId: CampaignId, now: Date, firstAttempts: boolean) => Effect.Effect<Backlog, SqlError>
  /** The call a carrier call id belongs to (system path: carrier events arrive without a tenant). */
  readonly callOfCarrierCall: (carrierCallId: string) => Effect.Effect<CarrierCallOwner | undefined, SqlError>
}>()("@autodialer/domain/DialingSessionRepo") {
  static readonly layer = Layer.effect(
    DialingSessionRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const tenant = (orgId: OrganizationId) => <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        withTenant(orgId)(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      const system = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        withSystem(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      const callIdOf = (sessionCallId: string) => sql`(SELECT id FROM calls WHERE session_call_id = ${sessionCallId})`

      /** True when `phone` is on a DNC list that applies to the campaign at `now` (global, organization or campaign scope). */
      const onDnc = (phone: Statement.Fragment, campaignId: CampaignId, now: Date) => sql`EXISTS (
        SELECT 1 FROM dnc_entries d
        WHERE d.phone = ${phone} AND (d.expires_at IS NULL OR d.expires_at > ${now})
          AND (d.scope = 'global'
               OR (d.scope = 'organization' AND d.org_id = app_current_org())
               OR (d.scope = 'campaign' AND d.org_id = app_current_org() AND d.campaign_id = ${campaignId})))`

      const campaignOrg: DialingSessionRepo["Service"]["campaignOrg"] = (campaignId) =>
        system(sql<{ readonly orgId: OrganizationId }>`SELECT org_id AS "orgId" FROM campaigns WHERE id = ${campaignId}`).pipe(
          Effect.map((rows) => rows[0]?.orgId)
        )

      const snapshot: DialingSessionRepo["Service"]["snapshot"] = (orgId, campaignId, abandonSince) =>
        tenant(orgId)(Effect.gen(function*() {
          const agents = yield* sql<SessionAgent>`
            SELECT a.agent_id AS "agentId", a.state, c.session_call_id AS "sessionCallId"
            FROM campaign_agents a LEFT JOIN calls c ON c.id = a.call_id
            WHERE a.campaign_id = ${campaignId} ORDER BY a.agent_id`
          const calls = yield* sql<LiveCall>`
            SELECT c.session_call_id AS "sessionCallId", c.campaign_contact_id AS "entryId", c.attempt, c.status,
              c.to_number AS "number", p.time_zone AS "timeZone", c.queued_at AS "queuedAt", c.answered_at AS "answeredAt",
              c.answered_by AS "answeredBy", c.agent_id AS "agentId", c.carrier_call_id AS "carrierCallId",
              c.from_number AS "fromNumber"
            FROM calls c LEFT JOIN contacts p ON p.id = c.contact_id
            WHERE c.campaign_id = ${campaignId} AND c.ended_at IS NULL AND c.session_call_id IS NOT NULL
            ORDER BY c.queued_at, c.id`
          const [abandon] = yield* sql<{ readonly liveAnswers: number; readonly abandoned: number }>`
            SELECT count(*) FILTER (WHERE answered_by = 'human')::int AS "liveAnswers",
                   count(*) FILTER (WHERE outcome = 'abandoned')::int AS "abandoned"
            FROM calls WHERE campaign_id = ${campaignId} AND answered_at >= ${abandonSince}`
          const events = calls.length === 0 ? [] : yield* sql<StoredEvent>`
            SELECT e.provider_event_key AS "key", e.payload
            FROM call_events e JOIN calls c ON c.id = e.call_id
            WHERE c.campaign_id = ${campaignId} AND c.ended_at IS NULL AND c.session_call_id IS NOT NULL
            ORDER BY e.occurred_at, e.received_at, e.id`
          return { agents, calls, abandon: abandon ?? { liveAnswers: 0, abandoned: 0 }, events }
        }))

      const releaseForeign: DialingSessionRepo["Service"]["releaseForeign"] = (orgId, campaignId, sessionKey) =>
        tenant(orgId)(sql<{ readonly id: string }>`
          UPDATE campaign_contacts SET status = 'pending', reserved_by = NULL, reserved_until = NULL
          WHERE campaign_id = ${campaignId} AND status = 'reserved' AND reserved_by <> ${sessionKey}
          RETURNING id`).pipe(Effect.map((rows) => rows.length))

      const reserve: DialingSessionRepo["Service"]["reserve"] = (orgId, r) =>
        tenant(orgId)(Effect.gen(function*() {
          // Due entries whose number went on a DNC list since enrolment leave the queue for good,
          // so the campaign can still complete; the others are never reserved.
          yield* sql`
            UPDATE campaign_contacts cc SET status = 'removed', last_outcome = 'blocked', reserved_by = NULL, reserved_until = NULL
            FROM contacts p
            WHERE cc.campaign_id = ${r.campaignId} AND p.id = cc.contact_id
              AND (cc.status = 'pending' OR (cc.status = 'reserved' AND cc.reserved_until < ${r.now}))
              AND cc.next_attempt_at <= ${r.now}
              AND ${onDnc(sql`p.phone`, r.campaignId, r.now)}`
          return yield* sql<ReservedEntry & { readonly priority: number; readonly nextAttemptAt: Date }>`
          WITH due AS (
            SELECT cc.id FROM campaign_contacts cc
            WHERE cc.campaign_id = ${r.campaignId}
              AND (cc.status = 'pending' OR (cc.status = 'reserved' AND cc.reserved_until < ${r.now}))
              AND cc.next_attempt_at <= ${r.now}
              AND (${r.firstAttempts} OR cc.attempts > 0)
            ORDER BY cc.priority DESC, cc.next_attempt_at, cc.id
            LIMIT ${r.limit}
            FOR UPDATE OF cc SKIP LOCKED
          )
          UPDATE campaign_contacts cc
          SET status = 'reserved', reserved_by = ${r.sessionKey}, reserved_until = ${r.leaseUntil}
          FROM due, contacts p
          WHERE cc.id = due.id AND p.id = cc.contact_id
          RETURNING cc.id AS "entryId", p.phone AS "number", cc.attempts + 1 AS "attempt", p.time_zone AS "timeZone",
            cc.priority, cc.next_attempt_at AS "nextAttemptAt"`
        })).pipe(
          // UPDATE ... RETURNING has no order; restore the queue order.
          Effect.map((rows) =>
            [...rows]
              .sort((a, b) =>
                b.priority - a.priority || a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || (a.entryId < b.entryId ? -1 : 1)
              )
              .map((e) => ({ entryId: e.entryId, number: e.number, attempt: e.attempt, timeZone: e.timeZone }))
          )
        )

      const renew: DialingSessionRepo["Service"]["renew"] = (orgId, sessionKey, until) =>
        tenant(orgId)(sql`
          UPDATE campaign_contacts SET reserved_until = ${until} WHERE status = 'reserved' AND reserved_by = ${sessionKey}`).pipe(Effect.asVoid)

      const release: DialingSessionRepo["Service"]["release"] = (orgId, sessionKey, entryIds, notBefore) =>
        entryIds.length === 0 ? Effect.void : tenant(orgId)(sql`
          UPDATE campaign_contacts SET status = 'pending', reserved_by = NULL, reserved_until = NULL,
            next_attempt_at = ${notBefore === undefined ? sql`next_attempt_at` : sql`greatest(next_attempt_at, ${notBefore})`}
          WHERE id IN ${sql.in(entryIds)} AND status = 'reserved' AND reserved_by = ${sessionKey}`).pipe(Effect.asVoid)

      const recordDial: DialingSessionRepo["Service"]["recordDial"] = (orgId, d) =>
        tenant(orgId)(Effect.gen(function*() {
          // DNC is checked at the moment of dialling, not only at reservation: a number added to
          // any list (global, organization, campaign) since then is never dialled.
          const blocked = yield* sql`
            UPDATE campaign_contacts SET status = 'removed', last_outcome = 'blocked', reserved_by = NULL, reserved_until = NULL
            WHERE id = ${d.entryId} AND status = 'reserved' AND reserved_by = ${d.sessionKey}
              AND ${onDnc(sql`${d.to}`, d.campaignId, d.at)}
            RETURNING id`
          if (blocked.length > 0) return false
          const taken = yield* sql<{ readonly contactId: string }>`
            UPDATE campaign_contacts SET status = 'dialing', reserved_by = NULL, reserved_until = NULL,
              attempts = ${d.attempt}, last_attempt_at = ${d.at}
            WHERE id = ${d.entryId} AND status = 'reserved' AND reserved_by = ${d.sessionKey} AND attempts = ${d.attempt - 1}
            RETURNING contact_id AS "contactId"`
          const row = taken[0]
          if (row === undefined) return false
          const id = yield* Ids.generate(Ids.CallId)
          yield* sql`
            INSERT INTO calls (id, org_id, campaign_id, contact_id, campaign_contact_id, provider, direction, from_number, to_number,
              status, attempt, queued_at, idempotency_key, session_call_id, dialing_session)
            VALUES (${id}, ${orgId}, ${d.campaignId}, ${row.contactId}, ${d.entryId}, ${d.provider}, 'outbound', ${d.from}, ${d.to},
              'queued', ${d.attempt}, ${d.at}, ${idempotencyKey(d.entryId, d.attempt)}, ${d.sessionCallId}, ${d.sessionKey})`
          return true
        }))

      const attachCarrierCall: DialingSessionRepo["Service"]["attachCarrierCall"] = (orgId, sessionCallId, c) =>
        // least(): a carrier clock ahead of ours must not put initiated_at after ended_at.
        tenant(orgId)(sql`
          UPDATE calls SET carrier_call_id = ${c.carrierCallId}, provider_call_id = coalesce(provider_call_id, ${c.providerCallId}),
            status = CASE WHEN status = 'queued' THEN 'initiated' ELSE status END,
            initiated_at = coalesce(initiated_at, least(${c.at}::timestamptz, ended_at))
          WHERE session_call_id = ${sessionCallId}`).pipe(Effect.asVoid)

      const appendCommand: DialingSessionRepo["Service"]["appendCommand"] = (orgId, c) =>
        tenant(orgId)(Effect.gen(function*() {
          const id = yield* UuidV7.generate
          yield* sql`
            INSERT INTO call_commands (id, org_id, campaign_id, session_key, sequence, session_call_id, command_type, command, recorded_at)
            VALUES (${id}, ${orgId}, ${c.campaignId}, ${c.sessionKey},
              (SELECT coalesce(max(sequence), 0) + 1 FROM call_commands WHERE session_key = ${c.sessionKey}),
              ${c.sessionCallId}, ${c.commandType}, ${JSON.stringify(c.command)}::jsonb, ${c.at})`
        }))

      const recordEvent: DialingSessionRepo["Service"]["recordEvent"] = (orgId, sessionCallId, e) =>
        tenant(orgId)(Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.CallEventId)
          const rows = yield* sql<{ readonly id: string }>`
            INSERT INTO call_events (id, org_id, call_id, provider, provider_call_id, provider_event_key, event_type, payload, occurred_at)
            VALUES (${id}, ${orgId}, ${callIdOf(sessionCallId)}, ${e.provider}, ${e.providerCallId}, ${e.providerEventKey}, ${e.eventType},
              ${JSON.stringify(e.payload)}::jsonb, ${e.occurredAt})
            ON CONFLICT (provider, provider_event_key) DO NOTHING RETURNING id`
          return rows.length > 0
        }))

      const updateCall: DialingSessionRepo["Service"]["updateCall"] = (orgId, sessionCallId, p) =>
        // greatest(): an end reported by a carrier clock behind ours must not precede initiated_at.
        tenant(orgId)(sql`
          UPDATE calls SET
            status = ${p.status === undefined ? sql`status` : p.status},
            answered_by = coalesce(${p.answeredBy ?? null}, answered_by),
            answered_at = coalesce(answered_at, ${p.answeredAt ?? null}::timestamptz),
            ended_at = ${p.endedAt === undefined ? sql`ended_at` : sql`coalesce(ended_at, greatest(${p.endedAt}::timestamptz, initiated_at))`},
            outcome = coalesce(outcome, ${p.outcome ?? null}),
            agent_id = coalesce(${p.agentId ?? null}::uuid, agent_id)
          WHERE session_call_id = ${sessionCallId}`).pipe(Effect.asVoid)

      const finishEntry: DialingSessionRepo["Service"]["finishEntry"] = (orgId, entryId, result, at) =>
        tenant(orgId)(result._tag === "Retry"
          ? sql`UPDATE campaign_contacts SET status = 'pending', next_attempt_at = ${result.at}, last_outcome = ${result.outcome},
              updated_at = ${at} WHERE id = ${entryId} AND status = 'dialing'`
          : sql`UPDATE campaign_contacts SET status = ${result.status}, last_outcome = ${result.outcome},
              reserved_by = NULL, reserved_until = NULL
              WHERE id = ${entryId} AND status IN ('dialing', 'reserved')`).pipe(Effect.asVoid)

      const logState = (orgId: OrganizationId, change: {
        readonly agentId: UserId
        readonly campaignId: CampaignId
        readonly state: AgentState
        readonly sessionCallId: string | null
        readonly at: Date
      }) =>
        Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.AgentStateLogId)
          yield* sql`
            INSERT INTO agent_state_log (id, org_id, agent_id, campaign_id, call_id, state, reason, changed_at)
            VALUES (${id}, ${orgId}, ${change.agentId}, ${change.campaignId},
              ${change.sessionCallId === null ? null : callIdOf(change.sessionCallId)}, ${change.state}, 'dialing session', ${change.at})`
        })

      const assignAgents: DialingSessionRepo["Service"]["assignAgents"] = (orgId, campaignId, agentIds, state, at) =>
        agentIds.length === 0 ? Effect.void : tenant(orgId)(Effect.forEach(agentIds, (agentId) =>
          Effect.gen(function*() {
            yield* sql`
              INSERT INTO campaign_agents (org_id, campaign_id, agent_id, state) VALUES (${orgId}, ${campaignId}, ${agentId}, ${state})
              ON CONFLICT (campaign_id, agent_id) DO UPDATE SET state = excluded.state, call_id = NULL`
            yield* logState(orgId, { agentId, campaignId, state, sessionCallId: null, at })
          }), { discard: true }))

      const setAgent: DialingSessionRepo["Service"]["setAgent"] = (orgId, change) =>
        tenant(orgId)(Effect.gen(function*() {
          const [current] = yield* sql<{ readonly state: AgentState; readonly sessionCallId: string | null }>`
            SELECT a.state, c.session_call_id AS "sessionCallId"
            FROM campaign_agents a LEFT JOIN calls c ON c.id = a.call_id
            WHERE a.campaign_id = ${change.campaignId} AND a.agent_id = ${change.agentId}
            FOR UPDATE OF a`
          if (current === undefined) return false
          if (current.state === change.state && current.sessionCallId === change.sessionCallId) return true
          yield* sql`
            UPDATE campaign_agents SET state = ${change.state},
              call_id = ${change.sessionCallId === null ? null : callIdOf(change.sessionCallId)}
            WHERE campaign_id = ${change.campaignId} AND agent_id = ${change.agentId}`
          if (current.state !== change.state) yield* logState(orgId, change)
          return true
        }))

      const backlog: DialingSessionRepo["Service"]["backlog"] = (orgId, campaignId, now, firstAttempts) =>
        tenant(orgId)(sql<Backlog>`
          SELECT
            count(*) FILTER (WHERE status IN ('pending', 'reserved', 'dialing')
              AND (${firstAttempts} OR attempts > 0 OR status = 'dialing'))::int AS remaining,
            count(*) FILTER (WHERE status = 'pending' AND next_attempt_at <= ${now} AND (${firstAttempts} OR attempts > 0))::int AS "dueNow",
            min(next_attempt_at) FILTER (WHERE status = 'pending' AND next_attempt_at > ${now}
              AND (${firstAttempts} OR attempts > 0)) AS "nextDueAt"
          FROM campaign_contacts WHERE campaign_id = ${campaignId}`).pipe(
          Effect.map(([r]) => r ?? { remaining: 0, dueNow: 0, nextDueAt: null })
        )

      const callOfCarrierCall: DialingSessionRepo["Service"]["callOfCarrierCall"] = (carrierCallId) =>
        system(sql<CarrierCallOwner>`
          SELECT org_id AS "orgId", campaign_id AS "campaignId", session_call_id AS "sessionCallId"
          FROM calls WHERE carrier_call_id = ${carrierCallId} AND session_call_id IS NOT NULL AND campaign_id IS NOT NULL
          LIMIT 2`).pipe(
          // Carrier call ids are unique per organization; one shared by two tenants cannot be routed.
          Effect.map((rows) => (rows.length === 1 ? rows[0] : undefined))
        )

      return DialingSessionRepo.of({
        campaignOrg, snapshot, releaseForeign, reserve, renew, release, recordDial, attachCarrierCall, appendCommand,
        recordEvent, updateCall, finishEntry, assignAgents, setAgent, backlog, callOfCarrierCall
      })
    })
  )
}
