/**
 * Campaign handlers: CRUD (with the agent desk's pause codes, the AMD policy
 * and the caller-id choice), enrolment of contacts, lifecycle commands
 * through `CampaignControl` (the Temporal workflow), and live stats. Agents
 * may read campaigns but never change them.
 */
import { Clock, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { UuidV7 } from "@autodialer/domain"
import * as Page from "@autodialer/domain/Page"
import { Api } from "../api/Api.ts"
import { Conflict, InvalidRequest, NotFound, type Unavailable } from "../api/Errors.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { CampaignControl } from "../CampaignControl.ts"
import * as Settings from "../CampaignSettings.ts"
import * as CampaignStats from "../CampaignStats.ts"
import { campaignChannel, Realtime } from "../realtime/Realtime.ts"
import { inOrg, iso, requireRole } from "./Access.ts"

export interface CampaignRow {
  readonly id: string; readonly name: string; readonly mode: string; readonly status: string; readonly description: string | null
  readonly script: string | null; readonly callingWindow: unknown; readonly abandonPolicy: unknown; readonly attemptRules: unknown
  readonly retryRules: unknown; readonly pacing: unknown; readonly amd: unknown; readonly pauseCodes: unknown
  readonly callerIdStrategy: unknown; readonly callerIdPool: unknown; readonly voiceServerId: string | null; readonly totalCalls: number
  readonly createdAt: Date; readonly updatedAt: Date
}
export const campaignView = (r: CampaignRow) => {
  const s = Settings.fromColumns(r)
  return {
    id: r.id, name: r.name, mode: r.mode, status: r.status, description: r.description, script: r.script,
    timeZone: s.timeZone, windows: s.windows.map((w) => ({ days: [...w.days], start: w.start, end: w.end })),
    abandonLimit: s.abandonLimit, maxAttempts: s.maxAttempts, retryDelayMinutes: s.retryDelayMinutes, linesPerAgent: s.linesPerAgent,
    pauseCodes: s.pauseCodes.map((p) => ({ code: p.code, label: p.label })), amd: { ...s.amd }, callerId: { ...s.callerId },
    voiceServerId: r.voiceServerId, totalCalls: r.totalCalls, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt)
  }
}

const notFound = (id: string) => new NotFound({ resource: "campaign", id, message: `campaign ${id} does not exist in your organization` })

