/**
 * The workflow bundle's entry point (`workflowsPath` of the worker): every
 * workflow type the worker hosts. Only workflow functions are exported here.
 */
export { campaignWorkflow } from "./CampaignWorkflow.ts"
export { crmSyncWorkflow } from "./CrmSyncWorkflow.ts"
export { analyticsEtlWorkflow } from "./AnalyticsEtlWorkflow.ts"
