/**
 * The terminal table: one markdown table per run of the benchmark, a row per
 * scenario x pacer, with the bounds beside each scenario.
 */
import type { Report } from "./Report.ts"

const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "–")
const num = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–")
const pm = (ci: readonly [number, number], scale: number, digits: number) =>
  Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? ` ±${(((ci[1] - ci[0]) / 2) * scale).toFixed(digits)}` : ""

export const markdown = (report: Report): string => {
  const header = [
    "scenario",
    "pacer",
    "seeds",
    "talk min/agent-h",
    "utilisation",
    "abandon",
    "worst window",
    "AMD FP",
    "seeds over limit",
    "agent wait mean / p95 (s)",
    "connects/h",
    "dials/connect"
  ]
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((h, i) => (i < 2 ? "---" : "---:")).join("|")}|`]
  for (const r of report.results) {
    lines.push(
      `| ${[
        r.scenario,
        r.pacer,
        String(r.seeds),
        num(r.talkMinutesPerAgentHour) + pm(r.ci95.talkMinutesPerAgentHour, 1, 1),
        pct(r.utilization) + pm(r.ci95.utilization, 100, 1),
        pct(r.abandonRate, 2) + pm(r.ci95.abandonRate, 100, 2),
        pct(r.worstWindowAbandonRate, 2),
        pct(r.amdFalsePositiveRate, 2),
        pct(r.seedsOverLimitShare, 0),
        `${num(r.meanAgentWaitSeconds)} / ${num(r.p95AgentWaitSeconds)}`,
        num(r.connectsPerHour, 0),
        num(r.dialsPerConnect, 2)
      ].join(" | ")} |`
    )
  }
  const bounds = report.bounds.map(
    (b) =>
      `| ${b.scenario} | ${b.cmdpOptimal === null ? "– (not Markovian)" : `${pct(b.cmdpOptimal.utilization)} at ${pct(b.cmdpOptimal.abandonRate, 2)} abandons`} | ${pct(b.clairvoyant.utilization)} |`
  )
  return [
    ...lines,
    "",
    "| scenario | CMDP optimum (utilisation) | clairvoyant ceiling |",
    "|---|---:|---:|",
    ...bounds
  ].join("\n")
}
