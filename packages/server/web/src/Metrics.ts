/**
 * The supervisor's derived numbers, from successive stats snapshots: a
 * rolling one-hour history for the chart, connects per hour over that hour,
 * the abandon budget left, and whether compliance is holding the pacer back.
 */
import { windowOpen } from "./Format.ts"
import type { Campaign, CampaignStats } from "./Types.ts"

export interface Sample {
  readonly t: number
  readonly dialLevel: number
  readonly inFlight: number
  readonly abandonRate: number
  readonly talkMinutesPerAgentHour: number
  readonly connects: number
}

export const hourMs = 3_600_000

/** Appends a snapshot and drops samples older than an hour before it. Samples at the same instant replace each other. */
export const record = (history: ReadonlyArray<Sample>, s: CampaignStats, t: number): ReadonlyArray<Sample> => {
  const sample: Sample = {
    t, dialLevel: s.dialLevel, inFlight: s.callsInFlight, abandonRate: s.abandonRate,
    talkMinutesPerAgentHour: s.talkMinutesPerAgentHour, connects: s.connects
  }
  return [...history.filter((h) => h.t > t - hourMs && h.t < t), sample]
}

/** Connects per hour over the history's span (at most the last hour); undefined until 10 s of history exist. */
export const connectsPerHour = (history: ReadonlyArray<Sample>): number | undefined => {
  const first = history[0]
  const last = history[history.length - 1]
  if (first === undefined || last === undefined || last.t - first.t < 10_000) return undefined
  return (last.connects - first.connects) / ((last.t - first.t) / hourMs)
}

/** Per-sample connects-per-hour series for the chart (rate since the first sample of the hour). */
export const connectsSeries = (history: ReadonlyArray<Sample>): Array<number | null> =>
  history.map((h, i) => (i === 0 ? null : connectsPerHour(history.slice(0, i + 1)) ?? null))

/**
 * Abandons still allowed before the rate crosses the limit, counting the live
 * answers so far (calls bridged to an agent plus abandoned ones). Negative when over.
 */
export const abandonBudgetLeft = (s: CampaignStats): number => {
  const liveAnswers = s.abandonRate > 0 ? s.abandoned / s.abandonRate : s.connects + s.abandoned
  return Math.floor(s.abandonLimit * liveAnswers + 1e-9) - s.abandoned
}

export interface Hold { readonly kind: "window_closed" | "budget_low" | "budget_spent"; readonly message: string }

/** Why compliance is (or is about to be) holding the pacer back, for the dashboard warning. */
export const complianceHolds = (campaign: Campaign, s: CampaignStats | undefined, now: Date): ReadonlyArray<Hold> => {
  const holds: Array<Hold> = []
  if (!windowOpen(campaign.windows, campaign.timeZone, now)) {
    holds.push({ kind: "window_closed", message: `Calling window closed (${campaign.timeZone}): the pacer places no calls until it opens.` })
  }
  if (s !== undefined) {
    const left = abandonBudgetLeft(s)
    if (s.abandonRate >= s.abandonLimit && s.abandoned > 0) {
      holds.push({ kind: "budget_spent", message: `Abandon rate ${(s.abandonRate * 100).toFixed(1)}% has reached the ${(s.abandonLimit * 100).toFixed(1)}% limit: the pacer is held to one line per agent.` })
    } else if (s.abandonRate >= 0.8 * s.abandonLimit || (s.abandoned > 0 && left <= 1)) {
      holds.push({ kind: "budget_low", message: `Abandon budget nearly spent (${Math.max(0, left)} left): the pacer is slowing down.` })
    }
  }
  return holds
}
