/**
 * The embedded default's campaign driver when no Temporal server can be had:
 * it runs the workflows package's dialing session (the one dialing loop) for
 * each campaign whose status is `running`, doing in process what the campaign
 * workflow does with Temporal: a session while the calling window is open,
 * sleep until it opens or until retries fall due, a new session after a
 * failure, and `completed` once the queue is exhausted. A session ends
 * gracefully (calls in flight and wrap-ups finish) when the campaign's status
 * leaves `running` (pause or stop through the API).
 *
 * It keeps no durable state of its own: the session rebuilds from Postgres,
 * so a restart of the process resumes every running campaign.
 */
import { Clock, Effect, Fiber } from "effect"
import { SqlClient } from "effect/sql"
import { Tenancy } from "@autodialer/domain"
import { type SessionOptions, defaultSessionOptions, runSession } from "@autodialer/workflows/activities/DialingSession"
import { windowState } from "@autodialer/workflows/CallingWindow"
import * as Settings from "../CampaignSettings.ts"
import { campaignChannel, Realtime } from "../realtime/Realtime.ts"

export interface Options {
  readonly session?: Partial<SessionOptions>
  /** How often running campaigns and their statuses are read. */
  readonly pollMs?: number
}

interface CampaignRow {
  readonly id: string
  readonly orgId: string
  readonly mode: string
  readonly callingWindow: unknown
  readonly abandonPolicy: unknown
  readonly attemptRules: unknown
  readonly retryRules: unknown
  readonly pacing: unknown
}

/** Marks an exhausted campaign completed (if still running) and tells its supervisors. */
export const markCompleted = (campaignId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const realtime = yield* Realtime
    const rows = yield* Tenancy.withSystem(sql<{ readonly orgId: string }>`
      UPDATE campaigns SET status = 'completed' WHERE id = ${campaignId} AND status = 'running' RETURNING org_id`)
    const org = rows[0]
    if (org === undefined) return
    yield* realtime.publish({
      orgId: org.orgId, channel: campaignChannel(campaignId), type: "campaign.status", at: yield* Clock.currentTimeMillis,
      data: { campaignId, status: "completed" }
    })
  })

/** Runs forever (fork it in the server's scope); interrupting it interrupts the sessions. */
export const run = (options: Options = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const pollMs = options.pollMs ?? 1_000
    const session: SessionOptions = { ...defaultSessionOptions, ...options.session }
    const boot = (yield* Clock.currentTimeMillis).toString(36)
    const running = new Map<string, CampaignRow>()
    const drivers = new Map<string, Fiber.Fiber<void, unknown>>()

    const driver = (campaignId: string) =>
      Effect.gen(function*() {
        let attempt = 0
        for (;;) {
          const row = running.get(campaignId)
          if (row === undefined) return
          const config = Settings.toWorkflowConfig(row.mode, Settings.fromColumns(row))
          const now = yield* Clock.currentTimeMillis
          const window = windowState(config.windows, config.timeZone, now)
          if (!window.open) {
            // Outside every window: look again soon (the window, or the campaign's status, may change).
            yield* Effect.sleep(Math.max(100, Math.min(pollMs * 5, (window.opensAt ?? Infinity) - now)))
            continue
          }
          attempt++
          const report = yield* Effect.result(runSession({
            campaignId, config, configVersion: 1, windowClosesAt: window.closesAt, draining: false,
            sessionKey: `inproc:${campaignId}:${boot}`
          }, {
            attempt,
            heartbeat: () => undefined,
            cancelRequested: () => !running.has(campaignId)
          }, session))
          if (report._tag === "Failure") {
            yield* Effect.logWarning(`dialing session of campaign ${campaignId} failed; a new one starts in a second`, report.failure)
            yield* Effect.sleep(1_000)
            continue
          }
          const r = report.success
          if (r.outcome === "exhausted") {
            return yield* markCompleted(campaignId).pipe(Effect.catchCause((cause) => Effect.logWarning("could not mark the campaign completed", cause)))
          }
          if (r.outcome === "idle") {
            const wake = (r.nextDueAt ?? now + pollMs) - (yield* Clock.currentTimeMillis)
            yield* Effect.sleep(Math.max(100, Math.min(wake, pollMs * 5)))
          }
        }
      }).pipe(Effect.annotateLogs({ campaignId }))

    const poll = Effect.gen(function*() {
      const rows = yield* Tenancy.withSystem(sql<CampaignRow>`
        SELECT id, org_id, mode, calling_window, abandon_policy, attempt_rules, retry_rules, pacing FROM campaigns WHERE status = 'running'`)
      const seen = new Set(rows.map((r) => r.id))
      for (const id of [...running.keys()]) if (!seen.has(id)) running.delete(id)
      for (const row of rows) running.set(row.id, row)
      for (const [id, fiber] of drivers) if (fiber.pollUnsafe() !== undefined) drivers.delete(id)
      for (const row of rows) {
        if (drivers.has(row.id)) continue
        drivers.set(row.id, yield* Effect.forkChild(driver(row.id)))
      }
    }).pipe(Effect.catchCause((cause) => Effect.logWarning("in-process campaigns: poll failed; retrying", cause)))

    return yield* Effect.forever(Effect.andThen(poll, Effect.sleep(pollMs)))
  })
