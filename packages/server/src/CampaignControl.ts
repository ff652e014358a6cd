/**
 * The port through which the API drives a campaign's lifecycle.
 *
 * - `layerTemporal`: the campaign's Temporal workflow owns the lifecycle.
 *   Start creates the workflow (id `campaign:<id>`, so starting twice finds the
 *   running one) or sends the `start` update; pause, resume and stop are
 *   validated updates, so a refused transition comes back as a 409 with the
 *   workflow's reason.
 * - `layerInProcess`: the embedded fallback when no Temporal server can be
 *   had; the in-process driver (`embedded/InProcessSessions.ts`) follows the
 *   status the API writes.
 */
import { Context, Effect, Layer } from "effect"
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Connection } from "@temporalio/client"
import type { CampaignConfig } from "@autodialer/workflows/CampaignConfig"
import { TaskQueues, UpdateNames, WorkflowTypes, campaignWorkflowId } from "@autodialer/workflows/Names"
import { Conflict, Unavailable } from "./api/Errors.ts"

export type Command = "start" | "pause" | "resume" | "stop"

export interface CampaignControlService {
  readonly runtime: "temporal" | "in-process"
  readonly start: (campaignId: string, config: CampaignConfig) => Effect.Effect<void, Conflict | Unavailable>
  readonly pause: (campaignId: string, reason: string) => Effect.Effect<void, Conflict | Unavailable>
  readonly resume: (campaignId: string) => Effect.Effect<void, Conflict | Unavailable>
  readonly stop: (campaignId: string, reason: string) => Effect.Effect<void, Conflict | Unavailable>
}

export class CampaignControl extends Context.Service<CampaignControl, CampaignControlService>()(
  "@autodialer/server/CampaignControl"
) {
  static readonly layerInProcess: Layer.Layer<CampaignControl> = Layer.succeed(CampaignControl, {
    runtime: "in-process",
    start: () => Effect.void,
    pause: () => Effect.void,
    resume: () => Effect.void,
    stop: () => Effect.void
  })

  static readonly layerTemporal = (options: {
    readonly connection: Connection
    readonly namespace?: string
    readonly taskQueue?: string
  }): Layer.Layer<CampaignControl> =>
    Layer.sync(CampaignControl, () => {
      const client = new Client({ connection: options.connection, namespace: options.namespace ?? "default" })
      const taskQueue = options.taskQueue ?? TaskQueues.campaign
      const call = (what: string, campaignId: string, run: () => Promise<unknown>) =>
        Effect.tryPromise({
          try: run,
          catch: (cause): Conflict | Unavailable => {
            if (cause instanceof WorkflowUpdateFailedError) {
              const detail = cause.cause instanceof Error ? cause.cause.message : cause.message
              return new Conflict({ message: `campaign ${campaignId} cannot ${what} now: ${detail}` })
            }
            if (cause instanceof WorkflowNotFoundError) {
              return new Conflict({ message: `campaign ${campaignId} has not been started; start it first (POST /campaigns/${campaignId}/start)` })
            }
            return new Unavailable({ message: `the workflow service did not accept '${what}' for campaign ${campaignId}: ${String(cause)}; retry shortly` })
          }
        }).pipe(Effect.asVoid)
      const update = (name: string, campaignId: string, args: ReadonlyArray<unknown>) =>
        call(name.replace("campaign.update.", ""), campaignId, () =>
        {
          const handle = client.workflow.getHandle(campaignWorkflowId(campaignId))
          const [first, ...rest] = args
          return first === undefined ? handle.executeUpdate(name) : handle.executeUpdate(name, { args: [first, ...rest] })
        })
      return CampaignControl.of({
        runtime: "temporal",
        start: (campaignId, config) =>
          call("start", campaignId, async () => {
            try {
              await client.workflow.start(WorkflowTypes.campaign, {
                workflowId: campaignWorkflowId(campaignId),
                taskQueue,
                args: [{ campaignId, config, autoStart: true }]
              })
            } catch (error) {
              if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error
              await client.workflow.getHandle(campaignWorkflowId(campaignId)).executeUpdate(UpdateNames.configure, { args: [config] })
              await client.workflow.getHandle(campaignWorkflowId(campaignId)).executeUpdate(UpdateNames.start)
            }
          }),
        pause: (campaignId, reason) => update(UpdateNames.pause, campaignId, [reason]),
        resume: (campaignId) => update(UpdateNames.resume, campaignId, []),
        stop: (campaignId, reason) => update(UpdateNames.stop, campaignId, [reason])
      })
    })
}
