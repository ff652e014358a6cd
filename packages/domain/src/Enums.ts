/**
 * Every enumeration of the data model as a `Schema.Literals`, plus explicit
 * mappings from the names the seed documents used (seed 000 auto-dialer,
 * seed 001 AI-calling platform, seeds 002-004 CRMs). The database has a CHECK
 * constraint per column built from the same arrays (see `Migrations.ts`), so
 * the model and the schema cannot drift apart.
 *
 * Mapping functions return `undefined` for a name they do not know; the caller
 * decides whether that is an error (import) or a fallback (CRM free text).
 */
import { Schema } from "effect"

const literals = <const L extends ReadonlyArray<string>>(values: L) => Schema.Literals(values)

/** Normalises a seed's spelling: "In-Progress", "in progress" and "IN_PROGRESS" compare equal. */
export const normalizeName = (name: string): string => name.trim().toLowerCase().replace(/[\s-]+/g, "_")

const mapper = <T extends string>(table: Readonly<Record<string, T>>) => (name: string): T | undefined =>
  Object.hasOwn(table, normalizeName(name)) ? table[normalizeName(name)] : undefined

// ---------------------------------------------------------------- tenancy

export const OrganizationPlan = literals(["free", "starter", "pro", "enterprise"])
export type OrganizationPlan = typeof OrganizationPlan.Type
/** seed 000 `Organization.plan` and seed 001 `organizations.subscription_tier`. */
export const organizationPlanFromSeed = mapper<OrganizationPlan>({
  free: "free", trial: "free", basic: "starter", starter: "starter", growth: "pro", pro: "pro",
  professional: "pro", business: "pro", enterprise: "enterprise"
})

export const UserRole = literals(["admin", "manager", "agent"])
export type UserRole = typeof UserRole.Type
/** seed 000 roles (admin/supervisor/agent), seed 001 (owner/admin/member), CRMs (sdr, sales_rep, manager). */
export const userRoleFromSeed = mapper<UserRole>({
  owner: "admin", admin: "admin", administrator: "admin", superadmin: "admin",
  manager: "manager", supervisor: "manager", team_lead: "manager", sales_manager: "manager",
  agent: "agent", sdr: "agent", bdr: "agent", sales_rep: "agent", rep: "agent", member: "agent", user: "agent"
})

// ---------------------------------------------------------------- contacts

export const ContactStatus = literals([
  "new", "attempted", "contacted", "qualified", "unqualified", "callback", "converted", "do_not_call", "bad_number"
])
export type ContactStatus = typeof ContactStatus.Type
/** seed 000 `Contact.status`, seed 001 `leads.status`, and CRM lead statuses (seeds 002-004). */
export const contactStatusFromSeed = mapper<ContactStatus>({
  new: "new", open: "new", open_not_contacted: "new", not_contacted: "new", pending: "new",
  attempted: "attempted", attempted_to_contact: "attempted", called: "attempted", no_answer: "attempted",
  contacted: "contacted", connected: "contacted", working_contacted: "contacted", in_progress: "contacted",
  qualified: "qualified", pre_qualified: "qualified", sales_qualified: "qualified", interested: "qualified",
  unqualified: "unqualified", not_qualified: "unqualified", not_interested: "unqualified", junk_lead: "unqualified",
  lost_lead: "unqualified", closed_not_converted: "unqualified",
  callback: "callback", call_back: "callback", contact_in_future: "callback", bad_timing: "callback",
  converted: "converted", closed_converted: "converted", customer: "converted", won: "converted",
  dnc: "do_not_call", do_not_call: "do_not_call", opted_out: "do_not_call",
  bad_number: "bad_number", invalid_number: "bad_number", wrong_number: "bad_number"
})

export const ConsentStatus = literals(["granted", "denied", "unknown"])
export type ConsentStatus = typeof ConsentStatus.Type

// ---------------------------------------------------------------- campaigns

/**
 * preview: agent sees the contact before the dial; progressive: one line per
 * free agent; predictive: lines paced by predicted availability; parallel
 * (power): a fixed lines-per-agent ratio; agentless: AI voice agent, no humans.
 */
export const CampaignMode = literals(["preview", "progressive", "predictive", "parallel", "agentless"])
export type CampaignMode = typeof CampaignMode.Type
/** seed 000 `Campaign.dialing_mode`, seed 001 `campaigns.type` (ai/voice_agent). */
export const campaignModeFromSeed = mapper<CampaignMode>({
  preview: "preview", manual: "preview", click_to_call: "preview",
  progressive: "progressive", auto: "progressive",
  predictive: "predictive",
  parallel: "parallel", power: "parallel", power_dialer: "parallel", multi_line: "parallel",
  agentless: "agentless", ai: "agentless", ai_agent: "agentless", voice_agent: "agentless", broadcast: "agentless"
})

