/**
 * The analytics ETL workflow: recomputes the roll-ups (org snapshots, agent
 * call metrics, campaign daily stats and counters, contact metrics) of every
 * organization's local "today" and the days before it. Two Temporal Schedules
 * start it (see `Schedules.ts`): hourly with a 2-day window (today so far, and
 * yesterday finished off once the organization's midnight has passed) and
 * daily with a longer window that catches late events.
 *
 * Every day is recomputed from the calls table and upserted by its natural
 * key, so overlapping runs, retries and reruns converge on the same rows.
 * `asOf` defaults to the workflow's own (replay-safe) clock.
 *
 * Deterministic, plain TypeScript: no Effect, no Node built-ins, activities by type only.
 */
import { continueAsNew, proxyActivities } from "@temporalio/workflow"
import type { AnalyticsEtlActivities } from "../activities/AnalyticsEtlActivities.ts"

export interface AnalyticsEtlWorkflowInput {
  /** Days to recompute per organization, counting back from its local today (default 2). */
  readonly lookbackDays?: number
  /** The instant whose local days are recomputed (ISO 8601); defaults to the workflow clock. */
  readonly asOf?: string
  /** Limit to these organizations (default: all). */
  readonly orgIds?: ReadonlyArray<string>
  /** Day roll-ups run at once (default 4). */
  readonly parallelism?: number
  /**
   * Organization-days per run (default 500): the run continues as new with the rest, so the history
   * stays bounded however many organizations there are. `offset` is where a continued run starts.
   */
  readonly perRun?: number
  readonly offset?: number
}

export interface AnalyticsEtlWorkflowResult {
  readonly asOf: string
  /** Organization-days of the whole job (all runs). */
  readonly orgDays: number
  /** Calls counted by the last run (the job's total when it fits in one run). */
  readonly callsCounted: number
}

export async function analyticsEtlWorkflow(input: AnalyticsEtlWorkflowInput = {}): Promise<AnalyticsEtlWorkflowResult> {
  const acts = proxyActivities<AnalyticsEtlActivities>({
    startToCloseTimeout: "5 minutes",
    retry: {
      initialInterval: "1 second",
      backoffCoefficient: 2,
      maximumInterval: "1 minute",
      maximumAttempts: 10,
      nonRetryableErrorTypes: ["AnalyticsEtlInvalidInput"]
    }
  })
  // Date.now() inside a workflow is the replayed workflow-task time: deterministic.
  const asOf = input.asOf ?? new Date(Date.now()).toISOString()
  const days = await acts.analyticsDaysToRollUp({
    asOf,
    lookbackDays: input.lookbackDays ?? 2,
    ...(input.orgIds === undefined ? {} : { orgIds: input.orgIds })
  })
  const parallelism = Math.max(1, input.parallelism ?? 4)
  const perRun = Math.max(1, input.perRun ?? 500)
  const offset = input.offset ?? 0
  // The same asOf lists the same days in the same order, so a continued run picks up exactly the rest.
  const mine = days.slice(offset, offset + perRun)
  let callsCounted = 0
  for (let i = 0; i < mine.length; i += parallelism) {
    const done = await Promise.all(mine.slice(i, i + parallelism).map((d) => acts.analyticsRollUpDay({ ...d, asOf })))
    for (const summary of done) callsCounted += summary.callsMade
  }
  if (offset + perRun < days.length) {
    return continueAsNew<typeof analyticsEtlWorkflow>({ ...input, asOf, offset: offset + perRun })
  }
  return { asOf, orgDays: days.length, callsCounted }
}
