/**
 * The benchmark's metrics (PACING.md §2), per run and summarised over seeds.
 *
 * A run is reduced to `RunMetrics` from the simulator's raw totals; a set of
 * runs (one per seed) to a `MetricSummary`: the mean and the 95% confidence
 * interval of every metric. Values are fractions (0.03, not 3).
 */
import type { Scenario } from "@autodialer/dialer-engine/Scenario"
import { ci95, mean, quantile } from "./Stats.ts"

/** The raw totals of one simulated run that the metrics need (ground truth). */
export interface RunTotals {
  readonly hours: number
  /** Agent seconds logged in and not on break. */
  readonly loggedInSeconds: number
  readonly talkSeconds: number
  /** Bridge to end of wrap-up, plus seconds lost on machines AMD missed. */
  readonly handleSeconds: number
  /** Calls answered by a live person (ground truth, including AMD false positives). */
  readonly liveAnswers: number
  /** Live answers not bridged within the connect threshold (what the dialer observes). */
  readonly abandoned: number
  /** Live answers classed as machines and released. */
  readonly amdFalsePositives: number
  readonly dials: number
  /** Live answers bridged to an agent. */
  readonly connects: number
  /** Agent waits (seconds) from ready to the next bridged call. */
  readonly agentWaitSeconds: ReadonlyArray<number>
  /** The worst abandon rate of the regulatory window seen during the run (by regime, with windowSoFar). */
  readonly worstWindowAbandonRate: number
  /** Seconds from the end of the greeting to the bridge, per connect. */
  readonly answerToAgentSeconds: ReadonlyArray<number>
}

export const metricKeys = [
  "talkMinutesPerAgentHour",
  "utilization",
  "abandonRate",
  "worstWindowAbandonRate",
  "amdFalsePositiveRate",
  "seedsOverLimitShare",
  "meanAgentWaitSeconds",
  "p95AgentWaitSeconds",
  "connectsPerHour",
  "dialsPerConnect"
] as const
export type MetricKey = (typeof metricKeys)[number]

export type RunMetrics = Record<MetricKey, number> & {
  /** The window's rate at the end of the run, with windowSoFar: what a regulator would judge. */
  readonly windowAbandonRate: number
  /** p99 of the answer-to-agent time (PACING.md §6: at most the connect threshold). */
  readonly p99AnswerToAgentSeconds: number
}

/** Abandons by the scenario's regime: AMD false positives count when the policy says so. */
export const regimeAbandons = (scenario: Scenario, t: Pick<RunTotals, "abandoned" | "amdFalsePositives">): number =>
  t.abandoned + (scenario.policy.countAmdFalsePositives ? t.amdFalsePositives : 0)

export const runMetrics = (scenario: Scenario, t: RunTotals): RunMetrics => {
  const abandons = regimeAbandons(scenario, t)
  const w = scenario.policy.windowSoFar
  const windowAbandonRate = (w.abandoned + abandons) / Math.max(1, w.liveAnswers + t.liveAnswers)
  const loggedIn = Math.max(1e-9, t.loggedInSeconds)
  return {
    talkMinutesPerAgentHour: (60 * t.talkSeconds) / loggedIn,
    utilization: t.handleSeconds / loggedIn,
    abandonRate: t.liveAnswers > 0 ? abandons / t.liveAnswers : 0,
    worstWindowAbandonRate: t.worstWindowAbandonRate,
    amdFalsePositiveRate: t.liveAnswers > 0 ? t.amdFalsePositives / t.liveAnswers : 0,
    seedsOverLimitShare: windowAbandonRate > scenario.policy.abandonLimit ? 1 : 0,
    meanAgentWaitSeconds: t.agentWaitSeconds.length > 0 ? mean(t.agentWaitSeconds) : 0,
    p95AgentWaitSeconds: t.agentWaitSeconds.length > 0 ? quantile(t.agentWaitSeconds, 0.95) : 0,
    connectsPerHour: t.connects / t.hours,
    dialsPerConnect: t.connects > 0 ? t.dials / t.connects : t.dials,
    windowAbandonRate,
    p99AnswerToAgentSeconds: t.answerToAgentSeconds.length > 0 ? quantile(t.answerToAgentSeconds, 0.99) : 0
  }
}

export type MetricSummary = Record<MetricKey, number> & { readonly ci95: Record<MetricKey, readonly [number, number]> }

export const summarize = (runs: ReadonlyArray<RunMetrics>): MetricSummary => {
  const out: Partial<Record<MetricKey, number>> = {}
  const ci: Partial<Record<MetricKey, readonly [number, number]>> = {}
  for (const k of metricKeys) {
    const xs = runs.map((r) => r[k])
    out[k] = mean(xs)
    ci[k] = ci95(xs)
  }
  return { ...(out as Record<MetricKey, number>), ci95: ci as Record<MetricKey, readonly [number, number]> }
}
