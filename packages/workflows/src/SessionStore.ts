/**
 * The durable state of a dialing session, in Postgres, on the domain schema
 * (`@autodialer/domain`'s `DialingSessionRepo`, migration 4): the campaign
 * queue (`campaign_contacts`), calls, call events, the commands the session
 * issued (`call_commands`) and the agents' states (`campaign_agents`, history
 * in `agent_state_log`). The calls a session places are ordinary domain rows,
 * so the server, the analytics roll-ups and the CRM outbox see them. A session
 * holds nothing that is not written here first, so a new attempt on another
 * worker rebuilds exactly where the last one stopped:
 *
 * - contacts are reserved with `FOR UPDATE SKIP LOCKED`, so two sessions never
 *   take the same row, and a dial is recorded (the queue row moves to
 *   `dialing`, the call row is inserted, unique per contact and attempt by its
 *   idempotency key) only while the row is still reserved by this session: a
 *   zombie session that lost its reservation cannot dial;
 * - every carrier event is stored (idempotent by provider event key) before
 *   the session applies it, and every command before it is executed;
 * - the abandon budget spent is counted from the stored calls, so a restart
 *   never resets it.
 *
 * Ids: the campaign, queue entries (the engine's contact ids) and agents (the
 * engine's agent ids, users) are the domain's UUIDs; the engine's own call ids
 * are kept in `calls.session_call_id` and calls get a UUIDv7 `id`. Every
 * operation runs as the campaign's organization (row-level security); the
 * organization is looked up once per campaign. Carrier-event ingress, which
 * knows no tenant, finds the call through the system path.
 */
