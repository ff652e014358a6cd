/**
 * The benchmark's JSON report, in exactly the shape other tools read:
 * `{ results: [{ scenario, pacer, seeds, <metrics>, ci95: { <metrics>: [lo, hi] } }], bounds: [...] }`.
 *
 * Serialisation is deterministic: keys in a fixed order, numbers rounded to 6
 * significant digits, so the same command twice gives byte-identical JSON.
 */
import type { Bound } from "./Bounds.ts"
import { metricKeys, type MetricKey, type MetricSummary } from "./Metrics.ts"

export const pacerIds = [
  "autodialer",
  "progressive",
  "power",
  "vicidial-hard-limit",
  "vicidial-tapered",
  "vicidial-average",
  "unicom-pi",
  "impact-replay",
  "erlang-soon-free"
] as const
export type PacerId = (typeof pacerIds)[number]

export type ResultRow = { readonly scenario: string; readonly pacer: PacerId; readonly seeds: number } & MetricSummary

export interface Report {
  readonly results: ReadonlyArray<ResultRow>
  readonly bounds: ReadonlyArray<Bound>
}

/** 6 significant digits; -0 and non-finite values are normalised (JSON has no NaN). */
export const round = (x: number): number | null => {
  if (!Number.isFinite(x)) return null
  if (x === 0) return 0
  return Number(x.toPrecision(6))
}

const metricsObject = (row: MetricSummary) => {
  const out: Record<string, number | null> = {}
  for (const k of metricKeys) out[k] = round(row[k])
  return out
}

const ciObject = (ci: Record<MetricKey, readonly [number, number]>) => {
  const out: Record<string, [number | null, number | null]> = {}
  for (const k of metricKeys) out[k] = [round(ci[k][0]), round(ci[k][1])]
  return out
}

/** The report as plain JSON data, keys in the documented order. */
export const toJson = (report: Report) => ({
  results: report.results.map((r) => ({
    scenario: r.scenario,
    pacer: r.pacer,
    seeds: r.seeds,
    ...metricsObject(r),
    ci95: ciObject(r.ci95)
  })),
  bounds: report.bounds.map((b) => ({
    scenario: b.scenario,
    cmdpOptimal: b.cmdpOptimal === null ? null : { utilization: round(b.cmdpOptimal.utilization), abandonRate: round(b.cmdpOptimal.abandonRate) },
    cmdpFrontier: b.cmdpFrontier === null ? null : b.cmdpFrontier.map(([a, u]) => [round(a), round(u)]),
    clairvoyant: { utilization: round(b.clairvoyant.utilization) }
  }))
})

export const serialize = (report: Report): string => `${JSON.stringify(toJson(report), null, 2)}\n`
