/**
 * Client-side helpers for the campaign workflow (for the HTTP server and the
 * CLI): start a campaign's workflow idempotently and get its handle. Names
 * come from `Names.ts`; the config is validated before anything is sent, with
 * the same validator the workflow's `configure` update uses.
 */
import { type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId, WorkflowIdConflictPolicy } from "@temporalio/client"
import { ApplicationFailure } from "@temporalio/common"
import { type CampaignConfig, formatIssues, validateCampaignConfig } from "./CampaignConfig.ts"
import { FailureTypes, TaskQueues, WorkflowTypes, campaignWorkflowId } from "./Names.ts"
import type { campaignWorkflow } from "./workflows/CampaignWorkflow.ts"

export type CampaignHandle = WorkflowHandle<typeof campaignWorkflow>

export interface StartCampaign {
  readonly campaignId: string
  readonly config: CampaignConfig
  /** Dial at once instead of waiting in draft for `Updates.start`. */
  readonly autoStart?: boolean
  readonly taskQueue?: string
}

/**
 * Starts the campaign's workflow, or returns the running one: the workflow id
 * is derived from the campaign id, so a retried request never starts a second.
 */
export const startCampaign = async (
  client: Client, input: StartCampaign
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof campaignWorkflow>> => {
  const valid = validateCampaignConfig(input.config)
  if (!valid.ok) throw ApplicationFailure.nonRetryable(`invalid campaign config: ${formatIssues(valid.issues)}`, FailureTypes.invalidConfig)
  return client.workflow.start<typeof campaignWorkflow>(WorkflowTypes.campaign, {
    taskQueue: input.taskQueue ?? TaskQueues.campaign,
    workflowId: campaignWorkflowId(input.campaignId),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    args: [{ campaignId: input.campaignId, config: valid.config, ...(input.autoStart === undefined ? {} : { autoStart: input.autoStart }) }]
  })
}

/** The handle of a campaign's workflow (its latest run). */
export const campaignHandle = (client: Client, campaignId: string): CampaignHandle =>
  client.workflow.getHandle<typeof campaignWorkflow>(campaignWorkflowId(campaignId))
