/**
 * The supervisor's live numbers of one campaign, computed from what Postgres
 * holds (queue, calls, agent state log), so every server process and the CLI
 * see the same figures. Run inside the caller's tenant transaction.
 */
import { Clock, Effect } from "effect"
import { SqlClient } from "effect/sql"
import type { CampaignStats } from "./api/Resources.ts"

const liveStatuses = ["queued", "initiated", "ringing", "in_progress"]

export const compute = (campaignId: string, status: string, abandonLimit: number, runtime: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const now = yield* Clock.currentTimeMillis
    const queue = yield* sql<{ readonly pending: number; readonly inProgress: number; readonly done: number }>`
      SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
             count(*) FILTER (WHERE status IN ('reserved', 'dialing'))::int AS in_progress,
             count(*) FILTER (WHERE status IN ('completed', 'exhausted', 'removed'))::int AS done
      FROM campaign_contacts WHERE campaign_id = ${campaignId}`
    const calls = yield* sql<{
      readonly placed: number; readonly inFlight: number; readonly connects: number; readonly abandoned: number
      readonly liveAnswers: number; readonly talk: number
    }>`
      SELECT count(*)::int AS placed,
             count(*) FILTER (WHERE status IN ${sql.in(liveStatuses)})::int AS in_flight,
             count(*) FILTER (WHERE agent_id IS NOT NULL AND answered_at IS NOT NULL)::int AS connects,
             count(*) FILTER (WHERE outcome = 'abandoned')::int AS abandoned,
             count(*) FILTER (WHERE answered_by = 'human' OR outcome IN ('human_answered', 'abandoned'))::int AS live_answers,
             COALESCE(sum(talk_duration_seconds) FILTER (WHERE agent_id IS NOT NULL), 0)::int AS talk
      FROM calls WHERE campaign_id = ${campaignId}`
    // Time each agent spent logged in to this campaign: each state lasts until the next one (or now).
    const agents = yield* sql<{ readonly state: string; readonly n: number; readonly loggedSeconds: number }>`
      WITH log AS (
        SELECT agent_id, state, campaign_id, changed_at,
               LEAD(changed_at) OVER (PARTITION BY agent_id ORDER BY changed_at, id) AS until,
               ROW_NUMBER() OVER (PARTITION BY agent_id ORDER BY changed_at DESC, id DESC) AS rn
        FROM agent_state_log WHERE campaign_id = ${campaignId}
      )
      SELECT state, count(*) FILTER (WHERE rn = 1)::int AS n,
             COALESCE(sum(EXTRACT(EPOCH FROM (COALESCE(until, ${new Date(now)}) - changed_at))) FILTER (WHERE state <> 'offline'), 0)::float8 AS logged_seconds
      FROM log GROUP BY state`
    const counts = { offline: 0, available: 0, reserved: 0, on_call: 0, wrap_up: 0, paused: 0 }
    let loggedSeconds = 0
    for (const a of agents) {
      if (a.state in counts) counts[a.state as keyof typeof counts] = a.n
      loggedSeconds += a.loggedSeconds
    }
    const q = queue[0]!
    const c = calls[0]!
    const staffed = counts.available + counts.reserved + counts.on_call
    const stats: CampaignStats = {
      campaignId,
      status,
      runtime,
      queue: { pending: q.pending, inProgress: q.inProgress, done: q.done },
      callsPlaced: c.placed,
      callsInFlight: c.inFlight,
      connects: c.connects,
      abandoned: c.abandoned,
      abandonRate: c.liveAnswers > 0 ? c.abandoned / c.liveAnswers : 0,
      abandonLimit,
      dialLevel: staffed > 0 ? c.inFlight / staffed : 0,
      agents: counts,
      talkSeconds: c.talk,
      talkMinutesPerAgentHour: loggedSeconds > 0 ? (c.talk / 60) / (loggedSeconds / 3600) : 0,
      at: new Date(now).toISOString()
    }
    return stats
  })
