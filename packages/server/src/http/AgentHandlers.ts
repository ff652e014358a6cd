/**
 * Handlers of the agent desk (own state: log in, ready, pause with one of the
 * campaign's pause codes, wrap-up, log out; `GET /agents/me` to restore a
 * console) and of calls (list, filter, a contact's history, detail with
 * events, recording, disposition with notes and an optional callback). State
 * changes are appended to `agent_state_log` and pushed on the agent's
 * realtime channel.
 */
import { Clock, Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { UuidV7 } from "@autodialer/domain"
import * as Page from "@autodialer/domain/Page"
import { type BusEvent, EventBus } from "@autodialer/workflows/EventBus"
import * as AgentStates from "../AgentStates.ts"
import { Api } from "../api/Api.ts"
import * as Settings from "../CampaignSettings.ts"
import { Conflict, InvalidRequest, NotFound } from "../api/Errors.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { campaignChannel, Realtime, userChannel } from "../realtime/Realtime.ts"
import { inOrg, iso, isoOrNull, requireRole } from "./Access.ts"
import { campaignView, type CampaignRow } from "./CampaignHandlers.ts"
import { userView, type UserRow } from "./IdentityHandlers.ts"

interface StateRow {
  readonly agentId: string; readonly fullName: string; readonly state: AgentStates.State | null; readonly campaignId: string | null
  readonly callId: string | null; readonly reason: string | null; readonly changedAt: Date | null; readonly createdAt: Date
}
const stateView = (r: StateRow) => ({
  agentId: r.agentId, fullName: r.fullName, state: r.state ?? "offline" as const, campaignId: r.campaignId, callId: r.callId,
  reason: r.reason, since: iso(r.changedAt ?? r.createdAt)
})

export const currentStates = (sql: SqlClient.SqlClient, agentId?: string) =>
  sql<StateRow>`
    SELECT u.id AS agent_id, u.full_name, s.state, s.campaign_id, s.call_id, s.reason, s.changed_at, u.created_at
    FROM users u
    LEFT JOIN LATERAL (
      SELECT state, campaign_id, call_id, reason, changed_at FROM agent_state_log l
      WHERE l.agent_id = u.id ORDER BY changed_at DESC, id DESC LIMIT 1
    ) s ON true
    WHERE u.is_active AND ${agentId === undefined ? sql`u.role = 'agent'` : sql`u.id = ${agentId}`}
    ORDER BY u.full_name`

/** Appends a state row for an agent and tells the agent's and the campaign's channels. */
export const recordState = (input: {
  readonly orgId: string; readonly agentId: string; readonly state: AgentStates.State; readonly campaignId: string | null
  readonly callId?: string | null; readonly reason?: string | null
}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const realtime = yield* Realtime
    const at = yield* Clock.currentTimeMillis
    yield* sql`INSERT INTO agent_state_log ${sql.insert({
      id: yield* UuidV7.generate, orgId: input.orgId, agentId: input.agentId, campaignId: input.campaignId,
      callId: input.callId ?? null, state: input.state, reason: input.reason ?? null, changedAt: new Date(at)
    })}`
    const data = { agentId: input.agentId, state: input.state, campaignId: input.campaignId, reason: input.reason ?? null }
    yield* realtime.publish({ orgId: input.orgId, channel: userChannel(input.agentId), type: "agent.state", at, data })
    if (input.campaignId !== null) {
      yield* realtime.publish({ orgId: input.orgId, channel: campaignChannel(input.campaignId), type: "agent.state", at, data })
    }
  })

/**
 * Tells the campaign's dialing session of an agent's change at the desk, on
 * the workflows' event bus (when the server has one): ready, pause and log-out
 * as state changes, the end of a wrap-up as a desk action. The row in
 * `agent_state_log` is written first, so a session that is not running hears
 * of it from Postgres when it starts.
 */