import { Clock, Context, Effect, Layer, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { DialingSessionRepo as Repo, Enums, Ids, Tenancy, UuidV7 } from "@autodialer/domain"
import { CallEvent as CallEvents } from "@autodialer/telephony"
type CallEvent = CallEvents.CallEvent
import type { AgentState, AttemptOutcome, EngineCommand, EngineContact, InFlightStatus, RestoredAgent, RestoredCall } from "./SessionEngine.ts"


export interface StoredCall extends RestoredCall {
  /** The number dialled, to re-issue an originate that was never acknowledged. */
  readonly number: string
  /** The caller id first chosen for it, which a re-issued originate presents again. */
  readonly from: string
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
  readonly answeredBy?: CallEvents.AnsweredBy
  readonly answeredAt?: number
  readonly endedAt?: number
  readonly outcome?: AttemptOutcome
  readonly agentId?: string
}

/** What the campaign row says about how the session behaves (read at each session start). */
export interface CampaignPolicy {
  /** The regulatory window the abandon rate is measured over (`abandon_policy.periodDays`, FCC: 30). */
  readonly abandonWindowDays: number
  /**
   * The message left on a machine answer when `amd.onMachine` is
   * `drop_voicemail`: the campaign's voicemail recording when it exists, else
   * its `amd.voicemailMessage` spoken; undefined means machines are hung up on.
   */
  readonly voicemail?: { readonly _tag: "Audio"; readonly url: string } | { readonly _tag: "Speech"; readonly text: string }
  /** Answering-machine detection (`amd.enabled`); off, every answer is treated as a person. */
  readonly amd: boolean
  /**
   * The caller ids the campaign's strategy (`caller_id_strategy`) allows, among
   * the organization's active voice numbers; empty when none applies (the host
   * presents its own caller id).
   */
  readonly callerIds: ReadonlyArray<string>
  /** `local_presence`: the number sharing the contact's area code is preferred. */
  readonly localPresence: boolean
}

export const defaultPolicy: CampaignPolicy = { abandonWindowDays: 30, amd: true, callerIds: [], localPresence: false }

/** `campaigns.caller_id_strategy` (migration 7). */
export const CallerIdStrategy = Schema.Literals(["org_default", "fixed", "local_presence"])
export type CallerIdStrategy = typeof CallerIdStrategy.Type

/** One of the organization's active voice numbers, as the strategy sees it. */
export interface OrgNumber {
  readonly number: string
  readonly isDefault: boolean
  /** Named in the campaign's `caller_id_pool` (for `fixed`, its one number). */
  readonly inPool: boolean
}

/**
 * The caller ids a strategy allows among the organization's active numbers:
 * `org_default` the default number; `fixed` its number while it exists and
 * is active, else the default; `local_presence` every active number. Empty
 * when nothing applies (no default number): the host's own caller id is used.
 * `problem` says why the campaign's choice could not be honoured.
 */
export const resolveCallerIds = (
  strategy: CallerIdStrategy,
  numbers: ReadonlyArray<OrgNumber>
): { readonly callerIds: ReadonlyArray<string>; readonly localPresence: boolean; readonly problem?: string } => {
  const byDefault = numbers.filter((n) => n.isDefault).map((n) => n.number)
  switch (strategy) {
    case "org_default":
      return { callerIds: byDefault, localPresence: false }
    case "fixed": {
      const fixed = numbers.filter((n) => n.inPool).map((n) => n.number)
      return fixed.length > 0
        ? { callerIds: fixed.slice(0, 1), localPresence: false }
        : { callerIds: byDefault, localPresence: false, problem: "its fixed caller id (caller_id_pool) is not an active voice number of the organization; using the default number" }
    }
    case "local_presence":
      return numbers.length > 0
        ? { callerIds: numbers.map((n) => n.number), localPresence: true }
        : { callerIds: [], localPresence: false, problem: "local_presence but the organization has no active voice number" }
  }
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
  readonly renewReservations: (campaignId: string, sessionKey: string, until: number) => Effect.Effect<void, SqlError>
  /** Put reserved rows back to pending, optionally not before `notBefore` (e.g. the contact's window opening). */
  readonly release: (campaignId: string, sessionKey: string, contactIds: ReadonlyArray<string>, notBefore?: number) => Effect.Effect<void, SqlError>
  /** Persist a dial before it is placed; false when the row is no longer reserved by this session. */
  readonly recordDial: (dial: DialRecord) => Effect.Effect<boolean, SqlError>
  readonly attachCarrierCall: (
    campaignId: string,
    callId: string,
    carrier: { readonly carrierCallId: string; readonly providerCallId?: string; readonly at: number }
  ) => Effect.Effect<void, SqlError>
  readonly recordCommand: (campaignId: string, sessionKey: string, command: EngineCommand, at: number) => Effect.Effect<void, SqlError>
  /** Store an event of one of our calls; true when it was new. */
  readonly recordEvent: (campaignId: string, callId: string, event: CallEvent) => Effect.Effect<boolean, SqlError>
  readonly updateCall: (campaignId: string, callId: string, patch: CallPatch) => Effect.Effect<void, SqlError>
  readonly finishContact: (campaignId: string, contactId: string, result: ContactResult, at: number) => Effect.Effect<void, SqlError>
  readonly setAgent: (campaignId: string, agentId: string, state: AgentState, callId: string | null) => Effect.Effect<void, SqlError>
  /**
   * An agent's state changed outside the session (the agent desk): stored in
   * `campaign_agents`, joining the campaign if the agent was not on it yet. Not
   * logged again: the desk already appended it to `agent_state_log`.
   */
  readonly agentChanged: (campaignId: string, agentId: string, state: "ready" | "paused" | "loggedOut") => Effect.Effect<void, SqlError>
  readonly policy: (campaignId: string) => Effect.Effect<CampaignPolicy, SqlError>
  readonly backlog: (campaignId: string, now: number, firstAttempts: boolean) => Effect.Effect<Backlog, SqlError>
  /** Our call (and its campaign) for a carrier call id, for the ingress of carrier events. */
  readonly callOfCarrierCall: (carrierCallId: string) => Effect.Effect<{ readonly callId: string; readonly campaignId: string } | undefined, SqlError>
}


const decodeStoredEvent = Schema.decodeUnknownEffect(CallEvents.CallEvent)
const isAnsweredBy = Schema.is(Enums.AnsweredBy)
const isCallerIdStrategy = Schema.is(CallerIdStrategy)

/** Engine agent states as the domain's (what the agent desktop and roll-ups read), and back. */
const toDomainAgent = (state: AgentState): Enums.AgentState => {
  switch (state) {
    case "ready": return "available"
    case "busy": return "on_call"
    case "wrapUp": return "wrap_up"
    case "paused": return "paused"
    case "loggedOut": return "offline"
  }
}
const fromDomainAgent = (state: Enums.AgentState): AgentState => {
  switch (state) {
    case "available": return "ready"
    case "reserved":
    case "on_call": return "busy"
    case "wrap_up": return "wrapUp"
    case "paused": return "paused"
    case "offline": return "loggedOut"
  }
}

const toDomainStatus = (s: NonNullable<CallPatch["status"]>): Enums.CallStatus => {
  switch (s) {
    case "dialing": return "initiated"
    case "answered":
    case "bridged": return "in_progress"
    default: return s
  }
}

const fromDomainStatus = (call: Repo.LiveCall): InFlightStatus =>
  call.status === "ringing" ? "ringing" : call.status === "in_progress" ? (call.agentId === null ? "answered" : "bridged") : "dialing"

const verdictOf = (answeredBy: Enums.AnsweredBy): "human" | "machine" | "unknown" =>
  answeredBy === "human" ? "human" : answeredBy.startsWith("machine") || answeredBy === "fax" ? "machine" : "unknown"

/** Ids the domain keeps as UUIDs; anything else reaching the store is a wiring bug, reported with the value. */
const uuid = <S extends Ids.IdSchema>(_schema: S, what: string, value: string): Effect.Effect<S["Type"]> =>
  UuidV7.uuidPattern.test(value)
    ? Effect.succeed(value as S["Type"])
    : Effect.die(new Error(`SessionStore: ${what} '${value}' is not a UUID (the domain schema keys ${what}s by UUID)`))

const date = (ms: number) => new Date(ms)

/**
 * The store on the domain repositories. Needs only a `SqlClient` (Postgres
 * server or PGlite) with the domain migrations applied. A function of the tag
 * so that the class below can build it in its static initialiser.
 */
const makeDomainLayer = (tag: typeof SessionStore): Layer.Layer<SessionStore, never, SqlClient.SqlClient> => Layer.effect(
  tag,
  Effect.gen(function*() {
    const repo = yield* Repo.DialingSessionRepo
    const sql = yield* SqlClient.SqlClient
    const orgs = new Map<string, Ids.OrganizationId>()
    const asTenant = (org: Ids.OrganizationId) => <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
      Tenancy.withTenant(org)(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))

    /** The campaign's organization, looked up once (a campaign never changes organization). */
    const orgOf = (campaignId: string): Effect.Effect<Ids.OrganizationId, SqlError> =>
      Effect.suspend(() => {
        const known = orgs.get(campaignId)
        if (known !== undefined) return Effect.succeed(known)
        return uuid(Ids.CampaignId, "campaign id", campaignId).pipe(
          Effect.flatMap(repo.campaignOrg),
          Effect.flatMap((org) =>
            org === undefined
              ? Effect.die(new Error(`SessionStore: campaign ${campaignId} does not exist in the campaigns table`))
              : Effect.sync(() => {
                orgs.set(campaignId, org)
                return org
              })
          )
        )
      })
    const scoped = (campaignId: string) => Effect.all({ org: orgOf(campaignId), campaign: uuid(Ids.CampaignId, "campaign id", campaignId) })
    const entries = (ids: ReadonlyArray<string>) => Effect.forEach(ids, (id) => uuid(Ids.CampaignContactId, "contact (queue entry) id", id))

    const snapshot: SessionStoreService["snapshot"] = (campaignId, abandonSince) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(campaignId)
        yield* reconcileAgents(org, campaign)
        const snap = yield* repo.snapshot(org, campaign, date(abandonSince))
        // Stored payloads are decoded like any input: one written by an older
        // version that no longer decodes is reported and skipped, not trusted.
        const events: Array<CallEvent> = []
        for (const row of snap.events) {
          const decoded = yield* Effect.result(decodeStoredEvent(typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload))
          if (decoded._tag === "Success") events.push(decoded.success)
          else yield* Effect.logWarning(`call event ${row.key} in call_events does not decode; skipped: ${decoded.failure.message}`)
        }
        return {
          agents: snap.agents.map((a) => {
            const state = fromDomainAgent(a.state)
            return a.sessionCallId === null || state !== "busy" ? { agentId: a.agentId, state } : { agentId: a.agentId, state, callId: a.sessionCallId }
          }),
          calls: snap.calls.map((c): StoredCall => ({
            callId: c.sessionCallId,
            contactId: c.entryId,
            attempt: c.attempt,
            number: c.number,
            from: c.fromNumber,
            timeZone: c.timeZone ?? "",
            status: fromDomainStatus(c),
            dialedAt: c.queuedAt.getTime(),
            ...(c.answeredAt === null ? {} : { answeredAt: c.answeredAt.getTime() }),
            ...(c.agentId === null ? {} : { agentId: c.agentId }),
            ...(c.answeredBy === null ? {} : { verdict: verdictOf(c.answeredBy) }),
            ...(c.carrierCallId === null ? {} : { carrierCallId: c.carrierCallId })
          })),
          abandon: snap.abandon,
          events
        }
      })

    /**
     * Agent changes made while no session listened (the desk appends them to
     * `agent_state_log` and publishes them at most once) are folded into
     * `campaign_agents` before a session rebuilds from it: an agent whose latest
     * logged state is for this campaign takes that state (joining the campaign
     * if needed); one who moved to another campaign since is offline here.
     * Agents on a call in flight keep it.
     */
    const reconcileAgents = (org: Ids.OrganizationId, campaign: Ids.CampaignId) =>
      asTenant(org)(Effect.gen(function*() {
        yield* sql`
          WITH latest AS (
            SELECT DISTINCT ON (agent_id) agent_id, campaign_id, state, changed_at FROM agent_state_log
            WHERE agent_id IN (SELECT agent_id FROM agent_state_log WHERE campaign_id = ${campaign}
                               UNION SELECT agent_id FROM campaign_agents WHERE campaign_id = ${campaign})
            ORDER BY agent_id, changed_at DESC, id DESC
          )
          INSERT INTO campaign_agents (org_id, campaign_id, agent_id, state)
          SELECT ${org}, ${campaign}, l.agent_id, CASE WHEN l.campaign_id = ${campaign} THEN l.state ELSE 'offline' END
          FROM latest l LEFT JOIN campaign_agents a ON a.campaign_id = ${campaign} AND a.agent_id = l.agent_id
          LEFT JOIN calls c ON c.id = a.call_id
          WHERE (l.campaign_id = ${campaign} AND l.state IN ('available', 'paused', 'offline', 'wrap_up')
                 AND (a.agent_id IS NULL OR (a.state <> l.state AND l.changed_at >= a.updated_at)))
             OR (l.campaign_id IS DISTINCT FROM ${campaign} AND a.agent_id IS NOT NULL AND a.state <> 'offline')
          ON CONFLICT (campaign_id, agent_id) DO UPDATE SET state = excluded.state, call_id = NULL
          WHERE campaign_agents.call_id IS NULL OR (SELECT ended_at FROM calls WHERE id = campaign_agents.call_id) IS NOT NULL`
      }))

    const agentChanged: SessionStoreService["agentChanged"] = (campaignId, agentId, state) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(campaignId)
        const agent = yield* uuid(Ids.UserId, "agent id", agentId)
        yield* asTenant(org)(sql`
          INSERT INTO campaign_agents (org_id, campaign_id, agent_id, state) VALUES (${org}, ${campaign}, ${agent}, ${toDomainAgent(state)})
          ON CONFLICT (campaign_id, agent_id) DO UPDATE SET state = excluded.state, call_id = NULL`)
      })

    const policy: SessionStoreService["policy"] = (campaignId) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(campaignId)
        const rows = yield* asTenant(org)(sql<{
          readonly abandonPolicy: unknown; readonly amd: unknown; readonly voicemailUrl: string | null; readonly callerIdStrategy: unknown
        }>`
          SELECT c.abandon_policy AS "abandonPolicy", c.amd, c.caller_id_strategy AS "callerIdStrategy",
            (SELECT r.url FROM recordings r WHERE r.id::text = c.amd->>'voicemailRecordingId' AND r.status = 'completed') AS "voicemailUrl"
          FROM campaigns c WHERE c.id = ${campaign}`)
        const row = rows[0]
        if (row === undefined) return defaultPolicy
        // The organization's numbers that can place a call; `fixed` names one of them by id.
        const numbers = yield* asTenant(org)(sql<OrgNumber>`
          SELECT p.number, p.is_default AS "isDefault", p.id = ANY(c.caller_id_pool) AS "inPool"
          FROM phone_numbers p JOIN campaigns c ON c.id = ${campaign} AND c.org_id = p.org_id
          WHERE p.is_active AND 'voice' = ANY(p.capabilities)
          ORDER BY p.number`)
        const strategy = isCallerIdStrategy(row.callerIdStrategy) ? row.callerIdStrategy : "org_default"
        if (strategy !== row.callerIdStrategy) {
          yield* Effect.logWarning(`campaign ${campaignId}: caller_id_strategy is ${JSON.stringify(row.callerIdStrategy)}, expected one of ${CallerIdStrategy.literals.join(", ")}; using org_default`)
        }
        const callerIds = resolveCallerIds(strategy, numbers)
        if (callerIds.problem !== undefined) yield* Effect.logWarning(`campaign ${campaignId}: ${callerIds.problem}`)
        const json = (v: unknown): Record<string, unknown> => {
          const parsed: unknown = typeof v === "string" ? JSON.parse(v) : v
          return parsed !== null && typeof parsed === "object" ? parsed as Record<string, unknown> : {}
        }
        const days = json(row.abandonPolicy)["periodDays"]
        const amd = json(row.amd)
        const detect = amd["enabled"] !== false
        const drop = detect && amd["onMachine"] === "drop_voicemail"
        const spoken = typeof amd["voicemailMessage"] === "string" && amd["voicemailMessage"].trim() !== "" ? amd["voicemailMessage"] : undefined
        if (days !== undefined && !(typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= 365)) {
          yield* Effect.logWarning(`campaign ${campaignId}: abandon_policy.periodDays is ${JSON.stringify(days)}, expected an integer from 1 to 365; using 30`)
        }
        const voicemail = !drop ? undefined
          : row.voicemailUrl !== null ? { _tag: "Audio" as const, url: row.voicemailUrl }
          : spoken !== undefined ? { _tag: "Speech" as const, text: spoken }
          : undefined
        if (drop && voicemail === undefined) {
          yield* Effect.logWarning(`campaign ${campaignId}: amd.onMachine is drop_voicemail but it has neither a completed voicemailRecordingId nor a voicemailMessage; machines are hung up on`)
        }
        return {
          abandonWindowDays: typeof days === "number" && Number.isInteger(days) && days >= 1 && days <= 365 ? days : defaultPolicy.abandonWindowDays,
          amd: detect,
          ...(voicemail === undefined ? {} : { voicemail }),
          callerIds: callerIds.callerIds,
          localPresence: callerIds.localPresence
        }
      })

    const releaseForeignReservations: SessionStoreService["releaseForeignReservations"] = (campaignId, sessionKey) =>
      Effect.flatMap(scoped(campaignId), ({ campaign, org }) => repo.releaseForeign(org, campaign, sessionKey))

    const reserveDue: SessionStoreService["reserveDue"] = (input) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(input.campaignId)
        const reserved = yield* repo.reserve(org, {
          campaignId: campaign, sessionKey: input.sessionKey, limit: input.limit, now: date(input.now),
          leaseUntil: date(input.now + input.leaseMs), firstAttempts: input.firstAttempts
        })
        return reserved.map((r) => ({ contactId: r.entryId, number: r.number, attempt: r.attempt, timeZone: r.timeZone ?? "" }))
      })

    const renewReservations: SessionStoreService["renewReservations"] = (campaignId, sessionKey, until) =>
      Effect.flatMap(orgOf(campaignId), (org) => repo.renew(org, sessionKey, date(until)))

    const release: SessionStoreService["release"] = (campaignId, sessionKey, contactIds, notBefore) =>
      contactIds.length === 0 ? Effect.void : Effect.gen(function*() {
        const org = yield* orgOf(campaignId)
        yield* repo.release(org, sessionKey, yield* entries(contactIds), notBefore === undefined ? undefined : date(notBefore))
      })

    const recordDial: SessionStoreService["recordDial"] = (d) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(d.campaignId)
        const [entryId] = yield* entries([d.contact.contactId])
        const owned = yield* repo.recordDial(org, {
          campaignId: campaign, sessionKey: d.sessionKey, sessionCallId: d.callId, entryId: entryId!, attempt: d.contact.attempt,
          from: d.from, to: d.contact.number, provider: d.provider as Enums.Provider, at: date(d.at)
        })
        // The campaign's running total (the API's `totalCalls`).
        if (owned) yield* asTenant(org)(sql`UPDATE campaigns SET total_calls = total_calls + 1 WHERE id = ${campaign}`)
        return owned
      })

    const attachCarrierCall: SessionStoreService["attachCarrierCall"] = (campaignId, callId, carrier) =>
      Effect.flatMap(orgOf(campaignId), (org) =>
        repo.attachCarrierCall(org, callId, { carrierCallId: carrier.carrierCallId, providerCallId: carrier.providerCallId ?? null, at: date(carrier.at) }))

    const recordCommand: SessionStoreService["recordCommand"] = (campaignId, sessionKey, command, at) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(campaignId)
        yield* repo.appendCommand(org, {
          campaignId: campaign, sessionKey, sessionCallId: "callId" in command ? command.callId ?? null : null,
          commandType: command._tag, command, at: date(at)
        })
      })

    const recordEvent: SessionStoreService["recordEvent"] = (campaignId, callId, event) =>
      Effect.flatMap(orgOf(campaignId), (org) =>
        repo.recordEvent(org, callId, {
          provider: event.provider, providerCallId: event.providerCallId ?? null, providerEventKey: event.eventKey,
          eventType: event._tag, payload: event, occurredAt: date(event.at)
        }))

    const updateCall: SessionStoreService["updateCall"] = (campaignId, callId, p) =>
      Effect.gen(function*() {
        const org = yield* orgOf(campaignId)
        yield* repo.updateCall(org, callId, {
          ...(p.status === undefined ? {} : { status: toDomainStatus(p.status) }),
          ...(p.answeredBy === undefined ? {} : { answeredBy: isAnsweredBy(p.answeredBy) ? p.answeredBy : "unknown" }),
          ...(p.answeredAt === undefined ? {} : { answeredAt: date(p.answeredAt) }),
          ...(p.endedAt === undefined ? {} : { endedAt: date(p.endedAt) }),
          ...(p.outcome === undefined ? {} : { outcome: p.outcome }),
          ...(p.agentId === undefined ? {} : { agentId: yield* uuid(Ids.UserId, "agent id", p.agentId) })
        })
        // A bridged call's talk time (answer to hang-up), which the supervisors' talk-per-agent-hour reads.
        if (p.endedAt !== undefined) {
          yield* asTenant(org)(sql`
            UPDATE calls SET talk_duration_seconds = greatest(0, round(extract(epoch FROM ended_at - answered_at)))::int
            WHERE session_call_id = ${callId} AND agent_id IS NOT NULL AND answered_at IS NOT NULL AND ended_at IS NOT NULL
              AND talk_duration_seconds IS NULL`)
        }
      })

    const finishContact: SessionStoreService["finishContact"] = (campaignId, contactId, result, at) =>
      Effect.gen(function*() {
        const org = yield* orgOf(campaignId)
        const [entryId] = yield* entries([contactId])
        yield* repo.finishEntry(org, entryId!, result._tag === "Retry" ? { ...result, at: date(result.at) } : result, date(at))
        // A connected contact is contacted, in the contact list too.
        if (result._tag === "Done" && result.status === "completed") {
          yield* asTenant(org)(sql`UPDATE contacts SET status = 'contacted', last_contacted_at = ${date(at)}
            WHERE id = (SELECT contact_id FROM campaign_contacts WHERE id = ${entryId!}) AND status IN ('new', 'attempted')`)
        }
      })

    const setAgent: SessionStoreService["setAgent"] = (campaignId, agentId, state, callId) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(campaignId)
        const at = yield* Clock.currentTimeMillis
        const known = yield* repo.setAgent(org, {
          campaignId: campaign, agentId: yield* uuid(Ids.UserId, "agent id", agentId), state: toDomainAgent(state), sessionCallId: callId,
          at: date(at)
        })
        if (!known) yield* Effect.logWarning(`agent ${agentId} is not assigned to campaign ${campaignId}; its state is not stored`)
      })

    const backlog: SessionStoreService["backlog"] = (campaignId, now, firstAttempts) =>
      Effect.gen(function*() {
        const { org, campaign } = yield* scoped(campaignId)
        const b = yield* repo.backlog(org, campaign, date(now), firstAttempts)
        return { remaining: b.remaining, dueNow: b.dueNow, ...(b.nextDueAt === null ? {} : { nextDueAt: b.nextDueAt.getTime() }) }
      })

    const callOfCarrierCall: SessionStoreService["callOfCarrierCall"] = (carrierCallId) =>
      repo.callOfCarrierCall(carrierCallId).pipe(Effect.map((owner) => {
        if (owner === undefined) return undefined
        orgs.set(owner.campaignId, owner.orgId)
        return { callId: owner.sessionCallId, campaignId: owner.campaignId }
      }))

    return tag.of({
      snapshot, releaseForeignReservations, reserveDue, renewReservations, release, recordDial, attachCarrierCall,
      recordCommand, recordEvent, updateCall, finishContact, setAgent, agentChanged, policy, backlog, callOfCarrierCall
    })
  })
).pipe(Layer.provide(Repo.DialingSessionRepo.layer))

export class SessionStore extends Context.Service<SessionStore, SessionStoreService>()("@autodialer/workflows/SessionStore") {
  /** On the domain schema (`DialingSessionRepo`), over any `SqlClient` with the domain migrations applied. */
  static readonly layer: Layer.Layer<SessionStore, never, SqlClient.SqlClient> = makeDomainLayer(SessionStore)
  /** The same store, under the name the worker wiring already uses. */
  static readonly layerPg: Layer.Layer<SessionStore, never, SqlClient.SqlClient> = SessionStore.layer
}