export const CampaignStatus = literals(["draft", "scheduled", "running", "paused", "completed", "archived"])
export type CampaignStatus = typeof CampaignStatus.Type
/** seed 000 `Campaign.status`, seed 001 `campaigns.status` (active/inactive). */
export const campaignStatusFromSeed = mapper<CampaignStatus>({
  draft: "draft", new: "draft", scheduled: "scheduled",
  running: "running", active: "running", in_progress: "running", started: "running",
  paused: "paused", inactive: "paused", stopped: "paused",
  completed: "completed", finished: "completed", done: "completed",
  archived: "archived", cancelled: "archived", canceled: "archived", deleted: "archived"
})

/** The queue row's state (seed 000 call queue). */
export const QueueStatus = literals(["pending", "reserved", "dialing", "completed", "exhausted", "removed"])
export type QueueStatus = typeof QueueStatus.Type
export const queueStatusFromSeed = mapper<QueueStatus>({
  pending: "pending", queued: "pending", waiting: "pending", retry: "pending",
  reserved: "reserved", locked: "reserved",
  dialing: "dialing", calling: "dialing", in_progress: "dialing",
  completed: "completed", done: "completed", called: "completed",
  exhausted: "exhausted", max_attempts: "exhausted", failed: "exhausted",
  removed: "removed", skipped: "removed", cancelled: "removed", dnc: "removed"
})

// ---------------------------------------------------------------- calls

export const Provider = literals(["twilio", "plivo", "sip", "simulated"])
export type Provider = typeof Provider.Type
export const providerFromSeed = mapper<Provider>({
  twilio: "twilio", plivo: "plivo", sip: "sip", asterisk: "sip", freeswitch: "sip", kamailio: "sip",
  simulated: "simulated", simulator: "simulated", test: "simulated"
})

export const CallDirection = literals(["outbound", "inbound"])
export type CallDirection = typeof CallDirection.Type
/** seed 001 uses Twilio's `outbound-api` / `outbound-dial`; seed 004 `calls_call.direction`. */
export const callDirectionFromSeed = mapper<CallDirection>({
  outbound: "outbound", outbound_api: "outbound", outbound_dial: "outbound", outgoing: "outbound",
  inbound: "inbound", incoming: "inbound"
})

/** Call lifecycle, the union of seed 000 CallSession.status, seed 001 call_logs.status and seed 004 calls_call.status. */
export const CallStatus = literals([
  "queued", "initiated", "ringing", "in_progress", "completed", "busy", "no_answer", "failed", "canceled"
])
export type CallStatus = typeof CallStatus.Type
export const callStatusFromSeed = mapper<CallStatus>({
  queued: "queued", scheduled: "queued", pending: "queued",
  initiated: "initiated", dialing: "initiated", originating: "initiated",
  ringing: "ringing",
  in_progress: "in_progress", answered: "in_progress", connected: "in_progress", active: "in_progress", bridged: "in_progress",
  completed: "completed", ended: "completed", finished: "completed", hangup: "completed",
  busy: "busy",
  no_answer: "no_answer", noanswer: "no_answer", missed: "no_answer", unanswered: "no_answer",
  failed: "failed", error: "failed", rejected: "failed",
  canceled: "canceled", cancelled: "canceled"
})
/** Statuses after which no further carrier event changes the call. */
export const terminalCallStatuses: ReadonlySet<CallStatus> = new Set(["completed", "busy", "no_answer", "failed", "canceled"])

/** Answering-machine detection result; names follow Twilio's AnsweredBy (seed 001). */
export const AnsweredBy = literals([
  "human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"
])
export type AnsweredBy = typeof AnsweredBy.Type
export const answeredByFromSeed = mapper<AnsweredBy>({
  human: "human", person: "human",
  machine: "machine_start", machine_start: "machine_start", voicemail: "machine_start",
  machine_end_beep: "machine_end_beep", machine_end_silence: "machine_end_silence",
  machine_end_other: "machine_end_other", fax: "fax", unknown: "unknown"
})

/**
 * What the system concluded about an attempt (not the agent's disposition).
 * Retry rules are keyed by outcome.
 */
