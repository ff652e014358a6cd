/**
 * Prometheus metrics at `GET /metrics` (text exposition format 0.0.4):
 * webhook counts and latency (in-process histogram), and, read from Postgres
 * at scrape time across organizations (system role), calls by status and
 * outcome, calls in flight, running campaigns and each running campaign's
 * abandon rate against its limit.
 */
import { Context, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { SqlClient } from "effect/sql"
import { Tenancy } from "@autodialer/domain"

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export interface MetricsService {
  /** Records one webhook: provider, HTTP status and seconds spent. */
  readonly webhook: (provider: string, status: number, seconds: number) => void
  readonly render: () => string
}

export class Metrics extends Context.Service<Metrics, MetricsService>()("@autodialer/server/Metrics") {
  static readonly layer: Layer.Layer<Metrics> = Layer.sync(Metrics, () => {
    const counts = new Map<string, number>()
    const hist = new Map<string, { readonly buckets: Array<number>; sum: number; count: number }>()
    return {
      webhook: (provider, status, seconds) => {
        const key = `provider="${provider}",status="${status}"`
        counts.set(key, (counts.get(key) ?? 0) + 1)
        const h = hist.get(provider) ?? { buckets: buckets.map(() => 0), sum: 0, count: 0 }
        buckets.forEach((b, i) => {
          if (seconds <= b) h.buckets[i]!++
        })
        h.sum += seconds
        h.count++
        hist.set(provider, h)
      },
      render: () => {
        const lines = [
          "# HELP autodialer_webhooks_total Provider webhooks received, by provider and HTTP status.",
          "# TYPE autodialer_webhooks_total counter",
          ...[...counts].map(([k, v]) => `autodialer_webhooks_total{${k}} ${v}`),
          "# HELP autodialer_webhook_seconds Time to verify, store and answer a webhook.",
          "# TYPE autodialer_webhook_seconds histogram"
        ]
        for (const [provider, h] of hist) {
          buckets.forEach((b, i) => lines.push(`autodialer_webhook_seconds_bucket{provider="${provider}",le="${b}"} ${h.buckets[i]}`))
          lines.push(`autodialer_webhook_seconds_bucket{provider="${provider}",le="+Inf"} ${h.count}`)
          lines.push(`autodialer_webhook_seconds_sum{provider="${provider}"} ${h.sum}`)
          lines.push(`autodialer_webhook_seconds_count{provider="${provider}"} ${h.count}`)
        }
        return lines.join("\n")
      }
    }
  })
}

const label = (v: string | null) => (v ?? "none").replace(/["\\\n]/g, "_")

const fromDatabase = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return yield* Tenancy.withSystem(Effect.gen(function*() {
    const calls = yield* sql<{ readonly status: string; readonly outcome: string | null; readonly n: number }>`
      SELECT status, outcome, count(*)::int AS n FROM calls GROUP BY status, outcome ORDER BY status, outcome`
    const campaigns = yield* sql<{ readonly id: string; readonly limit: number; readonly live: number; readonly abandoned: number }>`
      SELECT c.id, (c.abandon_policy->>'maxAbandonRate')::float8 AS "limit",
             count(k.id) FILTER (WHERE k.answered_by = 'human')::int AS live,
             count(k.id) FILTER (WHERE k.outcome = 'abandoned')::int AS abandoned
      FROM campaigns c LEFT JOIN calls k ON k.campaign_id = c.id
      WHERE c.status = 'running' GROUP BY c.id, c.abandon_policy ORDER BY c.id`
    const lines = [
      "# HELP autodialer_calls Calls stored, by status and outcome.",
      "# TYPE autodialer_calls gauge",
      ...calls.map((r) => `autodialer_calls{status="${label(r.status)}",outcome="${label(r.outcome)}"} ${r.n}`),
      "# HELP autodialer_calls_in_flight Calls queued, ringing or connected now.",
      "# TYPE autodialer_calls_in_flight gauge",
      `autodialer_calls_in_flight ${calls.filter((r) => ["queued", "initiated", "ringing", "in_progress"].includes(r.status)).reduce((a, r) => a + r.n, 0)}`,
      "# HELP autodialer_campaigns_running Campaigns in the running state.",
      "# TYPE autodialer_campaigns_running gauge",
      `autodialer_campaigns_running ${campaigns.length}`,
      "# HELP autodialer_campaign_abandon_rate Abandoned / live answers of a running campaign.",
      "# TYPE autodialer_campaign_abandon_rate gauge",
      ...campaigns.map((c) => `autodialer_campaign_abandon_rate{campaign="${c.id}"} ${c.live > 0 ? c.abandoned / c.live : 0}`),
      "# HELP autodialer_campaign_abandon_limit The campaign's abandon-rate limit.",
      "# TYPE autodialer_campaign_abandon_limit gauge",
      ...campaigns.map((c) => `autodialer_campaign_abandon_limit{campaign="${c.id}"} ${c.limit}`)
    ]
    return lines.join("\n")
  }))
})

export const route = HttpRouter.add("GET", "/metrics", Effect.gen(function*() {
  const metrics = yield* Metrics
  const db = yield* fromDatabase.pipe(Effect.orElseSucceed(() => "# database unavailable"))
  return HttpServerResponse.text(`${metrics.render()}\n${db}\n`, { contentType: "text/plain; version=0.0.4" })
}))