export const tellSession = (input: {
  readonly agentId: string; readonly from: AgentStates.State; readonly to: AgentStates.State
  readonly campaignId: string | null; readonly previousCampaignId: string | null
}) =>
  Effect.gen(function*() {
    const found = yield* Effect.serviceOption(EventBus)
    if (found._tag === "None") return
    const bus = found.value
    const at = yield* Clock.currentTimeMillis
    // Moving to another campaign is leaving the previous one.
    if (input.previousCampaignId !== null && input.previousCampaignId !== input.campaignId && input.from !== "offline") {
      yield* bus.publish(input.previousCampaignId, { _tag: "AgentStateChanged", agentId: input.agentId, state: "loggedOut", at })
    }
    if (input.campaignId === null) return
    const event: BusEvent | undefined = input.to === "available"
      ? (input.from === "wrap_up"
        ? { _tag: "AgentAction", agentId: input.agentId, action: "wrapUpDone", at }
        : { _tag: "AgentStateChanged", agentId: input.agentId, state: "ready", at })
      : input.to === "paused"
      ? { _tag: "AgentStateChanged", agentId: input.agentId, state: "paused", at }
      : input.to === "offline"
      ? { _tag: "AgentStateChanged", agentId: input.agentId, state: "loggedOut", at }
      : undefined
    if (event !== undefined) yield* bus.publish(input.campaignId, event)
  })

export const AgentsHandlers = HttpApiBuilder.group(Api, "agents", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const realtime = yield* Realtime
  const mine = Effect.gen(function*() {
    const p = yield* CurrentPrincipal
    const rows = yield* inOrg(currentStates(sql, p.userId))
    return rows[0]!
  })
  const transition = (command: AgentStates.Command, extra: { readonly campaignId?: string; readonly reason?: string } = {}) =>
    Effect.gen(function*() {
      const p = yield* CurrentPrincipal
      const current = yield* mine
      const state = current.state ?? "offline"
      const refusal = AgentStates.refuse(state, command)
      if (refusal !== undefined) return yield* new Conflict({ message: refusal })
      const campaignId = extra.campaignId ?? current.campaignId
      yield* inOrg(recordState({
        orgId: p.orgId, agentId: p.userId, state: AgentStates.target[command], campaignId,
        reason: extra.reason ?? (command === "login" ? "login" : null)
      })).pipe(Effect.provideService(Realtime, realtime))
      yield* tellSession({ agentId: p.userId, from: state, to: AgentStates.target[command], campaignId, previousCampaignId: current.campaignId })
      return stateView(yield* mine)
    })
  return handlers.handleAll({
    list: () =>
      Effect.gen(function*() {
        yield* requireRole("manager", "viewing all agents")
        return (yield* inOrg(currentStates(sql))).map(stateView)
      }),
    login: ({ payload }) =>
      Effect.gen(function*() {
        const found = yield* inOrg(sql`SELECT id FROM campaigns WHERE id = ${payload.campaignId}`)
        if (found.length === 0) {
          return yield* new NotFound({ resource: "campaign", id: payload.campaignId, message: `campaign ${payload.campaignId} does not exist in your organization` })
        }
        return yield* transition("login", { campaignId: payload.campaignId })
      }),
    me: () =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const current = yield* mine
        const state = current.state ?? "offline"
        return yield* inOrg(Effect.gen(function*() {
          const user = yield* sql<UserRow>`SELECT * FROM users WHERE id = ${p.userId}`
          const campaign = current.campaignId === null || state === "offline"
            ? [] : yield* sql<CampaignRow>`SELECT * FROM campaigns WHERE id = ${current.campaignId}`
          // The state row names the call when the dialer knew it; otherwise the agent's latest call that is still live
          // (ringing or talking) or, in wrap-up, still waiting for its disposition.
          const call = !AgentStates.hasCall(state)
            ? []
            : current.callId !== null
            ? yield* selectCall(sql, current.callId)
            : yield* sql<CallRow>`SELECT * FROM calls WHERE agent_id = ${p.userId} AND ${state === "wrap_up"
              ? sql`disposition_id IS NULL`
              : sql`status IN ('queued', 'initiated', 'ringing', 'in_progress')`} ORDER BY id DESC LIMIT 1`
          const now = yield* Clock.currentTimeMillis
          const view = stateView(current)
          return {
            user: userView(user[0]!), state, since: view.since, secondsInState: Math.max(0, Math.floor((now - Date.parse(view.since)) / 1000)),
            reason: current.reason, campaign: campaign[0] ? campaignView(campaign[0]) : null, call: call[0] ? callView(call[0]) : null
          }
        }))
      }),
    ready: () => transition("ready"),
    pause: ({ payload }) =>
      Effect.gen(function*() {
        const current = yield* mine
        if (current.campaignId !== null && (current.state ?? "offline") !== "offline") {
          const rows = yield* inOrg(sql<{ readonly name: string; readonly pauseCodes: unknown }>`
            SELECT name, pause_codes FROM campaigns WHERE id = ${current.campaignId}`)
          const codes = Settings.pauseCodesOf(rows[0]?.pauseCodes)
          if (!codes.some((c) => c.code === payload.code)) {
            return yield* new InvalidRequest({
              field: "code",
              message: `'${payload.code}' is not a pause code of campaign ${rows[0]?.name ?? current.campaignId}; use one of: ` +
                codes.map((c) => `${c.code} (${c.label})`).join(", ")
            })
          }
        }
        return yield* transition("pause", { reason: payload.code })
      }),
    wrapUp: () => transition("wrapUp"),
    logout: () => transition("logout")
  })
}))

