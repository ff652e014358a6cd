/**
 * The analytics ETL activities: the Temporal edge of `Rollups`. Listing the
 * days is one query; each (organization, local day) is recomputed in its own
 * activity and transaction, so a retry redoes exactly one day and a failure
 * in one organization never blocks the others. Invalid input is
 * non-retryable; database errors are retried by the workflow's policy.
 */
import { ApplicationFailure } from "@temporalio/common"
import { Cause, type Effect, Exit, type ManagedRuntime } from "effect"
import type { AnalyticsRepo } from "@autodialer/domain/AnalyticsRepo"
import type { SqlClient } from "effect/sql"
import { type OrgDay, type RollupSummary, daysToRollUp, rollUpDay } from "../Rollups.ts"

export type { OrgDay, RollupSummary }

export const AnalyticsEtlFailureTypes = {
  invalidInput: "AnalyticsEtlInvalidInput",
  transient: "AnalyticsEtlTransient"
} as const

export interface AnalyticsEtlActivities {
  /** Every organization's local days to recompute at `asOf` (today and `lookbackDays - 1` before). */
  analyticsDaysToRollUp(input: {
    readonly asOf: string
    readonly lookbackDays: number
    readonly orgIds?: ReadonlyArray<string>
  }): Promise<ReadonlyArray<OrgDay>>
  /** Recomputes one organization's local day (idempotent upserts). */
  analyticsRollUpDay(input: OrgDay & { readonly asOf: string }): Promise<RollupSummary>
}

export type AnalyticsEtlServices = SqlClient.SqlClient | AnalyticsRepo

export interface AnalyticsEtlActivityDeps {
  readonly runtime: ManagedRuntime.ManagedRuntime<AnalyticsEtlServices, unknown>
}

const run = async <A, E>(deps: AnalyticsEtlActivityDeps, what: string, program: Effect.Effect<A, E, AnalyticsEtlServices>): Promise<A> => {
  const exit = await deps.runtime.runPromiseExit(program)
  if (Exit.isSuccess(exit)) return exit.value
  const error = Cause.squash(exit.cause) as { readonly _tag?: string; readonly message?: string }
  const invalid = error._tag === "RollupInputInvalid"
  throw ApplicationFailure.create({
    message: `${what}: ${error.message ?? String(error)}`,
    type: invalid ? AnalyticsEtlFailureTypes.invalidInput : AnalyticsEtlFailureTypes.transient,
    nonRetryable: invalid
  })
}

export const createAnalyticsEtlActivities = (deps: AnalyticsEtlActivityDeps): AnalyticsEtlActivities => ({
  analyticsDaysToRollUp: (input) =>
    run(deps, "listing the days to roll up", daysToRollUp(input.asOf, input.lookbackDays, input.orgIds)),
  analyticsRollUpDay: (input) =>
    run(deps, `rolling up ${input.day} (${input.timeZone}) of organization ${input.orgId}`, rollUpDay(input, input.asOf))
})
