/**
 * Runs the benchmark: every scenario x pacer x seed through the engine's
 * simulator with common random numbers (the same seeds for every pacer), the
 * power policy tuned in hindsight on those same seeds, and the results reduced
 * to one summary row per scenario x pacer.
 *
 * Runs are independent jobs handed to an `Executor` (in-process, or a pool of
 * worker threads); results are placed by job index, so the output does not
 * depend on which worker finished first.
 */
import type { Scenario } from "@autodialer/dialer-engine/Scenario"
import type { TimeSeries } from "./Charts.ts"
import { runMetrics, summarize, type RunMetrics, type RunTotals } from "./Metrics.ts"
import type { PacerSpec } from "./Registry.ts"
import type { PacerId, ResultRow } from "./Report.ts"

export interface Job {
  /** Index into the scenarios given to the executor. */
  readonly scenario: number
  readonly pacer: PacerSpec
  readonly seed: number
  readonly hours: number
  readonly timeSeries: boolean
}

export interface JobResult {
  readonly totals: RunTotals
  readonly timeSeries?: TimeSeries
}

/** Runs jobs, calling `onDone` after each; resolves to results in job order. */
export type Executor = (jobs: ReadonlyArray<Job>, onDone: (job: Job) => void) => Promise<ReadonlyArray<JobResult>>

/** Lines per ready agent tried by the power tuning before refinement. */
export const powerGrid = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10] as const
/** Bisection steps between the best feasible grid value and the next one. */
export const powerRefinements = 2

export interface PowerPoint {
  readonly ratio: number
  readonly runs: ReadonlyArray<RunMetrics>
  readonly feasible: boolean
}

export interface ScenarioOutcome {
  readonly scenario: Scenario
  readonly rows: ReadonlyArray<ResultRow>
  /** Per-seed metrics behind each row (power: at the chosen ratio). */
  readonly runs: Readonly<Partial<Record<PacerId, ReadonlyArray<RunMetrics>>>>
  readonly power: { readonly chosen: number; readonly points: ReadonlyArray<PowerPoint> } | undefined
  readonly timeSeries: TimeSeries | undefined
}

export interface Plan {
  readonly scenarios: ReadonlyArray<Scenario>
  readonly pacers: ReadonlyArray<PacerId>
  readonly seeds: number
  /** Which pacer's first seed records a time series (if it is in `pacers`). */
  readonly timeSeriesPacer: PacerId
}

export const seedList = (n: number): ReadonlyArray<number> => Array.from({ length: n }, (_, i) => i + 1)

const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

/** A power ratio is feasible when no seed's window broke the limit. */
export const powerFeasible = (scenario: Scenario, runs: ReadonlyArray<RunMetrics>): boolean =>
  runs.every((r) => r.windowAbandonRate <= scenario.policy.abandonLimit)

/** The best feasible ratio (highest utilisation); 1:1 when none is feasible. */
export const choosePower = (points: ReadonlyArray<PowerPoint>): PowerPoint => {
  const feasible = points.filter((p) => p.feasible)
  const pool = feasible.length > 0 ? feasible : points.filter((p) => p.ratio === 1)
  return pool.reduce((best, p) => (mean(p.runs.map((r) => r.utilization)) > mean(best.runs.map((r) => r.utilization)) ? p : best))
}

/** The number of jobs `run` will execute, for the progress bar. */
export const jobCount = (plan: Plan): number =>
  plan.scenarios.reduce((acc, s) => {
    const others = plan.pacers.filter((p) => p !== "power").length
    const grid = plan.pacers.includes("power") ? powerGrid.filter((r) => r <= s.policy.maxLinesPerAgent).length + powerRefinements : 0
    return acc + (others + grid) * plan.seeds
  }, 0)

