/**
 * The s5 goal of PACING.md §6: after a step in the answer rate, utilisation is
 * back within 2 points of its new steady state within 5 minutes. This module
 * owns that measurement: utilisation per minute, averaged over seeds, and the
 * minutes from the step until every later minute (up to the end of the
 * steady-state reference) stays within the tolerance.
 */
import type { Scenario } from "@autodialer/dialer-engine/Scenario"
import { simulate } from "@autodialer/dialer-engine/Simulator"

export interface Step {
  /** The minute the answer rate steps. */
  readonly atMinute: number
  /** Minutes [from, to) whose mean utilisation is the new steady state. */
  readonly steadyFrom: number
  readonly steadyTo: number
}

/**
 * s5's two steps in the live share, each with a steady-state reference that ends before the next
 * change of the floor (agents: 45 from minute 180, 20 from minute 360).
 */
export const s5Steps: ReadonlyArray<Step> = [
  { atMinute: 120, steadyFrom: 140, steadyTo: 170 },
  { atMinute: 300, steadyFrom: 320, steadyTo: 350 }
]

export interface StepRecovery extends Step {
  readonly steady: number
  /** Utilisation minus steady state, minute by minute from the step to `steadyFrom`. */
  readonly gaps: ReadonlyArray<number>
  /**
   * Minutes after the step from which utilisation is back: the smallest m such that every minute
   * sample from `atMinute + m` (the minute starting m minutes after the step) up to `steadyFrom`
   * is within the tolerance. `null` when it never is.
   */
  readonly minutes: number | null
}

/** Per-minute utilisation (sample i covers minute i to i + 1), pure. */
export const recovery = (util: ArrayLike<number>, step: Step, tolerance = 0.02): StepRecovery => {
  let steady = 0
  for (let i = step.steadyFrom; i < step.steadyTo; i++) steady += (util[i] ?? 0) / (step.steadyTo - step.steadyFrom)
  const gaps: Array<number> = []
  for (let i = step.atMinute; i < step.steadyFrom; i++) gaps.push((util[i] ?? 0) - steady)
  let minutes: number | null = null
  for (let k = gaps.length - 1; k >= 0; k--) {
    if (Math.abs(gaps[k]!) > tolerance) break
    minutes = k
  }
  return { ...step, steady, gaps, minutes }
}

/** Mean utilisation per minute of our pacer over `seeds` runs of the scenario. */
export const meanUtilisationPerMinute = (scenario: Scenario, seeds: number): Float64Array => {
  const minutes = Math.round(scenario.hours * 60)
  const util = new Float64Array(minutes)
  for (let seed = 1; seed <= seeds; seed++) {
    const r = simulate({ scenario, seed, hours: scenario.hours, timeSeriesEverySeconds: 60 })
    r.timeSeries?.forEach((x, i) => {
      if (i < minutes) util[i] = util[i]! + x.utilization / seeds
    })
  }
  return util
}