interface CallRow {
  readonly id: string; readonly campaignId: string | null; readonly contactId: string | null; readonly agentId: string | null
  readonly provider: string; readonly providerCallId: string | null; readonly direction: string; readonly fromNumber: string
  readonly toNumber: string; readonly status: string; readonly outcome: string | null; readonly answeredBy: string | null
  readonly attempt: number; readonly talkDurationSeconds: number | null; readonly summary: string | null
  readonly transcriptStatus: string; readonly isTransferred: boolean; readonly transferredTo: string | null
  readonly dispositionId: string | null; readonly createdAt: Date; readonly endedAt: Date | null; readonly transcript: string | null; readonly recordingUrl: string | null
  readonly notes: string | null
}
export const callView = (r: CallRow) => ({
  id: r.id, campaignId: r.campaignId, contactId: r.contactId, agentId: r.agentId, provider: r.provider,
  providerCallId: r.providerCallId, direction: r.direction, fromNumber: r.fromNumber, toNumber: r.toNumber, status: r.status,
  outcome: r.outcome, answeredBy: r.answeredBy, attempt: r.attempt, talkSeconds: r.talkDurationSeconds, summary: r.summary,
  transcriptStatus: r.transcriptStatus, isTransferred: r.isTransferred, transferredTo: r.transferredTo,
  dispositionId: r.dispositionId, notes: r.notes, createdAt: iso(r.createdAt), endedAt: isoOrNull(r.endedAt)
})
export const selectCall = (sql: SqlClient.SqlClient, id: string) => sql<CallRow>`SELECT * FROM calls WHERE id = ${id}`

