/**
 * The analytics roll-ups the ETL workflow runs: for one organization and one
 * ORGANIZATION-LOCAL calendar day, recompute from the `calls` table
 *
 * - `org_daily_snapshots` (seed 000 AnalyticsSnapshot): calls made, connected,
 *   average talk duration, connection rate, talk minutes, AI (agentless) calls;
 * - `call_metrics` (seed 002, per agent per day): calls, connected, answered
 *   (by a person), missed (not answered by a person), voicemail (answering
 *   machine / voicemail dropped), recorded (answered with a recording: a
 *   `recordings` row of kind `call` that did not fail, or a `recording_url`), total and average
 *   talk, answer rate (answered / made), recording rate (recorded / answered),
 *   wrap-up and idle seconds (from `agent_state_log`), sales;
 * - `campaign_daily_stats`: dials, human/machine answered, abandoned,
 *   transferred, sales, talk seconds, abandon rate;
 * - `contact_metrics` (lifetime, for the contacts called that day);
 * - the campaign counters `campaigns.total_calls` / `transferred_calls`
 *   (lifetime; `conversion_rate` is a generated column).
 *
 * Idempotent by construction: every figure is recomputed from the source rows
 * and written with an upsert on the natural key (AnalyticsRepo), so a retried
 * activity, a second run or a late event replaces rows instead of adding to
 * them. A key that has a row for the day but no calls any more (a call moved
 * or deleted) is rewritten with zeros.
 *
 * Time zones: a local day is the half-open instant range
 * [day 00:00 in zone, day+1 00:00 in zone), computed by Postgres with
 * `timestamp AT TIME ZONE zone`, so days around a DST change are 23 or 25
 * hours long and midnight falls where the organization's clock says it does.
 * A call belongs to the day it was placed (`initiated_at`, else `created_at`).
 */
import { AnalyticsRepo } from "@autodialer/domain/AnalyticsRepo"
import type { CampaignId, ContactId, OrganizationId, UserId } from "@autodialer/domain/Ids"
import { withSystem, withTenant } from "@autodialer/domain/Tenancy"
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"

/** The outcomes in which a person talked to us (the connection-rate numerator). */
export const connectedOutcomes = ["human_answered", "transferred"] as const

/** One organization's local day to recompute. */
export const OrgDay = Schema.Struct({
  orgId: Schema.String,
  timeZone: Schema.String,
  /** YYYY-MM-DD in `timeZone`. */
  day: Schema.String
})
export type OrgDay = typeof OrgDay.Type

export interface RollupSummary {
  readonly orgId: string
  readonly day: string
  readonly callsMade: number
  readonly agents: number
  readonly campaigns: number
  readonly contacts: number
}

export class RollupInputInvalid extends Schema.TaggedError<RollupInputInvalid>()("RollupInputInvalid", {
  field: Schema.String,
  value: Schema.String,
  expected: Schema.String
}) {
  override get message() {
    return `${this.field}: got ${this.value}, expected ${this.expected}`
  }
}

const isoDay = /^\d{4}-\d{2}-\d{2}$/

/**
 * The organizations and their local days to recompute at instant `asOf`:
 * "today" in each organization's zone and the `lookbackDays - 1` days before
 * it. The hourly schedule uses 2 (today and yesterday, so the day that just
 * ended is finished off), the daily one a longer window for late events.
 */
export const daysToRollUp = (
  asOf: string,
  lookbackDays: number,
  orgIds?: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<OrgDay>, SqlError | RollupInputInvalid, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    if (!Number.isInteger(lookbackDays) || lookbackDays < 1 || lookbackDays > 400) {
      return yield* new RollupInputInvalid({ field: "lookbackDays", value: String(lookbackDays), expected: "an integer from 1 to 400" })
    }
    if (Number.isNaN(Date.parse(asOf))) {
      return yield* new RollupInputInvalid({ field: "asOf", value: JSON.stringify(asOf), expected: "an ISO 8601 instant" })
    }
    const sql = yield* SqlClient.SqlClient
    const filter = orgIds === undefined ? sql`true` : orgIds.length === 0 ? sql`false` : sql.in("o.id", orgIds)
    // Cross-tenant by nature: the ETL walks every organization.
    return yield* withSystem(sql<OrgDay>`
      SELECT o.id::text AS "orgId", o.settings->>'defaultTimeZone' AS "timeZone", d.day::text AS "day"
      FROM organizations o
      CROSS JOIN generate_series(0, ${lookbackDays - 1}) AS k(n)
      CROSS JOIN LATERAL (
        SELECT ((${asOf}::timestamptz AT TIME ZONE (o.settings->>'defaultTimeZone'))::date - k.n) AS day
      ) d
      WHERE ${filter}
      ORDER BY o.id, d.day`)
  })

