/**
 * Handlers of the organization's dialing resources: caller-id phone numbers,
 * dispositions and AI voice servers. A voice server is verified by a health
 * check (`GET http(s)://<host>/health` of its ws(s) URL, 3 s timeout); it can
 * post a call's transcript and summary, and ask for a transfer to an agent, a
 * department (team) or a number, which offers the call to the chosen agent
 * on their realtime channel.
 */
import { Clock, Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { UuidV7 } from "@autodialer/domain"
import { Api } from "../api/Api.ts"
import { Conflict, InvalidRequest, NotFound } from "../api/Errors.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { Realtime, userChannel } from "../realtime/Realtime.ts"
import { inOrg, iso, isoOrNull, requireRole } from "./Access.ts"
import { callView, currentStates, recordState, selectCall } from "./AgentHandlers.ts"
import { normalizePhone } from "./ContactHandlers.ts"

const notFound = (resource: string, id: string) =>
  new NotFound({ resource, id, message: `${resource} ${id} does not exist in your organization` })

export const PhoneNumbersHandlers = HttpApiBuilder.group(Api, "phoneNumbers", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  interface Row { readonly id: string; readonly number: string; readonly provider: string; readonly friendlyName: string | null; readonly isDefault: boolean; readonly isActive: boolean; readonly createdAt: Date }
  const view = (r: Row) => ({ id: r.id, number: r.number, provider: r.provider, friendlyName: r.friendlyName, isDefault: r.isDefault, isActive: r.isActive, createdAt: iso(r.createdAt) })
  const cols = sql.literal("id, number, provider, friendly_name, is_default, is_active, created_at")
  return handlers.handleAll({
    list: () => inOrg(sql<Row>`SELECT ${cols} FROM phone_numbers ORDER BY number`).pipe(Effect.map((rows) => rows.map(view))),
    create: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("manager", "adding phone numbers")
        const number = yield* normalizePhone(payload.number, "number")
        const rows = yield* inOrg(sql<Row>`INSERT INTO phone_numbers ${sql.insert({
          id: yield* UuidV7.generate, orgId: p.orgId, number, provider: payload.provider, providerSid: payload.providerSid ?? null,
          friendlyName: payload.friendlyName ?? null, isDefault: payload.isDefault ?? false
        })} RETURNING ${cols}`)
        return view(rows[0]!)
      }),
    remove: ({ params }) =>
      Effect.gen(function*() {
        yield* requireRole("manager", "removing phone numbers")
        const rows = yield* inOrg(sql`DELETE FROM phone_numbers WHERE id = ${params.id} RETURNING id`)
        if (rows.length === 0) return yield* notFound("phone number", params.id)
      })
  })
}))

export const DispositionsHandlers = HttpApiBuilder.group(Api, "dispositions", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  interface Row { readonly id: string; readonly code: string; readonly label: string; readonly humanAnswered: boolean; readonly contact: boolean; readonly sale: boolean; readonly dnc: boolean; readonly callback: boolean; readonly isActive: boolean }
  const cols = sql.literal("id, code, label, human_answered, contact, sale, dnc, callback, is_active")
  return handlers.handleAll({
    list: () => inOrg(sql<Row>`SELECT ${cols} FROM dispositions ORDER BY sort_order, code`).pipe(Effect.map((rows) => rows.map((r) => ({ ...r })))),
    create: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("manager", "defining dispositions")
        if (payload.sale === true && payload.contact === false) {
          return yield* new InvalidRequest({ field: "contact", message: "a sale is always a contact: set contact to true (or omit it)" })
        }
        const rows = yield* inOrg(sql<Row>`INSERT INTO dispositions ${sql.insert({
          id: yield* UuidV7.generate, orgId: p.orgId, code: payload.code, label: payload.label,
          humanAnswered: payload.humanAnswered ?? (payload.contact ?? payload.sale ?? false),
          contact: payload.contact ?? payload.sale ?? false, sale: payload.sale ?? false, dnc: payload.dnc ?? false, callback: payload.callback ?? false
        })} RETURNING ${cols}`)
        return { ...rows[0]! }
      })
  })
}))

interface VoiceRow { readonly id: string; readonly name: string; readonly url: string; readonly status: string; readonly priority: number; readonly maxConcurrentCalls: number | null; readonly lastVerifiedAt: Date | null }
const voiceView = (r: VoiceRow) => ({ id: r.id, name: r.name, url: r.url, status: r.status, priority: r.priority, maxConcurrentCalls: r.maxConcurrentCalls, lastVerifiedAt: isoOrNull(r.lastVerifiedAt) })

/** The HTTP health URL of a voice server's ws(s) URL. */
export const healthUrl = (wsUrl: string): string => {
  const u = new URL(wsUrl.replace(/^ws/, "http"))
  u.pathname = "/health"
  u.search = ""
  return u.href
}