export const CallsHandlers = HttpApiBuilder.group(Api, "calls", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const realtime = yield* Realtime
  const get = (id: string) =>
    inOrg(selectCall(sql, id)).pipe(Effect.flatMap((rows) =>
      rows[0] ? Effect.succeed(rows[0]) : Effect.fail(new NotFound({ resource: "call", id, message: `call ${id} does not exist in your organization` }))))
  return handlers.handleAll({
    list: ({ query }) =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const after = yield* Page.decodeCursor(query.cursor).pipe(Effect.mapError((e) => new InvalidRequest({ message: e.message, field: "cursor" })))
        const limit = query.limit ?? Page.defaultLimit
        // Agents see their own calls only, and the whole history of a contact they have talked to (the screen-pop's).
        const contactOfMine = p.role === "agent" && query.contactId !== undefined && (yield* inOrg(sql`
          SELECT 1 FROM calls WHERE contact_id = ${query.contactId} AND agent_id = ${p.userId} LIMIT 1`)).length > 0
        const agentId = p.role === "agent" && !contactOfMine ? p.userId : query.agentId
        const rows = yield* inOrg(sql<CallRow>`SELECT * FROM calls WHERE ${sql.and([
          query.contactId === undefined ? sql`true` : sql`contact_id = ${query.contactId}`,
          after === undefined ? sql`true` : sql`id < ${after}`,
          query.campaignId === undefined ? sql`true` : sql`campaign_id = ${query.campaignId}`,
          query.status === undefined ? sql`true` : sql`status = ${query.status}`,
          query.outcome === undefined ? sql`true` : sql`outcome = ${query.outcome}`,
          agentId === undefined ? sql`true` : sql`agent_id = ${agentId}`
        ])} ORDER BY id DESC LIMIT ${limit + 1}`)
        const page = Page.fromRows(rows, limit)
        return { items: page.items.map(callView), nextCursor: page.nextCursor }
      }),
    get: ({ params }) =>
      Effect.gen(function*() {
        const call = yield* get(params.id)
        const events = yield* inOrg(sql<{ readonly id: string; readonly eventType: string; readonly provider: string; readonly occurredAt: Date; readonly payload: unknown }>`
          SELECT id, event_type, provider, occurred_at, payload FROM call_events WHERE call_id = ${params.id} ORDER BY occurred_at, id`)
        return {
          call: callView(call),
          events: events.map((e) => ({
            id: e.id, type: e.eventType, provider: e.provider, occurredAt: iso(e.occurredAt),
            payload: typeof e.payload === "string" ? JSON.parse(e.payload) as unknown : e.payload
          })),
          transcript: call.transcript,
          recordingUrl: call.recordingUrl,
          notes: call.notes
        }
      }),
    recording: ({ params }) =>
      Effect.gen(function*() {
        const call = yield* get(params.id)
        const recordings = yield* inOrg(sql<{ readonly url: string }>`SELECT url FROM recordings WHERE call_id = ${params.id} AND status = 'completed' ORDER BY id DESC LIMIT 1`)
        const url = recordings[0]?.url ?? call.recordingUrl
        if (url === null) {
          return yield* new NotFound({ resource: "recording", id: params.id, message: `call ${params.id} has no recording (recording may be off for your organization, or the call was not answered)` })
        }
        return { callId: params.id, url }
      }),
    disposition: ({ params, payload }) =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const call = yield* get(params.id)
        if (p.role === "agent" && call.agentId !== p.userId) {
          return yield* new NotFound({ resource: "call", id: params.id, message: `call ${params.id} is not one of your calls` })
        }
        const dispositions = yield* inOrg(sql<{ readonly id: string; readonly code: string; readonly dnc: boolean; readonly callback: boolean }>`
          SELECT id, code, dnc, callback FROM dispositions WHERE is_active ORDER BY sort_order, code`)
        const disposition = dispositions.find((d) => d.code === payload.code)
        if (disposition === undefined) {
          return yield* new InvalidRequest({
            field: "code",
            message: `unknown disposition '${payload.code}'; use one of: ${dispositions.map((d) => d.code).join(", ") || "(none defined: POST /dispositions)"}`
          })
        }
        let callbackAt: Date | undefined
        if (payload.callbackAt !== undefined) {
          callbackAt = new Date(payload.callbackAt)
          const now = yield* Clock.currentTimeMillis
          if (Number.isNaN(callbackAt.getTime()) || callbackAt.getTime() <= now) {
            return yield* new InvalidRequest({ field: "callbackAt", message: `callbackAt '${payload.callbackAt}' must be a future ISO-8601 instant, e.g. 2026-12-01T15:00:00Z` })
          }
        }
        yield* inOrg(Effect.gen(function*() {
          yield* sql`UPDATE calls SET disposition_id = ${disposition.id}, notes = COALESCE(${payload.notes ?? null}, notes) WHERE id = ${params.id}`
          if (payload.notes !== undefined && payload.notes.trim() !== "" && call.contactId !== null) {
            yield* sql`INSERT INTO call_notes ${sql.insert({ id: yield* UuidV7.generate, orgId: p.orgId, contactId: call.contactId, callId: params.id, authorId: p.userId, body: payload.notes })}`
          }
          if (disposition.dnc) {
            yield* sql`INSERT INTO dnc_entries ${sql.insert({ id: yield* UuidV7.generate, orgId: p.orgId, scope: "organization", phone: call.toNumber, reason: "requested", addedBy: p.userId, note: `disposition ${disposition.code} on call ${params.id}` })} ON CONFLICT DO NOTHING`
          }
          if (callbackAt !== undefined && call.campaignId !== null && call.contactId !== null) {
            yield* sql`UPDATE campaign_contacts SET status = 'pending', next_attempt_at = ${callbackAt}, reserved_by = NULL, reserved_until = NULL
              WHERE campaign_id = ${call.campaignId} AND contact_id = ${call.contactId}`
          }
          // A disposition closes the wrap-up: the agent is ready for the next call.
          const states = yield* currentStates(sql, p.userId)
          if (call.agentId === p.userId && states[0]?.state === "wrap_up") {
            yield* recordState({ orgId: p.orgId, agentId: p.userId, state: "available", campaignId: states[0].campaignId, reason: "dispositioned" })
            yield* tellSession({ agentId: p.userId, from: "wrap_up", to: "available", campaignId: states[0].campaignId, previousCampaignId: states[0].campaignId })
          }
        }).pipe(Effect.provideService(Realtime, realtime)))
        return callView(yield* get(params.id))
      })
  })
}))

export const layer = Layer.mergeAll(AgentsHandlers, CallsHandlers)