interface OrgRow {
  readonly callsMade: number
  readonly callsConnected: number
  readonly avgDurationSeconds: number | null
  readonly talkSeconds: number
  readonly aiCalls: number
}
interface AgentRow {
  readonly agentId: string
  readonly callsMade: number
  readonly callsConnected: number
  readonly answeredCalls: number
  readonly missedCalls: number
  readonly voicemailCalls: number
  readonly recordedCalls: number
  readonly talkSeconds: number
  readonly avgTalkSeconds: number | null
  readonly wrapSeconds: number
  readonly idleSeconds: number
  readonly sales: number
}
interface CampaignRow {
  readonly campaignId: string
  readonly dials: number
  readonly humanAnswered: number
  readonly machineAnswered: number
  readonly abandoned: number
  readonly transferred: number
  readonly sales: number
  readonly talkSeconds: number
}
interface ContactRow {
  readonly contactId: string
  readonly totalCalls: number
  readonly connectedCalls: number
  readonly totalTalkSeconds: number
  readonly lastCalledAt: Date | string | null
  readonly lastConnectedAt: Date | string | null
}

const ratio = (num: number, den: number): number | null => den > 0 ? num / den : null
const asDate = (v: Date | string | null): Date | null => v === null ? null : v instanceof Date ? v : new Date(v)

/**
 * Recomputes every roll-up of `orgId` for local day `day` in `timeZone`, in
 * one tenant transaction. `asOf` closes agent states still open (today).
 */
