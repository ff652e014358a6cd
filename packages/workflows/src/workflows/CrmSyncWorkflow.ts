/**
 * The CRM sync workflow: one run per connection and schedule tick (Temporal
 * Schedules drive the cadence, see `Schedules.ts`; overlapping ticks are
 * skipped). A run
 *
 * 1. pulls changed contacts page by page until the CRM says the run is done
 *    (the checkpoint is stored in Postgres after each page, so a failed run
 *    resumes where it stopped), then
 * 2. drains the call outbox in batches: finished calls to this connection's
 *    contacts without a successful push, each pushed with its call id as the
 *    idempotency key.
 *
 * A pull that keeps failing does not stop the pushes, and a push batch that
 * keeps failing ends the run with the error in its result; the next tick
 * picks both up again. An unusable connection (revoked, bad credentials)
 * fails the run: it needs a person.
 *
 * Deterministic, plain TypeScript: no Effect, no Node built-ins, activities by type only.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from "@temporalio/workflow"
import type { CrmSyncActivities } from "../activities/CrmSyncActivities.ts"

export interface CrmSyncWorkflowInput {
  readonly orgId: string
  readonly connectionId: string
  /** Pages pulled per run at most (default 50); the rest waits for the next tick. */
  readonly maxPages?: number
  /** Calls per push batch (default 100). */
  readonly pushBatchSize?: number
  /** Push batches per run at most (default 50). */
  readonly maxPushBatches?: number
  /** Attempts per activity before the run gives up on that step (default 5). */
  readonly maxAttempts?: number
}

export interface CrmSyncWorkflowResult {
  readonly pages: number
  readonly pulled: number
  readonly created: number
  readonly rejected: number
  /** True when the pull reached the end of the CRM's changes. */
  readonly pullComplete: boolean
  readonly pullError: string | null
  readonly pushBatches: number
  readonly pushed: number
  readonly duplicates: number
  readonly pushFailed: number
  readonly pushError: string | null
  /** Another run of the same connection was pushing; this run left the outbox to it. */
  readonly pushBusy: boolean
}

const unusableConnection = "CrmConnectionUnusable"

const failureMessage = (error: unknown): string => {
  const cause = error instanceof ActivityFailure ? error.cause : error
  return cause instanceof Error ? cause.message : String(cause)
}

/** Rethrows what a person has to fix; anything else is reported in the result. */
const rethrowIfUnusable = (error: unknown): void => {
  const cause = error instanceof ActivityFailure ? error.cause : undefined
  if (cause instanceof ApplicationFailure && (cause.type === unusableConnection || cause.type === "CrmSyncInvalidInput")) throw error
}

export async function crmSyncWorkflow(input: CrmSyncWorkflowInput): Promise<CrmSyncWorkflowResult> {
  const maxPages = input.maxPages ?? 50
  const batchSize = input.pushBatchSize ?? 100
  const maxBatches = input.maxPushBatches ?? 50
  const acts = proxyActivities<CrmSyncActivities>({
    startToCloseTimeout: "2 minutes",
    retry: {
      initialInterval: "1 second",
      backoffCoefficient: 2,
      maximumInterval: "1 minute",
      maximumAttempts: input.maxAttempts ?? 5,
      nonRetryableErrorTypes: [unusableConnection, "CrmCheckpointInvalid", "CrmSyncInvalidInput"]
    }
  })
  const ref = { orgId: input.orgId, connectionId: input.connectionId }

  let pages = 0, pulled = 0, created = 0, rejected = 0
  let pullComplete = false
  let pullError: string | null = null
  try {
    while (pages < maxPages) {
      const page = await acts.crmPullContactsPage(ref)
      pages++
      pulled += page.pulled
      created += page.created
      rejected += page.rejected
      if (page.done) {
        pullComplete = true
        break
      }
    }
  } catch (error) {
    rethrowIfUnusable(error)
    pullError = failureMessage(error)
  }

  let pushBatches = 0, pushed = 0, duplicates = 0, pushFailed = 0
  let pushError: string | null = null
  let pushBusy = false
  try {
    while (pushBatches < maxBatches) {
      const batch = await acts.crmPushCallActivities({ ...ref, limit: batchSize })
      if (batch.busy) {
        pushBusy = true
        break
      }
      if (batch.selected === 0) break
      pushBatches++
      pushed += batch.created
      duplicates += batch.duplicates
      pushFailed += batch.failed
      if (batch.selected < batchSize) break
    }
  } catch (error) {
    rethrowIfUnusable(error)
    pushError = failureMessage(error)
  }

  return { pages, pulled, created, rejected, pullComplete, pullError, pushBatches, pushed, duplicates, pushFailed, pushError, pushBusy }
}
