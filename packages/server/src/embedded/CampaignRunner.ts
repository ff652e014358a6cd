/**
 * The in-process campaign loop of the embedded default: it dials the running
 * campaigns of the database through the `Telephony` port (the simulated
 * carrier), with the pacing decided by `@autodialer/dialer-engine`'s pacers,
 * and keeps the domain tables (campaign_contacts, calls, call_events,
 * agent_state_log) and the realtime channels up to date.
 *
 * Why it exists: the workflows package's dialing-session activity runs on its
 * own session schema, not yet on the domain's tenant tables; until it does,
 * this loop is what makes `npm start` place calls (the startup banner says so).
 *
 * Each tick: apply the carrier events received (store first, then act:
 * bridge a live answer to the longest-idle ready agent, or play the
 * safe-harbour message and count an abandon; hang up on machines; settle
 * finished calls, schedule retries, put the agent in wrap-up), then ask the
 * pacer how many lines to dial per running campaign and dial that many due
 * contacts (reserved with SKIP LOCKED, never on the DNC list).
 */
import { Clock, Effect, Queue, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { Pacer as PacerNs, PredictivePacer, ProgressivePacer } from "@autodialer/dialer-engine"
import { CallEvent as CallEvents, Telephony } from "@autodialer/telephony"
import * as CallEventStore from "../CallEventStore.ts"
import * as Settings from "../CampaignSettings.ts"
import { recordState } from "../http/AgentHandlers.ts"
import { campaignChannel, Realtime, userChannel } from "../realtime/Realtime.ts"

type CallEvent = CallEvents.CallEvent
type Pacer = PacerNs.Pacer<unknown>

export interface RunnerOptions {
  readonly callerId: string
  readonly ringTimeoutSec: number
  readonly tickMs: number
  /** Simulated agents: how long they stay in wrap-up before they disposition the call. */
  readonly wrapUpMs: number
  /** The predictive pacer's prior for talk time until it has observed calls (seconds). */
  readonly priorTalkSeconds?: number
  /** Dial a running campaign only while this says yes (its Temporal session activity is running). */
  readonly gate?: (campaignId: string) => boolean
  /** Called after each settled call (the progress printer uses it). */
  readonly onCallSettled?: (campaignId: string) => Effect.Effect<void>
}

export const defaultOptions: RunnerOptions = { callerId: "+14155550100", ringTimeoutSec: 20, tickMs: 250, wrapUpMs: 3_000 }

interface LiveCall {
  readonly callId: string
  readonly orgId: string
  readonly campaignId: string
  readonly campaignContactId: string
  readonly contactId: string
  readonly attempt: number
  readonly dialedAt: number
  readonly carrierCallId?: string
  answeredAt?: number
  agentId?: string
  outcome?: string
}

interface CampaignRow {
  readonly id: string
  readonly orgId: string
  readonly mode: string
  readonly status: string
  readonly script: string | null
  readonly name: string
  readonly callingWindow: unknown
  readonly abandonPolicy: unknown
  readonly attemptRules: unknown
  readonly retryRules: unknown
  readonly pacing: unknown
}

const pacerFor = (mode: string, options: RunnerOptions): Pacer =>
  (mode === "predictive"
    ? PredictivePacer.make({
      amd: true,
      ringTimeoutSeconds: options.ringTimeoutSec,
      ...(options.priorTalkSeconds === undefined ? {} : { priorTalkSeconds: options.priorTalkSeconds, priorWrapSeconds: options.wrapUpMs / 1000 })
    })
    : ProgressivePacer.progressive) as Pacer

/** Runs forever (fork it); interrupting it stops dialing. Calls in flight finish on the carrier. */
export const run = (options: RunnerOptions = defaultOptions) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const telephony = yield* Telephony
    const realtime = yield* Realtime
    const events = yield* Queue.unbounded<CallEvent>()
    yield* Effect.forkScoped(Stream.runForEach(telephony.events, (e) => Queue.offer(events, e)))

    const live = new Map<string, LiveCall>()
    const pacers = new Map<string, { pacer: Pacer; state: unknown }>()
    const tenant = (orgId: string) => Tenancy.withTenant(orgId as OrganizationId)
    const publish = (orgId: string, channel: string, type: string, data: unknown) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) => realtime.publish({ orgId, channel, type, at, data }))
    const observe = (campaignId: string, observation: PacerNs.PacingObservation) => {
      const p = pacers.get(campaignId)
      if (p !== undefined) p.state = p.pacer.observe(p.state, observation)
    }
    const provide = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Realtime>) =>
      effect.pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(Realtime, realtime))

    const campaignOf = (orgId: string, campaignId: string) =>
      tenant(orgId)(sql<CampaignRow>`SELECT * FROM campaigns WHERE id = ${campaignId}`).pipe(Effect.map((r) => r[0]))

    /** The longest-idle agent ready in this campaign, or undefined. */
    const readyAgent = (orgId: string, campaignId: string) =>
      tenant(orgId)(sql<{ readonly agentId: string }>`
        SELECT agent_id FROM (
          SELECT DISTINCT ON (agent_id) agent_id, state, campaign_id, changed_at FROM agent_state_log
          ORDER BY agent_id, changed_at DESC, id DESC
        ) s WHERE state = 'available' AND campaign_id = ${campaignId} ORDER BY changed_at LIMIT 1`).pipe(Effect.map((r) => r[0]?.agentId))

    const settle = (call: LiveCall, event: CallEvent, at: number) =>
      Effect.gen(function*() {
        if (call.carrierCallId !== undefined) live.delete(call.carrierCallId)
        const campaign = yield* campaignOf(call.orgId, call.campaignId)
        const s = campaign === undefined ? Settings.defaults : Settings.fromColumns(campaign)
        const outcome = call.outcome ??
          (event._tag === "Completed" ? (call.agentId !== undefined ? "human_answered" : "answering_machine")
            : event._tag === "Busy" ? "busy" : event._tag === "NoAnswer" ? "no_answer" : "failed")
        const done = outcome === "human_answered" || call.attempt >= s.maxAttempts
        yield* tenant(call.orgId)(Effect.gen(function*() {
          yield* sql`UPDATE calls SET outcome = ${outcome},
            talk_duration_seconds = ${call.agentId !== undefined && call.answeredAt !== undefined ? Math.round((at - call.answeredAt) / 1000) : null}
            WHERE id = ${call.callId}`
          yield* sql`UPDATE campaign_contacts SET
            status = ${done ? (outcome === "human_answered" ? "completed" : "exhausted") : "pending"},
            last_outcome = ${outcome}, last_attempt_at = ${new Date(at)},
            next_attempt_at = ${new Date(at + s.retryDelayMinutes * 60_000)}, reserved_by = NULL, reserved_until = NULL
            WHERE id = ${call.campaignContactId}`
          if (outcome === "human_answered") yield* sql`UPDATE contacts SET status = 'contacted', last_contacted_at = ${new Date(at)} WHERE id = ${call.contactId}`
        }))
        observe(call.campaignId, {
          _tag: "DialResolved", at,
          outcome: outcome === "human_answered" || outcome === "abandoned" ? "human" : outcome === "answering_machine" ? "machine" : outcome === "busy" ? "busy" : outcome === "no_answer" ? "noAnswer" : "failed",
          secondsToOutcome: ((call.answeredAt ?? at) - call.dialedAt) / 1000, censored: false
        })
        if (call.agentId !== undefined) {
          const agentId = call.agentId
          observe(call.campaignId, { _tag: "TalkEnded", at, talkSeconds: call.answeredAt === undefined ? 0 : (at - call.answeredAt) / 1000 })
          yield* provide(tenant(call.orgId)(recordState({ orgId: call.orgId, agentId, state: "wrap_up", campaignId: call.campaignId, callId: call.callId })))
          yield* publish(call.orgId, userChannel(agentId), "call.ended", { callId: call.callId, outcome, wrapUpSeconds: Math.round(options.wrapUpMs / 1000) })
          yield* Effect.forkDetach(wrapUp(call.orgId, agentId, call.campaignId, call.callId))
        }
        yield* publish(call.orgId, campaignChannel(call.campaignId), "call.ended", { callId: call.callId, outcome })
        yield* Effect.logDebug(`call ended: ${outcome}`).pipe(
          Effect.annotateLogs({ callId: call.callId, campaignId: call.campaignId, contactId: call.contactId, attempt: call.attempt, outcome })
        )
        if (options.onCallSettled) yield* options.onCallSettled(call.campaignId)
      })

    /** A simulated agent dispositions after wrap-up and becomes ready again (real agents do it through the API). */
    const wrapUp = (orgId: string, agentId: string, campaignId: string, callId: string) =>
      Effect.gen(function*() {
        yield* Effect.sleep(options.wrapUpMs)
        const simulated = yield* tenant(orgId)(sql`SELECT 1 FROM users WHERE id = ${agentId} AND crm_user_id = 'simulated'`)
        if (simulated.length === 0) return
        yield* tenant(orgId)(Effect.gen(function*() {
          const d = yield* sql<{ readonly id: string }>`SELECT id FROM dispositions WHERE code = 'interested' OR code = 'not_interested' ORDER BY code LIMIT 1`
          if (d[0] !== undefined) yield* sql`UPDATE calls SET disposition_id = ${d[0].id} WHERE id = ${callId}`
          const current = yield* sql<{ readonly state: string }>`SELECT state FROM agent_state_log WHERE agent_id = ${agentId} ORDER BY changed_at DESC, id DESC LIMIT 1`
          if (current[0]?.state === "wrap_up") yield* recordState({ orgId, agentId, state: "available", campaignId, reason: "dispositioned" })
        })).pipe(Effect.provideService(Realtime, realtime))
      }).pipe(Effect.catchCause((cause) => Effect.logWarning("simulated agent wrap-up failed", cause)))

    const onEvent = (event: CallEvent) =>
      Effect.gen(function*() {
        const call = live.get(event.callId)
        if (call === undefined) return
        const stored = yield* CallEventStore.store(
          { id: call.callId, orgId: call.orgId, campaignId: call.campaignId, contactId: call.contactId, agentId: call.agentId ?? null, status: "initiated" },
          { ...event, callId: call.callId },
          event
        )
        if (!stored.inserted) return
        const at = event.at
        switch (event._tag) {
          case "Answered": {
            if (call.answeredAt !== undefined) return
            call.answeredAt = at
            if (event.answeredBy === "machine_start" || event.answeredBy === "machine_end_beep" || event.answeredBy === "fax") {
              call.outcome = "answering_machine"
              yield* telephony.hangUp(event.callId).pipe(Effect.ignore)
              return
            }
            const agentId = yield* readyAgent(call.orgId, call.campaignId)
            if (agentId === undefined) {
              call.outcome = "abandoned"
              observe(call.campaignId, { _tag: "Abandoned", at })
              yield* tenant(call.orgId)(sql`UPDATE calls SET outcome = 'abandoned' WHERE id = ${call.callId}`)
              yield* telephony.playAndRelease(event.callId, { _tag: "Speech", text: "Sorry we missed you. To opt out of future calls, press 9." }).pipe(Effect.ignore)
              return
            }
            call.agentId = agentId
            yield* publish(call.orgId, userChannel(agentId), "call.offered", { callId: call.callId, campaignId: call.campaignId, contactId: call.contactId })
            observe(call.campaignId, { _tag: "Bridged", at, customerWaitSeconds: 0, agentWaitSeconds: 0 })
            yield* tenant(call.orgId)(sql`UPDATE calls SET agent_id = ${agentId} WHERE id = ${call.callId}`)
            yield* provide(tenant(call.orgId)(recordState({ orgId: call.orgId, agentId, state: "on_call", campaignId: call.campaignId, callId: call.callId })))
            yield* telephony.bridge(event.callId, { _tag: "Client", identity: `agent-${agentId}` }).pipe(Effect.ignore)
            const pop = yield* tenant(call.orgId)(Effect.all({
              contact: sql`SELECT id, first_name, last_name, company, phone, email, time_zone, tags FROM contacts WHERE id = ${call.contactId}`,
              campaign: sql<{ readonly name: string; readonly script: string | null }>`SELECT name, script FROM campaigns WHERE id = ${call.campaignId}`
            }))
            yield* publish(call.orgId, userChannel(agentId), "call.connected", {
              callId: call.callId, campaignId: call.campaignId, contact: pop.contact[0] ?? null,
              campaign: { id: call.campaignId, name: pop.campaign[0]?.name ?? "", script: pop.campaign[0]?.script ?? null }
            })
            return
          }
          case "Completed":
          case "Busy":
          case "NoAnswer":
          case "Failed":
          case "Canceled":
            return yield* settle(call, event, at)
          default:
            return
        }
      })

    const dial = (campaign: CampaignRow, n: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const reserved = yield* tenant(campaign.orgId)(Effect.gen(function*() {
          const rows = yield* sql<{ readonly id: string; readonly contactId: string; readonly attempts: number; readonly phone: string }>`
            SELECT cc.id, cc.contact_id, cc.attempts, c.phone FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id
            WHERE cc.campaign_id = ${campaign.id} AND cc.status = 'pending' AND cc.next_attempt_at <= ${new Date(now)}
              AND NOT EXISTS (SELECT 1 FROM dnc_entries d WHERE d.phone = c.phone AND (d.campaign_id IS NULL OR d.campaign_id = ${campaign.id})
                AND (d.expires_at IS NULL OR d.expires_at > ${new Date(now)}))
            ORDER BY cc.priority DESC, cc.next_attempt_at, cc.id LIMIT ${n} FOR UPDATE OF cc SKIP LOCKED`
          const calls: Array<LiveCall & { readonly phone: string }> = []
          for (const r of rows) {
            const callId = yield* UuidV7.generate
            yield* sql`UPDATE campaign_contacts SET status = 'dialing', attempts = attempts + 1, last_attempt_at = ${new Date(now)} WHERE id = ${r.id}`
            yield* sql`INSERT INTO calls ${sql.insert({
              id: callId, orgId: campaign.orgId, campaignId: campaign.id, contactId: r.contactId, campaignContactId: r.id,
              provider: telephony.provider, direction: "outbound", fromNumber: options.callerId, toNumber: r.phone,
              status: "queued", attempt: r.attempts + 1, queuedAt: new Date(now)
            })}`
            calls.push({ callId, orgId: campaign.orgId, campaignId: campaign.id, campaignContactId: r.id, contactId: r.contactId, attempt: r.attempts + 1, dialedAt: now, phone: r.phone })
          }
          if (rows.length > 0) yield* sql`UPDATE campaigns SET total_calls = total_calls + ${rows.length} WHERE id = ${campaign.id}`
          return calls
        }))
        for (const call of reserved) {
          const handle = yield* telephony.originate({
            to: call.phone as never, from: options.callerId as never, ringTimeoutSec: options.ringTimeoutSec, amd: "detect", record: false,
            idempotencyKey: `${call.campaignContactId}:${call.attempt}`
          }).pipe(Effect.result)
          if (handle._tag === "Failure") {
            yield* settle(call, { _tag: "Failed", callId: call.callId, provider: telephony.provider, eventKey: `originate:${call.callId}`, at: now, reason: "unknown", detail: handle.failure.message }, now)
            continue
          }
          // Events are keyed by the carrier's call id; remember ours under it.
          live.set(handle.success.callId, { ...call, carrierCallId: handle.success.callId })
          yield* tenant(call.orgId)(sql`UPDATE calls SET provider_call_id = ${handle.success.providerCallId ?? handle.success.callId}, initiated_at = ${new Date(now)} WHERE id = ${call.callId}`)
        }
      })

    const pace = (campaign: CampaignRow) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const s = Settings.fromColumns(campaign)
        let p = pacers.get(campaign.id)
        if (p === undefined) {
          const pacer = pacerFor(campaign.mode, options)
          p = { pacer, state: pacer.initial }
          pacers.set(campaign.id, p)
        }
        const agents = yield* tenant(campaign.orgId)(sql<{ readonly state: string; readonly changedAt: Date }>`
          SELECT state, changed_at FROM (
            SELECT DISTINCT ON (agent_id) agent_id, state, campaign_id, changed_at FROM agent_state_log ORDER BY agent_id, changed_at DESC, id DESC
          ) s WHERE campaign_id = ${campaign.id} AND state <> 'offline'`)
        const abandon = yield* tenant(campaign.orgId)(sql<{ readonly live: number; readonly abandoned: number }>`
          SELECT count(*) FILTER (WHERE answered_by = 'human')::int AS live, count(*) FILTER (WHERE outcome = 'abandoned')::int AS abandoned
          FROM calls WHERE campaign_id = ${campaign.id} AND created_at > ${new Date(now - 30 * 86_400_000)}`)
        const inFlight = [...live.values()].filter((c) => c.campaignId === campaign.id && c.agentId === undefined && c.outcome === undefined)
        const loggedIn = agents.filter((a) => a.state !== "paused").length
        const snapshot: PacerNs.PacingSnapshot = {
          now,
          agentsLoggedIn: loggedIn,
          agentsReady: agents.filter((a) => a.state === "available").length,
          busyAgents: agents.filter((a) => a.state === "on_call" || a.state === "wrap_up").map((a) => ({
            phase: a.state === "on_call" ? "talk" as const : "wrap" as const, since: new Date(a.changedAt).getTime(), bridgedAt: new Date(a.changedAt).getTime()
          })),
          dialsInFlight: inFlight.map((c) => ({ dialedAt: c.dialedAt, answered: c.answeredAt !== undefined })),
          customersWaiting: 0,
          maxDialsInFlight: Math.floor(s.linesPerAgent * loggedIn),
          abandon: { windowLiveAnswers: abandon[0]?.live ?? 0, windowAbandoned: abandon[0]?.abandoned ?? 0, limit: s.abandonLimit }
        }
        const decision = p.pacer.decide(p.state, snapshot)
        p.state = decision.state
        const room = Math.max(0, snapshot.maxDialsInFlight - inFlight.length)
        const n = Math.min(decision.dials, room)
        if (n > 0) yield* dial(campaign, n)
        // Nothing left to dial and nothing in flight: the campaign is complete.
        if (inFlight.length === 0 && n === 0) {
          const left = yield* tenant(campaign.orgId)(sql<{ readonly n: number }>`
            SELECT count(*)::int AS n FROM campaign_contacts WHERE campaign_id = ${campaign.id} AND status IN ('pending', 'reserved', 'dialing')`)
          if ((left[0]?.n ?? 0) === 0 && [...live.values()].every((c) => c.campaignId !== campaign.id)) {
            yield* tenant(campaign.orgId)(sql`UPDATE campaigns SET status = 'completed' WHERE id = ${campaign.id} AND status = 'running'`)
            yield* publish(campaign.orgId, campaignChannel(campaign.id), "campaign.status", { campaignId: campaign.id, status: "completed" })
          }
        }
      })

    const tick = Effect.gen(function*() {
      const pending = yield* Queue.clear(events)
      for (const event of pending) {
        const call = live.get(event.callId)
        yield* onEvent(event).pipe(
          Effect.catchCause((cause) => Effect.logWarning(`carrier event ${event.eventKey} not applied`, cause)),
          Effect.annotateLogs({ carrierCallId: event.callId, callId: call?.callId ?? "unknown", campaignId: call?.campaignId ?? "unknown" })
        )
      }
      const running = yield* Tenancy.withSystem(sql<CampaignRow>`SELECT * FROM campaigns WHERE status = 'running' ORDER BY id`)
      for (const campaign of running) {
        if (options.gate === undefined || options.gate(campaign.id)) yield* pace(campaign)
      }
    }).pipe(Effect.catchCause((cause) => Effect.logWarning("campaign loop tick failed; retrying", cause)))

    return yield* Effect.forever(Effect.andThen(tick, Effect.sleep(options.tickMs)))
  })