export const run = async (plan: Plan, execute: Executor, onDone: (job: Job) => void = () => {}): Promise<ReadonlyArray<ScenarioOutcome>> => {
  const seeds = seedList(plan.seeds)
  const fixed = plan.pacers.filter((p) => p !== "power")
  const withPower = plan.pacers.includes("power")
  // Phase 1: every fixed pacer, and power on its grid, in one batch.
  const jobs: Array<Job> = []
  plan.scenarios.forEach((s, scenario) => {
    for (const id of fixed) {
      for (const seed of seeds) {
        jobs.push({ scenario, pacer: { id }, seed, hours: s.hours, timeSeries: id === plan.timeSeriesPacer && seed === seeds[0] })
      }
    }
    if (withPower) {
      for (const ratio of powerGrid.filter((r) => r <= s.policy.maxLinesPerAgent)) {
        for (const seed of seeds) jobs.push({ scenario, pacer: { id: "power", ratio }, seed, hours: s.hours, timeSeries: false })
      }
    }
  })
  const results = await execute(jobs, onDone)
  const byKey = new Map<string, Array<JobResult>>()
  jobs.forEach((job, i) => {
    const key = `${job.scenario}/${job.pacer.id}/${job.pacer.ratio ?? ""}`
    const list = byKey.get(key) ?? []
    list.push(results[i]!)
    byKey.set(key, list)
  })
  const metricsOf = (scenario: number, spec: PacerSpec) =>
    (byKey.get(`${scenario}/${spec.id}/${spec.ratio ?? ""}`) ?? []).map((r) => runMetrics(plan.scenarios[scenario]!, r.totals))

  // Phase 2: refine power between the best feasible grid value and the next grid value.
  const powerPoints: Array<Array<PowerPoint>> = plan.scenarios.map((s, i) =>
    withPower
      ? powerGrid
          .filter((r) => r <= s.policy.maxLinesPerAgent)
          .map((ratio) => {
            const runs = metricsOf(i, { id: "power", ratio })
            return { ratio, runs, feasible: powerFeasible(s, runs) }
          })
      : []
  )
  if (withPower) {
    const brackets = plan.scenarios.map((_, i) => {
      const points = powerPoints[i]!
      const best = choosePower(points)
      const above = points.filter((p) => p.ratio > best.ratio).sort((a, b) => a.ratio - b.ratio)[0]
      return { lo: best.ratio, hi: above?.ratio ?? best.ratio }
    })
    for (let step = 0; step < powerRefinements; step++) {
      const mids = brackets.map((b) => Number(((b.lo + b.hi) / 2).toFixed(4)))
      const refineJobs: Array<Job> = []
      plan.scenarios.forEach((s, scenario) => {
        for (const seed of seeds) refineJobs.push({ scenario, pacer: { id: "power", ratio: mids[scenario]! }, seed, hours: s.hours, timeSeries: false })
      })
      const refined = await execute(refineJobs, onDone)
      plan.scenarios.forEach((s, scenario) => {
        const runs = refined
          .filter((_, j) => refineJobs[j]!.scenario === scenario)
          .map((r) => runMetrics(s, r.totals))
        const point = { ratio: mids[scenario]!, runs, feasible: powerFeasible(s, runs) }
        if (!powerPoints[scenario]!.some((p) => p.ratio === point.ratio)) powerPoints[scenario]!.push(point)
        const b = brackets[scenario]!
        brackets[scenario] = point.feasible ? { lo: point.ratio, hi: b.hi } : { lo: b.lo, hi: point.ratio }
      })
    }
  }

  return plan.scenarios.map((s, scenario) => {
    const rows: Array<ResultRow> = []
    const perPacer: Partial<Record<PacerId, ReadonlyArray<RunMetrics>>> = {}
    let power: ScenarioOutcome["power"] = undefined
    for (const id of plan.pacers) {
      let runs: ReadonlyArray<RunMetrics>
      if (id === "power") {
        const points = [...powerPoints[scenario]!].sort((a, b) => a.ratio - b.ratio)
        const chosen = choosePower(points)
        power = { chosen: chosen.ratio, points }
        runs = chosen.runs
      } else {
        runs = metricsOf(scenario, { id })
      }
      perPacer[id] = runs
      rows.push({ scenario: s.name, pacer: id, seeds: runs.length, ...summarize(runs) })
    }
    const tsKey = `${scenario}/${plan.timeSeriesPacer}/`
    const timeSeries = byKey.get(tsKey)?.[0]?.timeSeries
    return { scenario: s, rows, runs: perPacer, power, timeSeries }
  })
}
