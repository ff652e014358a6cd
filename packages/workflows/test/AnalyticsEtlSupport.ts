/**
 * The analytics roll-ups checked against the calls table, shared by the ETL
 * test and the CRM end-to-end test: `snapshot` reads every roll-up row (no
 * `updated_at`), and `expectMatchesCalls` compares them with independent SQL
 * aggregates over `calls`, grouped by `(instant AT TIME ZONE org zone)::date`
 * (a different formulation from the ETL's instant ranges).
 */
import { expect } from "vitest"

type Row = Record<string, unknown>

/** `query` runs SQL as the system role on a client that camel-cases column names. */
export const rollupChecks = (query: (text: string) => Promise<ReadonlyArray<Row>>) => {
  /** Every roll-up row, without `updated_at`, in a stable order. */
  const snapshot = async () => ({
    org: await query(`SELECT id, org_id, day::text, calls_made, calls_connected, avg_duration_seconds, connection_rate, talk_minutes, ai_calls
                      FROM org_daily_snapshots ORDER BY org_id, day`),
    agents: await query(`SELECT id, org_id, day::text, agent_id, calls_made, calls_connected, answered_calls, missed_calls, voicemail_calls,
                         recorded_calls, talk_seconds, avg_talk_seconds, answer_rate, recording_rate, wrap_seconds, idle_seconds, sales
                         FROM call_metrics ORDER BY org_id, day, agent_id`),
    campaigns: await query(`SELECT id, org_id, campaign_id, day::text, dials, human_answered, machine_answered, abandoned, transferred, sales,
                            talk_seconds, abandon_rate FROM campaign_daily_stats ORDER BY campaign_id, day`),
    contacts: await query(`SELECT id, org_id, contact_id, total_calls, connected_calls, total_talk_seconds, last_called_at, last_connected_at
                           FROM contact_metrics ORDER BY contact_id`),
    counters: await query(`SELECT id, total_calls, transferred_calls, conversion_rate FROM campaigns ORDER BY id`)
  })

  // The independent aggregates: local day by `AT TIME ZONE` on each call, grouped.
  const callsByLocalDay = `
    SELECT c.*, (coalesce(c.initiated_at, c.created_at) AT TIME ZONE (o.settings->>'defaultTimeZone'))::date::text AS local_day,
           coalesce(d.sale, false) AS is_sale, coalesce(cp.mode = 'agentless', false) AS is_ai
    FROM calls c JOIN organizations o ON o.id = c.org_id
    LEFT JOIN dispositions d ON d.id = c.disposition_id LEFT JOIN campaigns cp ON cp.id = c.campaign_id
    WHERE c.direction = 'outbound' AND c.parent_call_id IS NULL AND c.status <> 'queued'`
  const expectedOrg = () => query(`
    SELECT org_id, local_day AS day, count(*)::int AS calls_made,
           count(*) FILTER (WHERE outcome IN ('human_answered', 'transferred'))::int AS calls_connected,
           (sum(talk_duration_seconds) FILTER (WHERE outcome IN ('human_answered', 'transferred'))::float8
             / nullif(count(talk_duration_seconds) FILTER (WHERE outcome IN ('human_answered', 'transferred')), 0)) AS avg_duration_seconds,
           coalesce(sum(talk_duration_seconds), 0)::float8 / 60 AS talk_minutes,
           count(*) FILTER (WHERE is_ai)::int AS ai_calls
    FROM (${callsByLocalDay}) x GROUP BY org_id, local_day`)
  const expectedAgents = () => query(`
    SELECT org_id, local_day AS day, agent_id, count(*)::int AS calls_made,
           count(*) FILTER (WHERE outcome IN ('human_answered', 'transferred'))::int AS calls_connected,
           count(*) FILTER (WHERE is_human)::int AS answered_calls,
           (count(*) - count(*) FILTER (WHERE is_human))::int AS missed_calls,
           count(*) FILTER (WHERE outcome IN ('answering_machine', 'voicemail_dropped') AND NOT is_human)::int AS voicemail_calls,
           count(*) FILTER (WHERE is_human AND (recording_url IS NOT NULL OR id IN (
             SELECT call_id FROM recordings WHERE kind = 'call' AND status IN ('in_progress', 'completed', 'deleted'))))::int AS recorded_calls,
           coalesce(sum(talk_duration_seconds), 0)::int AS talk_seconds,
           (sum(talk_duration_seconds) FILTER (WHERE outcome IN ('human_answered', 'transferred'))::float8
             / nullif(count(talk_duration_seconds) FILTER (WHERE outcome IN ('human_answered', 'transferred')), 0)) AS avg_talk_seconds,
           count(*) FILTER (WHERE is_sale)::int AS sales
    FROM (SELECT *, (answered_by IS NOT DISTINCT FROM 'human' OR outcome IS NOT DISTINCT FROM 'human_answered'
                     OR outcome IS NOT DISTINCT FROM 'transferred' OR outcome IS NOT DISTINCT FROM 'abandoned') AS is_human
          FROM (${callsByLocalDay}) y) x
    WHERE agent_id IS NOT NULL GROUP BY org_id, local_day, agent_id`)
  const expectedCampaigns = () => query(`
    SELECT campaign_id, local_day AS day, count(*)::int AS dials,
           count(*) FILTER (WHERE answered_by = 'human' OR outcome IN ('human_answered', 'transferred', 'abandoned'))::int AS human_answered,
           count(*) FILTER (WHERE answered_by LIKE 'machine%' OR outcome IN ('answering_machine', 'voicemail_dropped'))::int AS machine_answered,
           count(*) FILTER (WHERE outcome = 'abandoned')::int AS abandoned,
           count(*) FILTER (WHERE is_transferred)::int AS transferred,
           count(*) FILTER (WHERE is_sale)::int AS sales,
           coalesce(sum(talk_duration_seconds), 0)::int AS talk_seconds
    FROM (${callsByLocalDay}) x WHERE campaign_id IS NOT NULL GROUP BY campaign_id, local_day`)
  const expectedContacts = () => query(`
    SELECT contact_id, count(*)::int AS total_calls,
           count(*) FILTER (WHERE outcome IN ('human_answered', 'transferred'))::int AS connected_calls,
           coalesce(sum(talk_duration_seconds), 0)::int AS total_talk_seconds
    FROM (${callsByLocalDay}) x WHERE contact_id IS NOT NULL GROUP BY contact_id`)
  const expectedCounters = () => query(`
    SELECT cp.id, count(x.id)::int AS total_calls, (count(x.id) FILTER (WHERE x.is_transferred))::int AS transferred_calls
    FROM campaigns cp LEFT JOIN (${callsByLocalDay}) x ON x.campaign_id = cp.id GROUP BY cp.id`)

  const close = (a: unknown, b: unknown) => a === null || b === null ? a === b : Math.abs(Number(a) - Number(b)) < 1e-9

  /** The roll-ups equal the independent aggregates (missing expected rows mean a day without calls: zeros). */
  const expectMatchesCalls = async () => {
    const got = await snapshot()
    const org = new Map((await expectedOrg()).map((r) => [`${r["orgId"]}|${r["day"]}`, r]))
    for (const row of got.org) {
      const e = org.get(`${row["orgId"]}|${row["day"]}`)
      const what = `org ${row["orgId"]} day ${row["day"]}`
      expect(row["callsMade"], what).toBe(e?.["callsMade"] ?? 0)
      expect(row["callsConnected"], what).toBe(e?.["callsConnected"] ?? 0)
      expect(close(row["avgDurationSeconds"], e?.["avgDurationSeconds"] ?? null), `${what} avg ${row["avgDurationSeconds"]}`).toBe(true)
      expect(close(row["talkMinutes"], e?.["talkMinutes"] ?? 0), what).toBe(true)
      expect(row["aiCalls"], what).toBe(e?.["aiCalls"] ?? 0)
      const made = Number(e?.["callsMade"] ?? 0)
      expect(close(row["connectionRate"], made === 0 ? null : Number(e?.["callsConnected"]) / made), what).toBe(true)
      org.delete(`${row["orgId"]}|${row["day"]}`)
    }
    expect([...org.keys()], "days with calls but no snapshot").toEqual([])

    const agents = new Map((await expectedAgents()).map((r) => [`${r["orgId"]}|${r["day"]}|${r["agentId"]}`, r]))
    for (const row of got.agents) {
      const key = `${row["orgId"]}|${row["day"]}|${row["agentId"]}`
      const e = agents.get(key)
      for (const f of ["callsMade", "callsConnected", "answeredCalls", "missedCalls", "voicemailCalls", "recordedCalls", "talkSeconds", "sales"]) {
        expect(row[f], `${key} ${f}`).toBe(e?.[f] ?? 0)
      }
      expect(close(row["avgTalkSeconds"], e?.["avgTalkSeconds"] ?? null), `${key} avgTalkSeconds ${row["avgTalkSeconds"]}`).toBe(true)
      const made = Number(e?.["callsMade"] ?? 0)
      const answered = Number(e?.["answeredCalls"] ?? 0)
      expect(close(row["answerRate"], made === 0 ? null : answered / made), `${key} answerRate`).toBe(true)
      expect(close(row["recordingRate"], answered === 0 ? null : Number(e?.["recordedCalls"]) / answered), `${key} recordingRate`).toBe(true)
      agents.delete(key)
    }
    expect([...agents.keys()], "agent days with calls but no call_metrics row").toEqual([])

    const campaigns = new Map((await expectedCampaigns()).map((r) => [`${r["campaignId"]}|${r["day"]}`, r]))
    for (const row of got.campaigns) {
      const key = `${row["campaignId"]}|${row["day"]}`
      const e = campaigns.get(key)
      for (const f of ["dials", "humanAnswered", "machineAnswered", "abandoned", "transferred", "sales", "talkSeconds"]) {
        expect(row[f], `${key} ${f}`).toBe(e?.[f] ?? 0)
      }
      const human = Number(e?.["humanAnswered"] ?? 0)
      expect(close(row["abandonRate"], human === 0 ? null : Number(e?.["abandoned"]) / human), key).toBe(true)
      campaigns.delete(key)
    }
    expect([...campaigns.keys()], "campaign days with calls but no stats row").toEqual([])

    const contacts = await expectedContacts()
    expect(got.contacts.map((r) => [r["contactId"], r["totalCalls"], r["connectedCalls"], r["totalTalkSeconds"]]).sort())
      .toEqual(contacts.map((r) => [r["contactId"], r["totalCalls"], r["connectedCalls"], r["totalTalkSeconds"]]).sort())

    const counters = await expectedCounters()
    expect(got.counters.map((r) => [r["id"], r["totalCalls"], r["transferredCalls"]]).sort())
      .toEqual(counters.map((r) => [r["id"], r["totalCalls"], r["transferredCalls"]]).sort())
    return got
  }
  return { snapshot, expectMatchesCalls }
}