export const rollUpDay = (
  input: OrgDay,
  asOf: string
): Effect.Effect<RollupSummary, SqlError | RollupInputInvalid, SqlClient.SqlClient | AnalyticsRepo> =>
  Effect.gen(function*() {
    if (!isoDay.test(input.day) || Number.isNaN(Date.parse(`${input.day}T00:00:00Z`))) {
      return yield* new RollupInputInvalid({ field: "day", value: JSON.stringify(input.day), expected: "a calendar date YYYY-MM-DD" })
    }
    const sql = yield* SqlClient.SqlClient
    const repo = yield* AnalyticsRepo
    const orgId = input.orgId as OrganizationId
    const { day, timeZone } = input

    // The calls placed on the local day, with the flags every roll-up needs.
    const dayCalls = sql`
      bounds AS (
        SELECT (${day}::date::timestamp AT TIME ZONE ${timeZone}) AS lo,
               ((${day}::date + 1)::timestamp AT TIME ZONE ${timeZone}) AS hi
      ),
      day_calls AS (
        SELECT c.id, c.agent_id, c.campaign_id, c.contact_id, c.talk_duration_seconds, c.is_transferred,
               c.outcome IN ('human_answered', 'transferred') AS connected,
               -- coalesce: a call still in progress has neither answered_by nor outcome, so it is missed so far.
               coalesce(c.answered_by = 'human' OR c.outcome IN ('human_answered', 'transferred', 'abandoned'), false) AS human,
               (c.answered_by LIKE 'machine%' OR c.outcome IN ('answering_machine', 'voicemail_dropped')) AS machine,
               coalesce(c.outcome IN ('answering_machine', 'voicemail_dropped'), false) AS voicemail,
               (c.recording_url IS NOT NULL
                 OR EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = c.id AND r.kind = 'call' AND r.status <> 'failed')) AS recorded,
               c.outcome = 'abandoned' AS abandoned,
               coalesce(d.sale, false) AS sale,
               coalesce(cp.mode = 'agentless', false) AS ai
        FROM calls c
        CROSS JOIN bounds b
        LEFT JOIN dispositions d ON d.id = c.disposition_id
        LEFT JOIN campaigns cp ON cp.id = c.campaign_id
        WHERE c.org_id = ${orgId} AND c.direction = 'outbound' AND c.parent_call_id IS NULL AND c.status <> 'queued'
          AND coalesce(c.initiated_at, c.created_at) >= b.lo AND coalesce(c.initiated_at, c.created_at) < b.hi
      )`

    return yield* withTenant(orgId)(Effect.gen(function*() {
      const [org] = yield* sql<OrgRow>`
        WITH ${dayCalls}
        SELECT count(*)::int AS "callsMade",
               count(*) FILTER (WHERE connected)::int AS "callsConnected",
               (avg(talk_duration_seconds) FILTER (WHERE connected AND talk_duration_seconds IS NOT NULL))::float8 AS "avgDurationSeconds",
               coalesce(sum(talk_duration_seconds), 0)::int AS "talkSeconds",
               count(*) FILTER (WHERE ai)::int AS "aiCalls"
        FROM day_calls`
      const o = org!
      yield* repo.upsertOrgDaily(orgId, {
        day,
        callsMade: o.callsMade,
        callsConnected: o.callsConnected,
        avgDurationSeconds: o.avgDurationSeconds,
        connectionRate: ratio(o.callsConnected, o.callsMade),
        talkMinutes: o.talkSeconds / 60,
        aiCalls: o.aiCalls
      })

      // Agents: those with calls that day, plus those with a row already (rewritten to zero).
      // Wrap-up and idle ("available") time is the part of each agent_state_log interval inside
      // the day; an interval still open is closed at `asOf`.
      const agents = yield* sql<AgentRow>`
        WITH ${dayCalls},
        per_call AS (
          SELECT agent_id,
                 count(*)::int AS calls_made,
                 count(*) FILTER (WHERE connected)::int AS calls_connected,
                 count(*) FILTER (WHERE human)::int AS answered,
                 count(*) FILTER (WHERE NOT human)::int AS missed,
                 count(*) FILTER (WHERE voicemail AND NOT human)::int AS voicemail,
                 count(*) FILTER (WHERE human AND recorded)::int AS recorded,
                 coalesce(sum(talk_duration_seconds), 0)::int AS talk_seconds,
                 (avg(talk_duration_seconds) FILTER (WHERE connected AND talk_duration_seconds IS NOT NULL))::float8 AS avg_talk,
                 count(*) FILTER (WHERE sale)::int AS sales
          FROM day_calls WHERE agent_id IS NOT NULL GROUP BY agent_id
        ),
        intervals AS (
          SELECT s.agent_id, s.state, s.changed_at AS started,
                 coalesce(lead(s.changed_at) OVER (PARTITION BY s.agent_id ORDER BY s.changed_at, s.id), ${asOf}::timestamptz) AS ended
          FROM agent_state_log s CROSS JOIN bounds b
          WHERE s.org_id = ${orgId} AND s.changed_at < b.hi
        ),
        per_state AS (
          SELECT i.agent_id,
                 coalesce(sum(extract(epoch FROM least(i.ended, b.hi) - greatest(i.started, b.lo))) FILTER (WHERE i.state = 'wrap_up'), 0) AS wrap,
                 coalesce(sum(extract(epoch FROM least(i.ended, b.hi) - greatest(i.started, b.lo))) FILTER (WHERE i.state = 'available'), 0) AS idle
          FROM intervals i CROSS JOIN bounds b
          WHERE i.ended > b.lo AND i.started < b.hi AND least(i.ended, b.hi) > greatest(i.started, b.lo)
          GROUP BY i.agent_id
        ),
        keys AS (
          SELECT agent_id FROM per_call
          UNION SELECT agent_id FROM per_state
          UNION SELECT agent_id FROM call_metrics WHERE org_id = ${orgId} AND day = ${day}::date
        )
        SELECT k.agent_id::text AS "agentId",
               coalesce(pc.calls_made, 0) AS "callsMade",
               coalesce(pc.calls_connected, 0) AS "callsConnected",
               coalesce(pc.answered, 0) AS "answeredCalls",
               coalesce(pc.missed, 0) AS "missedCalls",
               coalesce(pc.voicemail, 0) AS "voicemailCalls",
               coalesce(pc.recorded, 0) AS "recordedCalls",
               coalesce(pc.talk_seconds, 0) AS "talkSeconds",
               pc.avg_talk AS "avgTalkSeconds",
               round(coalesce(ps.wrap, 0))::int AS "wrapSeconds",
               round(coalesce(ps.idle, 0))::int AS "idleSeconds",
               coalesce(pc.sales, 0) AS "sales"
        FROM keys k
        LEFT JOIN per_call pc ON pc.agent_id = k.agent_id
        LEFT JOIN per_state ps ON ps.agent_id = k.agent_id
        ORDER BY k.agent_id`
      for (const a of agents) {
        yield* repo.upsertCallMetric(orgId, {
          day,
          agentId: a.agentId as UserId,
          callsMade: a.callsMade,
          callsConnected: a.callsConnected,
          answeredCalls: a.answeredCalls,
          missedCalls: a.missedCalls,
          voicemailCalls: a.voicemailCalls,
          recordedCalls: a.recordedCalls,
          talkSeconds: a.talkSeconds,
          avgTalkSeconds: a.avgTalkSeconds,
          answerRate: ratio(a.answeredCalls, a.callsMade),
          recordingRate: ratio(a.recordedCalls, a.answeredCalls),
          wrapSeconds: a.wrapSeconds,
          idleSeconds: a.idleSeconds,
          sales: a.sales
        })
      }

      const campaigns = yield* sql<CampaignRow>`
        WITH ${dayCalls},
        per_campaign AS (
          SELECT campaign_id,
                 count(*)::int AS dials,
                 count(*) FILTER (WHERE human)::int AS human_answered,
                 count(*) FILTER (WHERE machine)::int AS machine_answered,
                 count(*) FILTER (WHERE abandoned)::int AS abandoned,
                 count(*) FILTER (WHERE is_transferred)::int AS transferred,
                 count(*) FILTER (WHERE sale)::int AS sales,
                 coalesce(sum(talk_duration_seconds), 0)::int AS talk_seconds
          FROM day_calls WHERE campaign_id IS NOT NULL GROUP BY campaign_id
        ),
        keys AS (
          SELECT campaign_id FROM per_campaign
          UNION SELECT campaign_id FROM campaign_daily_stats WHERE org_id = ${orgId} AND day = ${day}::date
        )
        SELECT k.campaign_id::text AS "campaignId",
               coalesce(p.dials, 0) AS "dials", coalesce(p.human_answered, 0) AS "humanAnswered",
               coalesce(p.machine_answered, 0) AS "machineAnswered", coalesce(p.abandoned, 0) AS "abandoned",
               coalesce(p.transferred, 0) AS "transferred", coalesce(p.sales, 0) AS "sales",
               coalesce(p.talk_seconds, 0) AS "talkSeconds"
        FROM keys k LEFT JOIN per_campaign p ON p.campaign_id = k.campaign_id
        ORDER BY k.campaign_id`
      for (const c of campaigns) {
        yield* repo.upsertCampaignDaily(orgId, {
          day,
          campaignId: c.campaignId as CampaignId,
          dials: c.dials,
          humanAnswered: c.humanAnswered,
          machineAnswered: c.machineAnswered,
          abandoned: c.abandoned,
          transferred: c.transferred,
          sales: c.sales,
          talkSeconds: c.talkSeconds,
          abandonRate: ratio(c.abandoned, c.humanAnswered)
        })
      }

      // Campaign counters are lifetime totals: recomputed absolutely (CampaignRepo only offers an
      // increment, which would double count on a rerun), for the campaigns dialled that day.
      if (campaigns.length > 0) {
        yield* sql`
          UPDATE campaigns cp
          SET total_calls = t.total, transferred_calls = t.transferred
          FROM (
            SELECT cp2.id,
                   count(c.id)::int AS total,
                   (count(c.id) FILTER (WHERE c.is_transferred))::int AS transferred
            FROM campaigns cp2
            LEFT JOIN calls c ON c.campaign_id = cp2.id AND c.direction = 'outbound'
              AND c.parent_call_id IS NULL AND c.status <> 'queued'
            WHERE ${sql.in("cp2.id", campaigns.map((c) => c.campaignId))}
            GROUP BY cp2.id
          ) t
          WHERE cp.id = t.id`
      }

      // Contact metrics are lifetime figures; refresh those of the contacts called that day.
      const contacts = yield* sql<ContactRow>`
        WITH ${dayCalls}
        SELECT c.contact_id::text AS "contactId",
               count(*)::int AS "totalCalls",
               count(*) FILTER (WHERE c.outcome IN ('human_answered', 'transferred'))::int AS "connectedCalls",
               coalesce(sum(c.talk_duration_seconds), 0)::int AS "totalTalkSeconds",
               max(coalesce(c.initiated_at, c.created_at)) AS "lastCalledAt",
               max(coalesce(c.answered_at, c.initiated_at, c.created_at)) FILTER (WHERE c.outcome IN ('human_answered', 'transferred')) AS "lastConnectedAt"
        FROM calls c
        WHERE c.org_id = ${orgId} AND c.direction = 'outbound' AND c.parent_call_id IS NULL AND c.status <> 'queued'
          AND c.contact_id IN (SELECT contact_id FROM day_calls WHERE contact_id IS NOT NULL)
        GROUP BY c.contact_id
        ORDER BY c.contact_id`
      for (const c of contacts) {
        yield* repo.upsertContactMetric(orgId, {
          contactId: c.contactId as ContactId,
          totalCalls: c.totalCalls,
          connectedCalls: c.connectedCalls,
          totalTalkSeconds: c.totalTalkSeconds,
          lastCalledAt: asDate(c.lastCalledAt),
          lastConnectedAt: asDate(c.lastConnectedAt)
        })
      }

      return { orgId, day, callsMade: o.callsMade, agents: agents.length, campaigns: campaigns.length, contacts: contacts.length }
    }))
  })
