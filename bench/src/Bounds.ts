/**
 * The bounds reported beside the pacers: the exact CMDP optimum (and its
 * frontier along abandon rates) for Markovian scenarios, and the clairvoyant
 * ceiling for every scenario.
 */
import { agentsAt, meanOf, type Scenario } from "@autodialer/dialer-engine/Scenario"
import * as Cmdp from "./Cmdp.ts"

/** Abandon limits along which the frontier is solved. */
export const frontierLimits = [0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06] as const

/** The Markov model of a Markovian scenario: K = floor(maxLinesPerAgent x count). */
export const markovModelOf = (s: Scenario): Cmdp.MarkovModel | null => {
  if (!s.markovian) return null
  const step = s.outcomes[0]!
  return {
    agents: s.agents.count,
    maxInFlight: Math.floor(s.policy.maxLinesPerAgent * s.agents.count),
    mu: 1 / meanOf(s.talkSeconds),
    nu: 1 / meanOf(s.secondsToOutcome.human),
    p: step.human
  }
}

export interface Bound {
  readonly scenario: string
  readonly cmdpOptimal: { readonly utilization: number; readonly abandonRate: number } | null
  readonly cmdpFrontier: ReadonlyArray<readonly [number, number]> | null
  readonly clairvoyant: { readonly utilization: number }
}

/**
 * The clairvoyant ceiling. A pacer that knows every outcome in advance times
 * its dials so that a live answer lands exactly when an agent frees up: it
 * never abandons and never idles an agent, unless the line cap cannot carry
 * enough dials to feed every agent. So its utilisation is
 * min(1, supply / demand), with supply = K x delivered-human share / mean
 * line-holding time and demand = N / mean handle time, taken at the worst
 * outcome step. Degenerate by design: report it only as a ceiling.
 */
export const clairvoyantUtilization = (s: Scenario): number => {
  let worst = 1
  for (const step of s.outcomes) {
    const fp = s.amd.enabled ? s.amd.falsePositive : 0
    const delivered = step.human * (1 - fp)
    const amdDelay = s.amd.enabled ? meanOf(s.amd.decisionSeconds) : 0
    const hold =
      step.human * (meanOf(s.secondsToOutcome.human) + amdDelay) +
      step.machine * (s.secondsToOutcome.machine ? meanOf(s.secondsToOutcome.machine) + amdDelay : 0) +
      step.busy * (s.secondsToOutcome.busy ? meanOf(s.secondsToOutcome.busy) : 0) +
      step.noAnswer * (s.ringTimeoutSeconds ?? (s.secondsToOutcome.noAnswer ? meanOf(s.secondsToOutcome.noAnswer) : 0))
    const handle = meanOf(s.talkSeconds) + meanOf(s.wrapSeconds)
    const agents = Math.max(1, agentsAt(s, step.fromMinute))
    const lines = Math.floor(s.policy.maxLinesPerAgent * agents)
    const supply = (lines * delivered) / Math.max(1e-9, hold)
    const demand = agents / handle
    worst = Math.min(worst, supply / demand)
  }
  return Math.min(1, worst)
}

export const boundsOf = (s: Scenario): Bound => {
  const m = markovModelOf(s)
  if (m === null) return { scenario: s.name, cmdpOptimal: null, cmdpFrontier: null, clairvoyant: { utilization: clairvoyantUtilization(s) } }
  const limits = [...new Set([...frontierLimits, s.policy.abandonLimit])].sort((a, b) => a - b)
  const points = Cmdp.frontier(m, limits)
  const optimum = points[limits.indexOf(s.policy.abandonLimit)]!
  return {
    scenario: s.name,
    cmdpOptimal: { utilization: optimum[1], abandonRate: optimum[0] },
    cmdpFrontier: points,
    clairvoyant: { utilization: clairvoyantUtilization(s) }
  }
}

/** The CMDP optimum at an arbitrary abandon rate (for judging a pacer at the rate it reached). */
export const optimumAt = (s: Scenario, abandonRate: number): number | null => {
  const m = markovModelOf(s)
  return m === null ? null : Cmdp.solve(m, Math.min(0.999, Math.max(0, abandonRate))).utilization
}
