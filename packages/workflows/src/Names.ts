/**
 * Every name the campaign runtime shares with Temporal: task queues, workflow
 * types, workflow-id builders, signals, queries and updates. Clients, the
 * worker and the workflow code import them from here, so a name is spelled
 * exactly once and can never drift between the sender and the handler.
 *
 * Plain TypeScript only: this module is bundled into the workflow sandbox.
 */
import { defineQuery, defineSignal, defineUpdate } from "@temporalio/workflow"
import type { CampaignConfig } from "./CampaignConfig.ts"
import type { CampaignStatus } from "./CampaignStatus.ts"

/** Task queues. Workers scale out by polling the same queue from more processes. */
export const TaskQueues = {
  /** Campaign workflows and their dialing-session activities. */
  campaign: "autodialer-campaign",
  /** CRM sync and analytics ETL workflows and their short activities (see `IntegrationsWorker`). */
  integrations: "autodialer-integrations"
} as const

/** Workflow type names (the exported function names in `src/workflows`). */
export const WorkflowTypes = {
  campaign: "campaignWorkflow",
  crmSync: "crmSyncWorkflow",
  analyticsEtl: "analyticsEtlWorkflow"
} as const

const campaignIdPrefix = "campaign:"

/** The one workflow id of a campaign: starting twice finds the running one. */
export const campaignWorkflowId = (campaignId: string): string => `${campaignIdPrefix}${campaignId}`

/** The campaign id back from a campaign workflow id, or undefined for any other id. */
export const campaignIdOfWorkflowId = (workflowId: string): string | undefined =>
  workflowId.startsWith(campaignIdPrefix) ? workflowId.slice(campaignIdPrefix.length) : undefined

/** Signal names, exported for tooling (`temporal workflow signal --name ...`). */
export const SignalNames = {
  start: "campaign.start",
  pause: "campaign.pause",
  resume: "campaign.resume",
  stop: "campaign.stop",
  drain: "campaign.drain"
} as const

export const UpdateNames = {
  start: "campaign.update.start",
  pause: "campaign.update.pause",
  resume: "campaign.update.resume",
  stop: "campaign.update.stop",
  drain: "campaign.update.drain",
  configure: "campaign.update.configure"
} as const

export const QueryNames = {
  status: "campaign.status"
} as const

/**
 * Lifecycle commands, as fire-and-forget signals. The update forms below are
 * preferred by callers that need to know whether the transition was accepted.
 */
export const Signals = {
  start: defineSignal<[]>(SignalNames.start),
  pause: defineSignal<[reason: string]>(SignalNames.pause),
  resume: defineSignal<[]>(SignalNames.resume),
  stop: defineSignal<[reason: string]>(SignalNames.stop),
  drain: defineSignal<[]>(SignalNames.drain)
} as const

/** Lifecycle commands as validated updates: they return the new status or are refused with a reason. */
export const Updates = {
  start: defineUpdate<CampaignStatus, []>(UpdateNames.start),
  pause: defineUpdate<CampaignStatus, [reason: string]>(UpdateNames.pause),
  resume: defineUpdate<CampaignStatus, []>(UpdateNames.resume),
  stop: defineUpdate<CampaignStatus, [reason: string]>(UpdateNames.stop),
  drain: defineUpdate<CampaignStatus, []>(UpdateNames.drain),
  /** Replace the campaign configuration; the validator refuses a bad one with the reason. */
  configure: defineUpdate<CampaignStatus, [config: CampaignConfig]>(UpdateNames.configure)
} as const

export const Queries = {
  status: defineQuery<CampaignStatus>(QueryNames.status)
} as const

/** ApplicationFailure types raised at the Temporal edge. */
export const FailureTypes = {
  invalidConfig: "InvalidCampaignConfig",
  invalidTransition: "InvalidCampaignTransition",
  campaignNotFound: "CampaignNotFound",
  sessionFailed: "DialingSessionFailed"
} as const