export const CallOutcome = literals([
  "human_answered", "transferred", "abandoned", "answering_machine", "voicemail_dropped",
  "no_answer", "busy", "failed", "rejected", "invalid_number", "blocked"
])
export type CallOutcome = typeof CallOutcome.Type
export const callOutcomeFromSeed = mapper<CallOutcome>({
  answered: "human_answered", human: "human_answered", connected: "human_answered", human_answered: "human_answered",
  transferred: "transferred", transfer: "transferred",
  abandoned: "abandoned", dropped: "abandoned",
  answering_machine: "answering_machine", machine: "answering_machine", voicemail: "answering_machine",
  voicemail_dropped: "voicemail_dropped", voicemail_left: "voicemail_dropped", left_voicemail: "voicemail_dropped",
  no_answer: "no_answer", busy: "busy", failed: "failed", error: "failed",
  rejected: "rejected", declined: "rejected",
  invalid_number: "invalid_number", bad_number: "invalid_number",
  blocked: "blocked", dnc: "blocked"
})
/** Outcomes that may be retried; a retry rule may name only these. */
export const RetryableOutcome = literals(["no_answer", "busy", "failed", "answering_machine", "abandoned", "rejected"])
export type RetryableOutcome = typeof RetryableOutcome.Type

export const RecordingStatus = literals(["in_progress", "completed", "failed", "deleted"])
export type RecordingStatus = typeof RecordingStatus.Type
export const recordingStatusFromSeed = mapper<RecordingStatus>({
  in_progress: "in_progress", processing: "in_progress", completed: "completed", available: "completed",
  failed: "failed", absent: "failed", deleted: "deleted"
})

export const TranscriptStatus = literals(["none", "pending", "completed", "failed"])
export type TranscriptStatus = typeof TranscriptStatus.Type

// ---------------------------------------------------------------- telephony inventory

export const PhoneCapability = literals(["voice", "sms", "mms", "fax"])
export type PhoneCapability = typeof PhoneCapability.Type

export const DncScope = literals(["global", "organization", "campaign"])
export type DncScope = typeof DncScope.Type
export const DncReason = literals(["requested", "national_registry", "litigator", "wrong_number", "regulatory", "other"])
export type DncReason = typeof DncReason.Type
export const dncReasonFromSeed = mapper<DncReason>({
  requested: "requested", customer_request: "requested", opt_out: "requested", opted_out: "requested",
  national_registry: "national_registry", dnc_registry: "national_registry", federal: "national_registry", state: "regulatory",
  litigator: "litigator", wrong_number: "wrong_number", regulatory: "regulatory", other: "other"
})

export const VoiceServerStatus = literals(["active", "inactive", "degraded", "unverified"])
export type VoiceServerStatus = typeof VoiceServerStatus.Type
/** seed 001 `websocket_servers.status`. */
export const voiceServerStatusFromSeed = mapper<VoiceServerStatus>({
  active: "active", online: "active", up: "active", verified: "active",
  inactive: "inactive", offline: "inactive", down: "inactive", disabled: "inactive",
  degraded: "degraded", unhealthy: "degraded", unverified: "unverified", pending: "unverified"
})

export const AgentState = literals(["offline", "available", "reserved", "on_call", "wrap_up", "paused"])
export type AgentState = typeof AgentState.Type
export const agentStateFromSeed = mapper<AgentState>({
  offline: "offline", logged_out: "offline", available: "available", ready: "available", idle: "available",
  reserved: "reserved", ringing: "reserved", on_call: "on_call", busy: "on_call", in_call: "on_call", talking: "on_call",
  wrap_up: "wrap_up", acw: "wrap_up", after_call_work: "wrap_up", paused: "paused", break: "paused", away: "paused"
})

// ---------------------------------------------------------------- CRM

export const CrmType = literals(["hubspot", "salesforce", "zoho", "csv"])
export type CrmType = typeof CrmType.Type
export const crmTypeFromSeed = mapper<CrmType>({
  hubspot: "hubspot", salesforce: "salesforce", sfdc: "salesforce", zoho: "zoho", zoho_crm: "zoho", csv: "csv", file: "csv"
})

export const CrmConnectionStatus = literals(["active", "paused", "error", "revoked"])
export type CrmConnectionStatus = typeof CrmConnectionStatus.Type

/** The object kinds we exchange with a CRM (seed 000 CRMLog.object_type). */
export const CrmObjectType = literals(["contact", "call", "task", "note", "user", "campaign"])
export type CrmObjectType = typeof CrmObjectType.Type
export const CrmSyncAction = literals(["pull", "create", "update", "delete", "upsert", "push"])
export type CrmSyncAction = typeof CrmSyncAction.Type
export const CrmSyncStatus = literals(["success", "failed", "skipped", "retrying"])
export type CrmSyncStatus = typeof CrmSyncStatus.Type
export const crmSyncStatusFromSeed = mapper<CrmSyncStatus>({
  success: "success", ok: "success", synced: "success", completed: "success",
  failed: "failed", failure: "failed", error: "failed",
  skipped: "skipped", ignored: "skipped", retrying: "retrying", pending: "retrying"
})
