/**
 * The integrations worker: hosts the CRM sync and analytics ETL workflows and
 * their activities on the `autodialer-integrations` task queue. It shares the
 * workflow bundle with the campaign worker (one `workflowsPath`) but not the
 * queue, so short CRM and ETL activities never wait behind long dialing
 * sessions, and the two scale separately.
 *
 * Build one `ManagedRuntime` with the database, repositories, `Secrets`, an
 * HTTP client and the CRM `RateLimiter` (one token bucket per CRM and
 * organization for the whole process), then create the activities from it.
 */
import { type NativeConnection, Worker, type WorkflowBundleWithSourceMap } from "@temporalio/worker"
import type { AnalyticsEtlActivities } from "./activities/AnalyticsEtlActivities.ts"
import type { CrmSyncActivities } from "./activities/CrmSyncActivities.ts"
import { TaskQueues } from "./Names.ts"
import { workflowsPath } from "./Worker.ts"

export interface IntegrationsWorkerOptions {
  readonly connection: NativeConnection
  readonly namespace?: string
  /** Defaults to `TaskQueues.integrations`; tests use a unique queue each. */
  readonly taskQueue?: string
  /** From `createCrmSyncActivities` and `createAnalyticsEtlActivities`. */
  readonly activities: CrmSyncActivities & AnalyticsEtlActivities
  readonly workflowBundle?: WorkflowBundleWithSourceMap
  /** Concurrent activities (CRM calls and roll-ups) in this process (default 8). */
  readonly maxConcurrentActivities?: number
  readonly identity?: string
}

/** Creates (but does not run) the worker; call `worker.run()` and `worker.shutdown()`. */
export const createIntegrationsWorker = (options: IntegrationsWorkerOptions): Promise<Worker> =>
  Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? "default",
    taskQueue: options.taskQueue ?? TaskQueues.integrations,
    ...(options.workflowBundle === undefined ? { workflowsPath } : { workflowBundle: options.workflowBundle }),
    activities: { ...options.activities },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 8,
    ...(options.identity === undefined ? {} : { identity: options.identity })
  })
