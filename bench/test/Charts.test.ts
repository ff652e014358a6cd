import { describe, expect, it } from "vitest"
import { webhookSvg, type WebhookChartInput } from "../src/Charts.ts"

const input = (runs: number): WebhookChartInput => ({
  title: "Webhook ingestion & pgbench",
  runs: Array.from({ length: runs }, (_, i) => ({
    run: i + 1,
    webhooks: [6_000, 8_000, 9_000, 10_000, 10_500, 10_400],
    pgbenchBefore: [18_000, 18_200, 18_100, 18_300, 18_000, 18_100],
    pgbenchAfter: [17_800, 17_900, 18_000, 17_700, 17_900, 18_000],
    slowestAtRate: [7, 9, 8, 12 + i]
  })),
  leadInSec: 3, connections: 100, pgbenchClients: 10, rate: 500, p99GoalMs: 20
})

describe("webhookSvg", () => {
  it("draws every series of every run, the two goals and the shaded lead-in, the same bytes for the same input", () => {
    const svg = webhookSvg(input(3))
    // Per run: webhooks, pgbench before and after, and the slowest answers at the fixed rate.
    expect(svg.match(/<path /g)).toHaveLength(3 * 4)
    expect(svg).toContain("goal: half of pgbench")
    expect(svg).toContain("goal: p99 under 20 ms")
    expect(svg).toContain("Webhook ingestion &amp; pgbench")
    expect(svg).toContain(`fill="#f3f3f3"`)
    expect(webhookSvg(input(3))).toBe(svg)
  })

  it("draws a run whose series are empty without failing", () => {
    const svg = webhookSvg({ ...input(1), runs: [{ run: 1, webhooks: [], pgbenchBefore: [], pgbenchAfter: [], slowestAtRate: [] }] })
    expect(svg.startsWith("<svg")).toBe(true)
    expect(svg).not.toContain("NaN")
  })
})
