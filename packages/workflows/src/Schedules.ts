/**
 * Client-side helpers that create, update, trigger and delete the Temporal
 * Schedules driving the CRM sync and analytics ETL workflows. Schedules, not
 * timers inside a workflow, own the cadence: operators can see, pause,
 * backfill and trigger them with the Temporal CLI/UI, and a changed cadence
 * is an update of the schedule, not a migration of running workflows.
 *
 * Every schedule skips a tick while the previous run is still going
 * (`SKIP` overlap), so a connection never has two syncs at once, and ticks
 * missed while the cluster was down are caught up within `catchupWindow`.
 */
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from "@temporalio/client"
import { TaskQueues, WorkflowTypes } from "./Names.ts"
import type { AnalyticsEtlWorkflowInput } from "./workflows/AnalyticsEtlWorkflow.ts"
import type { CrmSyncWorkflowInput } from "./workflows/CrmSyncWorkflow.ts"

/** A Temporal duration: milliseconds or a string such as "15 minutes", "1h". */
export type Every = string | number

/** Schedule id of a connection; its runs get workflow ids `crm-sync:<connectionId>-<tick time>`. */
export const crmSyncScheduleId = (connectionId: string): string => `crm-sync:${connectionId}`
export const crmSyncWorkflowId = (connectionId: string): string => `crm-sync:${connectionId}`
export const analyticsScheduleIds = { hourly: "analytics-etl:hourly", daily: "analytics-etl:daily" } as const
export const analyticsScheduleIdsWith = (suffix = ""): { readonly hourly: string; readonly daily: string } => ({
  hourly: `${analyticsScheduleIds.hourly}${suffix}`,
  daily: `${analyticsScheduleIds.daily}${suffix}`
})

export interface CrmSyncScheduleOptions extends CrmSyncWorkflowInput {
  /** Cadence of the incremental pull and outbox push (default 15 minutes). */
  readonly every?: Every
  readonly taskQueue?: string
  /** Create or leave the schedule paused (connection paused by the user). */
  readonly paused?: boolean
}

export type Upserted = "created" | "updated"

const upsert = async (
  client: Client,
  scheduleId: string,
  spec: { readonly intervals: ReadonlyArray<{ readonly every: Every; readonly offset?: Every }> },
  action: {
    readonly type: "startWorkflow"
    readonly workflowType: string
    readonly workflowId: string
    readonly taskQueue: string
    readonly args: ReadonlyArray<unknown>
  },
  paused: boolean | undefined,
  note: string
): Promise<Upserted> => {
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: spec.intervals.map((i) => ({ ...i })) },
      action: { ...action, args: [...action.args] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: "10 minutes" },
      state: { paused: paused ?? false, note }
    })
    return "created"
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error
  }
  const handle = client.schedule.getHandle(scheduleId)
  await handle.update((previous) => ({
    ...previous,
    spec: { intervals: spec.intervals.map((i) => ({ ...i })) },
    action: { ...action, args: [...action.args] },
    state: { ...previous.state, ...(paused === undefined ? {} : { paused }), note }
  }))
  return "updated"
}

/** Creates the connection's sync schedule, or updates its cadence and input when it exists. */
export const upsertCrmSyncSchedule = (client: Client, options: CrmSyncScheduleOptions): Promise<Upserted> => {
  const { every, taskQueue, paused, ...input } = options
  return upsert(
    client,
    crmSyncScheduleId(input.connectionId),
    { intervals: [{ every: every ?? "15 minutes" }] },
    {
      type: "startWorkflow",
      workflowType: WorkflowTypes.crmSync,
      workflowId: crmSyncWorkflowId(input.connectionId),
      taskQueue: taskQueue ?? TaskQueues.integrations,
      args: [input]
    },
    paused,
    `CRM sync of connection ${input.connectionId} (organization ${input.orgId})`
  )
}

/** Runs a sync now ("sync now" button); skipped when one is already running. */
export const triggerCrmSync = (client: Client, connectionId: string): Promise<void> =>
  client.schedule.getHandle(crmSyncScheduleId(connectionId)).trigger(ScheduleOverlapPolicy.SKIP)

export const pauseCrmSync = (client: Client, connectionId: string, reason: string): Promise<void> =>
  client.schedule.getHandle(crmSyncScheduleId(connectionId)).pause(reason)

export const resumeCrmSync = (client: Client, connectionId: string, reason: string): Promise<void> =>
  client.schedule.getHandle(crmSyncScheduleId(connectionId)).unpause(reason)

/** Deletes the connection's schedule (connection removed); true when there was one. */
export const deleteCrmSyncSchedule = async (client: Client, connectionId: string): Promise<boolean> => {
  try {
    await client.schedule.getHandle(crmSyncScheduleId(connectionId)).delete()
    return true
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false
    throw error
  }
}

export interface AnalyticsSchedulesOptions {
  readonly taskQueue?: string
  /** Days recomputed by the hourly run (default 2: today and yesterday, local to each org). */
  readonly hourlyLookbackDays?: number
  /** Days recomputed by the daily run (default 7), for late events and corrections. */
  readonly dailyLookbackDays?: number
  /** Appended to the schedule ids, to run a second, separate set (tests, staging on a shared cluster). */
  readonly idSuffix?: string
}

/** Creates or updates the hourly and daily analytics ETL schedules. */
export const upsertAnalyticsSchedules = async (
  client: Client,
  options: AnalyticsSchedulesOptions = {}
): Promise<{ readonly hourly: Upserted; readonly daily: Upserted }> => {
  const taskQueue = options.taskQueue ?? TaskQueues.integrations
  const ids = analyticsScheduleIdsWith(options.idSuffix)
  const action = (id: string, input: AnalyticsEtlWorkflowInput) => ({
    type: "startWorkflow" as const, workflowType: WorkflowTypes.analyticsEtl, workflowId: id, taskQueue, args: [input]
  })
  // Hourly at :05, daily at 00:35 UTC: a few minutes after the hour most zones' midnights fall on.
  const hourly = await upsert(
    client,
    ids.hourly,
    { intervals: [{ every: "1 hour", offset: "5 minutes" }] },
    action(ids.hourly, { lookbackDays: options.hourlyLookbackDays ?? 2 }),
    undefined,
    "analytics roll-ups: today and yesterday per organization-local day"
  )
  const daily = await upsert(
    client,
    ids.daily,
    { intervals: [{ every: "1 day", offset: "35 minutes" }] },
    action(ids.daily, { lookbackDays: options.dailyLookbackDays ?? 7 }),
    undefined,
    "analytics roll-ups: the last week, for late events"
  )
  return { hourly, daily }
}
