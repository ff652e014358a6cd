/**
 * The campaign worker: hosts the campaign workflow and the dialing-session
 * activity on the campaign task queue.
 *
 * The Effect runtime lives here, once: the caller builds one `ManagedRuntime`
 * from the app layers (database, telephony, event bus, engine) and the worker
 * creates its activities from it with `createActivities`. Workers are
 * stateless; run more processes against the same Temporal cluster and task
 * queue to scale out, and Temporal moves a session whose worker died.
 */
import { fileURLToPath } from "node:url"
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from "@temporalio/worker"
import type { CampaignActivities } from "./CampaignActivities.ts"
import { TaskQueues } from "./Names.ts"

const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js"

/** The workflow bundle's entry point, for `workflowsPath` or `bundleWorkflowCode`. */
export const workflowsPath: string = fileURLToPath(new URL(`./workflows/index${ext}`, import.meta.url))

/** Bundles the workflow code once (about 1.5 s); share the bundle between workers in one process. */
export const bundleWorkflows = (): Promise<WorkflowBundleWithSourceMap> => bundleWorkflowCode({ workflowsPath })

export interface CampaignWorkerOptions {
  readonly connection: NativeConnection
  readonly namespace?: string
  /** Defaults to `TaskQueues.campaign`; tests use a unique queue each. */
  readonly taskQueue?: string
  /** The activities, from `createActivities(deps)` over the worker's ManagedRuntime. */
  readonly activities: CampaignActivities
  /** A prebuilt bundle; when absent the worker bundles `workflowsPath` itself. */
  readonly workflowBundle?: WorkflowBundleWithSourceMap
  /** Concurrent dialing sessions this worker runs (each is one long activity). */
  readonly maxConcurrentSessions?: number
  readonly identity?: string
  /**
   * Longest gap between heartbeats sent to the server (default 1 s). A session
   * learns of a pause or stop only through a heartbeat response, so this bounds
   * how long it may keep dialing after one.
   */
  readonly heartbeatThrottleMs?: number
}

/** Creates (but does not run) a worker; call `worker.run()` and `worker.shutdown()`. */
export const createCampaignWorker = (options: CampaignWorkerOptions): Promise<Worker> =>
  Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? "default",
    taskQueue: options.taskQueue ?? TaskQueues.campaign,
    ...(options.workflowBundle === undefined ? { workflowsPath } : { workflowBundle: options.workflowBundle }),
    activities: { ...options.activities },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentSessions ?? 50,
    // A session winds down on cancellation (finishes calls in flight) before it returns.
    shutdownGraceTime: "30s",
    maxHeartbeatThrottleInterval: options.heartbeatThrottleMs ?? 1_000,
    defaultHeartbeatThrottleInterval: options.heartbeatThrottleMs ?? 1_000,
    ...(options.identity === undefined ? {} : { identity: options.identity })
  })