export const VoiceServersHandlers = HttpApiBuilder.group(Api, "voiceServers", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const realtime = yield* Realtime
  const cols = sql.literal("id, name, url, status, priority, max_concurrent_calls, last_verified_at")
  const get = (id: string) =>
    inOrg(sql<VoiceRow>`SELECT ${cols} FROM voice_servers WHERE id = ${id}`).pipe(
      Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0]) : Effect.fail(notFound("voice server", id))))
  const getCall = (id: string) =>
    inOrg(selectCall(sql, id)).pipe(Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0]) : Effect.fail(notFound("call", id))))
  return handlers.handleAll({
    list: () => inOrg(sql<VoiceRow>`SELECT ${cols} FROM voice_servers ORDER BY priority, name`).pipe(Effect.map((rows) => rows.map(voiceView))),
    register: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("manager", "registering voice servers")
        const rows = yield* inOrg(sql<VoiceRow>`INSERT INTO voice_servers ${sql.insert({
          id: yield* UuidV7.generate, orgId: p.orgId, name: payload.name, url: payload.url,
          priority: payload.priority ?? 100, maxConcurrentCalls: payload.maxConcurrentCalls ?? null
        })} RETURNING ${cols}`)
        return voiceView(rows[0]!)
      }),
    update: ({ params, payload }) =>
      Effect.gen(function*() {
        yield* requireRole("manager", "changing voice servers")
        yield* get(params.id)
        const patch: Record<string, unknown> = {}
        if (payload.priority !== undefined) patch["priority"] = payload.priority
        if (payload.maxConcurrentCalls !== undefined) patch["maxConcurrentCalls"] = payload.maxConcurrentCalls
        if (payload.status !== undefined) patch["status"] = payload.status
        if (Object.keys(patch).length > 0) yield* inOrg(sql`UPDATE voice_servers SET ${sql.update(patch)} WHERE id = ${params.id}`)
        return voiceView(yield* get(params.id))
      }),
    verify: ({ params }) =>
      Effect.gen(function*() {
        yield* requireRole("manager", "verifying voice servers")
        const server = yield* get(params.id)
        const healthy = yield* Effect.tryPromise(async () => {
          const response = await fetch(healthUrl(server.url), { signal: AbortSignal.timeout(3_000) })
          return response.ok
        }).pipe(Effect.orElseSucceed(() => false))
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* inOrg(sql`UPDATE voice_servers SET status = ${healthy ? "active" : "degraded"}, last_verified_at = ${healthy ? now : server.lastVerifiedAt}
          WHERE id = ${params.id}`)
        return voiceView(yield* get(params.id))
      }),
    transcript: ({ params, payload }) =>
      Effect.gen(function*() {
        yield* getCall(params.callId)
        yield* inOrg(sql`UPDATE calls SET transcript = ${payload.transcript}, transcript_status = 'completed',
          summary = COALESCE(${payload.summary ?? null}, summary), sentiment = COALESCE(${payload.sentiment ?? null}, sentiment)
          WHERE id = ${params.callId}`)
        return callView(yield* getCall(params.callId))
      }),
    transfer: ({ params, payload }) =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const call = yield* getCall(params.callId)
        if (call.endedAt !== null) return yield* new Conflict({ message: `call ${params.callId} has ended; only a live call can be transferred` })
        const target = payload.target
        let agentId: string | null = null
        let label: string
        if (target.kind === "number") {
          label = yield* normalizePhone(target.number, "target.number")
        } else {
          const candidates = yield* inOrg(currentStates(sql))
          const pool = target.kind === "agent"
            ? candidates.filter((a) => a.agentId === target.agentId)
            : yield* inOrg(sql<{ readonly id: string }>`SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id WHERE lower(t.name) = ${target.team.toLowerCase()}`).pipe(
              Effect.map((members) => candidates.filter((a) => members.some((m) => m.id === a.agentId))))
          if (target.kind === "agent" && pool.length === 0) return yield* notFound("agent", target.agentId)
          // Longest idle first, as an ACD would.
          const free = pool.filter((a) => a.state === "available").sort((a, b) => (a.changedAt?.getTime() ?? 0) - (b.changedAt?.getTime() ?? 0))
          const chosen = free[0]
          if (chosen === undefined) {
            return yield* new Conflict({
              message: target.kind === "agent"
                ? `agent ${target.agentId} is not available; retry or transfer to a department`
                : `nobody in department '${target.team}' is available; retry shortly or transfer to a number`
            })
          }
          agentId = chosen.agentId
          label = target.kind === "agent" ? `agent:${chosen.agentId}` : `department:${target.team}`
        }
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* inOrg(Effect.gen(function*() {
          yield* sql`UPDATE calls SET is_transferred = true, transferred_to = ${label}, transferred_at = ${now},
            agent_id = COALESCE(${agentId}, agent_id) WHERE id = ${params.callId}`
          if (agentId !== null) {
            yield* recordState({ orgId: p.orgId, agentId, state: "on_call", campaignId: call.campaignId, callId: call.id, reason: "transfer" })
            yield* realtime.publish({
              orgId: p.orgId, channel: userChannel(agentId), type: "call.offered", at: now.getTime(),
              data: { callId: call.id, contactId: call.contactId, campaignId: call.campaignId, transfer: { reason: payload.reason ?? null, summary: call.summary } }
            })
          }
        }).pipe(Effect.provideService(Realtime, realtime)))
        return { callId: call.id, transferredTo: label, agentId }
      })
  })
}))

export const layer = Layer.mergeAll(PhoneNumbersHandlers, DispositionsHandlers, VoiceServersHandlers)