export const CampaignsHandlers = HttpApiBuilder.group(Api, "campaigns", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const control = yield* CampaignControl
  const realtime = yield* Realtime
  const select = (id: string) => sql<CampaignRow>`SELECT * FROM campaigns WHERE id = ${id}`
  const get = (id: string) =>
    inOrg(select(id)).pipe(Effect.flatMap((rows) => rows[0] ? Effect.succeed(rows[0]) : Effect.fail(notFound(id))))
  const manage = (action: string) => requireRole("manager", action)

  /**
   * Fails with a 400 naming the field when the settings are inconsistent or,
   * when the request sets the caller id, it names a number the organization
   * lacks. A stored caller id is not re-checked: a number removed later must
   * not block changing the rest (the dialer falls back to the default number).
   */
  const validate = (s: Settings.Settings, callerIdSet: boolean) =>
    Effect.gen(function*() {
      const problem = Settings.problem(s)
      if (problem !== undefined) return yield* new InvalidRequest(problem)
      if (!callerIdSet || s.callerId.strategy === "org_default") return
      const numbers = yield* inOrg(sql<{ readonly id: string; readonly number: string }>`
        SELECT id, number FROM phone_numbers WHERE is_active ORDER BY number`)
      if (s.callerId.strategy === "fixed") {
        const wanted = s.callerId.phoneNumberId
        if (!numbers.some((n) => n.id === wanted)) {
          return yield* new InvalidRequest({
            field: "callerId.phoneNumberId",
            message: `phone number ${wanted} is not an active number of your organization; pick one from GET /phone-numbers` +
              (numbers.length === 0 ? " (there are none yet: add one with POST /phone-numbers)" : "")
          })
        }
      } else if (numbers.length === 0) {
        return yield* new InvalidRequest({
          field: "callerId.strategy",
          message: "local presence rotates over the organization's numbers and there are none: add numbers with POST /phone-numbers, or use strategy 'org_default'"
        })
      }
    })

  const setStatus = (id: string, status: string) =>
    Effect.gen(function*() {
      const p = yield* CurrentPrincipal
      yield* inOrg(sql`UPDATE campaigns SET status = ${status} WHERE id = ${id}`)
      const at = yield* Clock.currentTimeMillis
      yield* realtime.publish({ orgId: p.orgId, channel: campaignChannel(id), type: "campaign.status", at, data: { campaignId: id, status } })
      return campaignView(yield* get(id))
    })

  const lifecycle = (
    id: string,
    action: "start" | "pause" | "resume" | "stop",
    allowedFrom: ReadonlyArray<string>,
    to: string,
    run: (row: CampaignRow) => Effect.Effect<void, Conflict | Unavailable>
  ) =>
    Effect.gen(function*() {
      yield* manage(`${action === "stop" ? "stopping" : action + "ing"} campaigns`)
      const row = yield* get(id)
      if (!allowedFrom.includes(row.status)) {
        return yield* new Conflict({
          message: `campaign ${id} is ${row.status}; '${action}' is allowed only when it is ${allowedFrom.join(" or ")}`
        })
      }
      yield* run(row)
      return yield* setStatus(id, to)
    })

  return handlers.handleAll({
    list: ({ query }) =>
      Effect.gen(function*() {
        const after = yield* Page.decodeCursor(query.cursor).pipe(
          Effect.mapError((e) => new InvalidRequest({ message: e.message, field: "cursor" }))
        )
        const limit = query.limit ?? Page.defaultLimit
        const rows = yield* inOrg(sql<CampaignRow>`SELECT * FROM campaigns
          WHERE ${after === undefined ? sql`true` : sql`id < ${after}`} ORDER BY id DESC LIMIT ${limit + 1}`)
        const page = Page.fromRows(rows, limit)
        return { items: page.items.map(campaignView), nextCursor: page.nextCursor }
      }),
    get: ({ params }) => Effect.map(get(params.id), campaignView),
    create: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* manage("creating campaigns")
        const settings = Settings.merge(Settings.defaults, payload)
        yield* validate(settings, payload.callerId !== undefined)
        if (payload.mode === "agentless" && !payload.script && !payload.voiceServerId) {
          return yield* new InvalidRequest({ message: "an agentless campaign needs a script or a voiceServerId", field: "voiceServerId" })
        }
        const id = yield* UuidV7.generate
        yield* inOrg(sql`INSERT INTO campaigns ${sql.insert({
          id, orgId: p.orgId, name: payload.name, mode: payload.mode, description: payload.description ?? null,
          script: payload.script ?? null, voiceServerId: payload.voiceServerId ?? null, createdBy: p.userId,
          ...Settings.toColumns(settings)
        })}`)
        return campaignView(yield* get(id))
      }),
    update: ({ params, payload }) =>
      Effect.gen(function*() {
        yield* manage("changing campaigns")
        const row = yield* get(params.id)
        const next = Settings.merge(Settings.fromColumns(row), payload)
        yield* validate(next, payload.callerId !== undefined)
        const patch: Record<string, unknown> = { ...Settings.toColumns(next) }
        if (payload.name !== undefined) patch["name"] = payload.name
        if (payload.mode !== undefined) patch["mode"] = payload.mode
        if (payload.description !== undefined) patch["description"] = payload.description
        if (payload.script !== undefined) patch["script"] = payload.script
        if (payload.voiceServerId !== undefined) patch["voiceServerId"] = payload.voiceServerId
        yield* inOrg(sql`UPDATE campaigns SET ${sql.update(patch)} WHERE id = ${params.id}`)
        return campaignView(yield* get(params.id))
      }),
    remove: ({ params }) =>
      Effect.gen(function*() {
        yield* manage("deleting campaigns")
        const row = yield* get(params.id)
        if (row.status === "running" || row.status === "paused") {
          return yield* new Conflict({ message: `campaign ${params.id} is ${row.status}; stop it before deleting it` })
        }
        yield* inOrg(sql`DELETE FROM campaigns WHERE id = ${params.id}`)
      }),
    enrol: ({ params, payload }) =>
      Effect.gen(function*() {
        const p = yield* manage("adding contacts to campaigns")
        yield* get(params.id)
        return yield* inOrg(Effect.gen(function*() {
          const candidates = yield* sql<{ readonly id: string; readonly dnc: boolean }>`
            SELECT c.id, EXISTS (
              SELECT 1 FROM dnc_entries d WHERE d.phone = c.phone AND (d.campaign_id IS NULL OR d.campaign_id = ${params.id})
                AND (d.expires_at IS NULL OR d.expires_at > now())
            ) AS dnc
            FROM contacts c
            WHERE ${payload.contactIds === undefined ? sql`true` : sql`c.id IN ${sql.in([...payload.contactIds, "00000000-0000-0000-0000-000000000000"])}`}
              AND NOT EXISTS (SELECT 1 FROM campaign_contacts cc WHERE cc.campaign_id = ${params.id} AND cc.contact_id = c.id)`
          if (payload.contactIds !== undefined) {
            const known = yield* sql<{ readonly id: string }>`SELECT id FROM contacts WHERE id IN ${sql.in([...payload.contactIds, "00000000-0000-0000-0000-000000000000"])}`
            const missing = payload.contactIds.filter((id) => !known.some((k) => k.id === id))
            if (missing.length > 0) {
              return yield* new NotFound({ resource: "contact", id: missing[0]!, message: `contact ${missing[0]} does not exist in your organization` })
            }
          }
          let enrolled = 0
          let skippedDnc = 0
          for (const c of candidates) {
            if (c.dnc) {
              skippedDnc++
              continue
            }
            yield* sql`INSERT INTO campaign_contacts ${sql.insert({
              id: yield* UuidV7.generate, orgId: p.orgId, campaignId: params.id, contactId: c.id, priority: payload.priority ?? 0
            })} ON CONFLICT DO NOTHING`
            enrolled++
          }
          return { enrolled, skippedDnc }
        }))
      }),
    start: ({ params }) =>
      lifecycle(params.id, "start", ["draft", "scheduled", "completed"], "running", (row) =>
        control.start(row.id, Settings.toWorkflowConfig(row.mode, Settings.fromColumns(row)))),
    pause: ({ params, payload }) =>
      lifecycle(params.id, "pause", ["running"], "paused", (row) => control.pause(row.id, payload.reason ?? "paused by a manager")),
    resume: ({ params }) => lifecycle(params.id, "resume", ["paused"], "running", (row) => control.resume(row.id)),
    stop: ({ params, payload }) =>
      lifecycle(params.id, "stop", ["running", "paused"], "completed", (row) => control.stop(row.id, payload.reason ?? "stopped by a manager")),
    stats: ({ params }) =>
      Effect.gen(function*() {
        const row = yield* get(params.id)
        const s = Settings.fromColumns(row)
        return yield* inOrg(CampaignStats.compute(row.id, row.status, s.abandonLimit, control.runtime))
      })
  })
}))

export const layer = CampaignsHandlers
