/**
 * The realtime channels over Server-Sent Events (browsers' `EventSource`;
 * the token may be passed as `?access_token=` because EventSource cannot set
 * headers):
 *
 * - `GET /realtime/me`: the caller's own channel: `call.offered`,
 *   `call.connected` (screen-pop: contact and campaign script), `call.ended`,
 *   `agent.state`, `wrapup.started` (with its deadline), `wrapup.timer` (each
 *   second while in wrap-up), `preview.offered` and `import.progress`.
 * - `GET /realtime/campaigns/:id` (managers and admins): `campaign.stats`
 *   every 2 s (dial level, calls in flight, agents by state, abandon rate
 *   against its limit, talk minutes per agent-hour) plus `agent.state`,
 *   `call.ended`, `campaign.pacing` (the dialing session's own snapshot) and
 *   `campaign.status` as they happen.
 *
 * The dialing session's events reach these channels through
 * `SessionEvents.ts`.
 *
 * Every event is filtered by the caller's organization before it is sent.
 */
import { Effect, Layer, Schedule, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { SqlClient } from "effect/sql"
import { Tenancy } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { rank } from "../api/Security.ts"
import * as CampaignStats from "../CampaignStats.ts"
import * as Settings from "../CampaignSettings.ts"
import { resolveToken } from "../http/Authentication.ts"
import { CampaignControl } from "../CampaignControl.ts"
import { campaignChannel, Realtime, type RealtimeEvent, userChannel } from "./Realtime.ts"

const encoder = new TextEncoder()
export const formatSse = (event: { readonly type: string; readonly data: unknown }): Uint8Array =>
  encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`)

const problem = (status: number, tag: string, message: string) => HttpServerResponse.jsonUnsafe({ _tag: tag, message }, { status })

const authenticate = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const header = request.headers["authorization"]
  const fromHeader = header?.startsWith("Bearer ") ? header.slice(7) : undefined
  const fromQuery = new URL(request.url, "http://x").searchParams.get("access_token") ?? undefined
  const token = fromHeader ?? fromQuery
  if (token === undefined) return yield* Effect.fail("send Authorization: Bearer <token> or ?access_token=<token>")
  return yield* resolveToken(token).pipe(Effect.mapError((e) => e.message))
})

const sse = (events: Stream.Stream<{ readonly type: string; readonly data: unknown }>) =>
  HttpServerResponse.stream(
    Stream.concat(Stream.make({ type: "ready", data: {} }), events).pipe(
      Stream.merge(Stream.tick("15 seconds").pipe(Stream.map(() => ({ type: "ping", data: {} })))),
      Stream.map(formatSse)
    ),
    { contentType: "text/event-stream", headers: { "cache-control": "no-cache", "x-accel-buffering": "no" } }
  )

const me = Effect.gen(function*() {
  const auth = yield* authenticate.pipe(Effect.result)
  if (auth._tag === "Failure") return problem(401, "Unauthorized", auth.failure)
  const p = auth.success
  const realtime = yield* Realtime
  const sql = yield* SqlClient.SqlClient
  const events = Stream.unwrap(realtime.subscribe(p.orgId, userChannel(p.userId)))
  const wrapTimer = Stream.fromEffectSchedule(
    Tenancy.withTenant(p.orgId as OrganizationId)(sql<{ readonly state: string; readonly changedAt: Date }>`
      SELECT state, changed_at FROM agent_state_log WHERE agent_id = ${p.userId} ORDER BY changed_at DESC, id DESC LIMIT 1`).pipe(
      Effect.orElseSucceed(() => [] as ReadonlyArray<{ readonly state: string; readonly changedAt: Date }>),
      Effect.provideService(SqlClient.SqlClient, sql)
    ),
    Schedule.spaced("1 second")
  ).pipe(
    Stream.flatMap((rows) => {
      const row = rows[0]
      return row !== undefined && row.state === "wrap_up"
        ? Stream.make({ type: "wrapup.timer", data: { elapsedSeconds: Math.floor((Date.now() - new Date(row.changedAt).getTime()) / 1000) } as unknown })
        : Stream.empty
    })
  )
  return sse(Stream.merge(events.pipe(Stream.map((e: RealtimeEvent) => ({ type: e.type, data: e.data }))), wrapTimer))
})

const campaign = Effect.gen(function*() {
  const auth = yield* authenticate.pipe(Effect.result)
  if (auth._tag === "Failure") return problem(401, "Unauthorized", auth.failure)
  const p = auth.success
  if (rank[p.role] < rank.manager) return problem(403, "Forbidden", "the supervisor channel needs a manager or an admin")
  const params = yield* HttpRouter.params
  const campaignId = params["id"] ?? ""
  const sql = yield* SqlClient.SqlClient
  const control = yield* CampaignControl
  const tenant = Tenancy.withTenant(p.orgId as OrganizationId)
  const load = tenant(sql<{ readonly status: string; readonly callingWindow: unknown; readonly abandonPolicy: unknown; readonly attemptRules: unknown; readonly retryRules: unknown; readonly pacing: unknown }>`
    SELECT status, calling_window, abandon_policy, attempt_rules, retry_rules, pacing FROM campaigns WHERE id = ${campaignId}`).pipe(Effect.orDie)
  const found = yield* load
  if (found[0] === undefined) return problem(404, "NotFound", `campaign ${campaignId} does not exist in your organization`)
  const stats = Stream.fromEffectSchedule(
    Effect.gen(function*() {
      const row = (yield* load)[0]!
      return yield* tenant(CampaignStats.compute(campaignId, row.status, Settings.fromColumns(row).abandonLimit, control.runtime)).pipe(Effect.orDie)
    }).pipe(Effect.provideService(SqlClient.SqlClient, sql)),
    Schedule.spaced("2 seconds")
  ).pipe(Stream.map((s) => ({ type: "campaign.stats", data: s as unknown })))
  const realtime = yield* Realtime
  const events = Stream.unwrap(realtime.subscribe(p.orgId, campaignChannel(campaignId)))
  return sse(Stream.merge(stats, events.pipe(Stream.map((e) => ({ type: e.type, data: e.data })))))
})

export const layer = Layer.mergeAll(
  HttpRouter.add("GET", "/realtime/me", me),
  HttpRouter.add("GET", "/realtime/campaigns/:id", campaign)
)
