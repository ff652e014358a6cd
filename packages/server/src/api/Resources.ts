/**
 * The JSON shapes of the API's resources and request bodies. They are the
 * public contract, so they are plain and explicit (ISO-8601 strings for
 * instants, E.164 strings for phone numbers) and independent of how the
 * domain stores a row; `http/Rows.ts` maps rows to them.
 */
import { Schema } from "effect"
import { Role } from "./Security.ts"
import { RowError } from "./Errors.ts"

const Id = Schema.String.pipe(Schema.check(Schema.isPattern(
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  { message: "expected a UUID such as 0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f" }
)))
export { Id }
const Instant = Schema.String
const NonBlank = Schema.String.pipe(Schema.check(Schema.isMinLength(1, { message: "must not be empty" })))
export const PhoneInput = Schema.String.pipe(Schema.check(Schema.isPattern(/^[+0-9().\s-]{5,32}$/, {
  message: "expected a phone number, ideally E.164 such as +14155550123"
})))
const Limit = Schema.FiniteFromString.pipe(Schema.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 })))

/** Query of every keyset-paginated list: `limit` 1-500 (default 50) and the `nextCursor` of the previous page. */
export const PageQuery = {
  limit: Schema.optionalKey(Limit),
  cursor: Schema.optionalKey(Schema.String)
}

export const page = <S extends Schema.Top>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), nextCursor: Schema.NullOr(Schema.String) })

// --- organization, users, teams, keys ---------------------------------------

export const Organization = Schema.Struct({
  id: Id, name: Schema.String, slug: Schema.String, plan: Schema.String,
  defaultTimeZone: Schema.String, defaultRegion: Schema.String, createdAt: Instant
})
export const OrganizationPatch = Schema.Struct({
  name: Schema.optionalKey(NonBlank),
  defaultTimeZone: Schema.optionalKey(Schema.String),
  defaultRegion: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Z]{2}$/, { message: "expected an ISO 3166 region such as US" }))))
})

export const User = Schema.Struct({
  id: Id, email: Schema.String, fullName: Schema.String, role: Role, teamId: Schema.NullOr(Id),
  isActive: Schema.Boolean, createdAt: Instant
})
export const NewUser = Schema.Struct({
  email: Schema.String.pipe(Schema.check(Schema.isPattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: "expected an email address such as ana@example.com" }))),
  fullName: NonBlank,
  role: Role,
  teamId: Schema.optionalKey(Id),
  password: Schema.optionalKey(Schema.String.pipe(Schema.check(Schema.isMinLength(10, { message: "passwords need at least 10 characters" }))))
})
export const UserPatch = Schema.Struct({
  fullName: Schema.optionalKey(NonBlank),
  role: Schema.optionalKey(Role),
  teamId: Schema.optionalKey(Schema.NullOr(Id)),
  isActive: Schema.optionalKey(Schema.Boolean)
})

export const Team = Schema.Struct({ id: Id, name: Schema.String, managerId: Schema.NullOr(Id), createdAt: Instant })
export const NewTeam = Schema.Struct({ name: NonBlank, managerId: Schema.optionalKey(Id) })

export const ApiKey = Schema.Struct({
  id: Id, name: Schema.String, prefix: Schema.String, userId: Schema.NullOr(Id),
  createdAt: Instant, lastUsedAt: Schema.NullOr(Instant), revokedAt: Schema.NullOr(Instant)
})
export const NewApiKey = Schema.Struct({
  name: NonBlank,
  /** The user the key acts as (its role applies); default: the caller. */
  userId: Schema.optionalKey(Id)
})
/** Returned once, at creation: the secret is never shown again (only its SHA-256 is stored). */
export const CreatedApiKey = Schema.Struct({ apiKey: ApiKey, secret: Schema.String })

export const Login = Schema.Struct({ organization: NonBlank, email: NonBlank, password: NonBlank })
export const LoginResult = Schema.Struct({ token: Schema.String, expiresAt: Instant, user: User })
export const Me = Schema.Struct({ user: User, organization: Organization, via: Schema.Literals(["apiKey", "session"]) })

// --- contacts ------------------------------------------------------------

export const Contact = Schema.Struct({
  id: Id, phone: Schema.String, firstName: Schema.NullOr(Schema.String), lastName: Schema.NullOr(Schema.String),
  company: Schema.NullOr(Schema.String), email: Schema.NullOr(Schema.String), timeZone: Schema.NullOr(Schema.String),
  status: Schema.String, crmId: Schema.NullOr(Schema.String), sourceCrm: Schema.NullOr(Schema.String),
  tags: Schema.Array(Schema.String), customFields: Schema.Record(Schema.String, Schema.Unknown),
  createdAt: Instant, updatedAt: Instant
})
const ContactFields = {
  firstName: Schema.optionalKey(Schema.NullOr(Schema.String)),
  lastName: Schema.optionalKey(Schema.NullOr(Schema.String)),
  company: Schema.optionalKey(Schema.NullOr(Schema.String)),
  email: Schema.optionalKey(Schema.NullOr(Schema.String)),
  timeZone: Schema.optionalKey(Schema.NullOr(Schema.String)),
  tags: Schema.optionalKey(Schema.Array(Schema.String)),
  customFields: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
}
export const NewContact = Schema.Struct({
  phone: PhoneInput,
  crmId: Schema.optionalKey(Schema.String),
  sourceCrm: Schema.optionalKey(Schema.Literals(["hubspot", "salesforce", "zoho", "csv"])),
  ...ContactFields
})
export const ContactPatch = Schema.Struct({ phone: Schema.optionalKey(PhoneInput), ...ContactFields })
export const ContactQuery = {
  ...PageQuery,
  /** Case-insensitive match on name, company, email, or phone digits. */
  q: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.String),
  tag: Schema.optionalKey(Schema.String)
}

export const ImportReport = Schema.Struct({
  rowsRead: Schema.Int,
  created: Schema.Int,
  updated: Schema.Int,
  duplicatesInFile: Schema.Int,
  enrolled: Schema.Int,
  skippedDnc: Schema.Int,
  dryRun: Schema.Boolean,
  warnings: Schema.Array(RowError)
})
export type ImportReport = typeof ImportReport.Type

// --- DNC, numbers, dispositions ---------------------------------------------

export const DncReason = Schema.Literals(["requested", "national_registry", "litigator", "wrong_number", "regulatory", "other"])
export const DncEntry = Schema.Struct({
  id: Id, phone: Schema.String, scope: Schema.String, campaignId: Schema.NullOr(Id), reason: Schema.String,
  note: Schema.NullOr(Schema.String), addedAt: Instant, expiresAt: Schema.NullOr(Instant)
})
export const NewDnc = Schema.Struct({
  phone: PhoneInput,
  reason: Schema.optionalKey(DncReason),
  campaignId: Schema.optionalKey(Id),
  note: Schema.optionalKey(Schema.String)
})
export const BulkDnc = Schema.Struct({
  phones: Schema.Array(PhoneInput).pipe(Schema.check(Schema.isMaxLength(10_000, { message: "at most 10000 numbers per request" }))),
  reason: Schema.optionalKey(DncReason)
})
export const BulkDncResult = Schema.Struct({ added: Schema.Int, alreadyListed: Schema.Int })
export const DncCheck = Schema.Struct({ phone: Schema.String, listed: Schema.Boolean, entries: Schema.Array(DncEntry) })

export const PhoneNumber = Schema.Struct({
  id: Id, number: Schema.String, provider: Schema.String, friendlyName: Schema.NullOr(Schema.String),
  isDefault: Schema.Boolean, isActive: Schema.Boolean, createdAt: Instant
})
export const NewPhoneNumber = Schema.Struct({
  number: PhoneInput,
  provider: Schema.Literals(["twilio", "plivo", "sip", "simulated"]),
  providerSid: Schema.optionalKey(Schema.String),
  friendlyName: Schema.optionalKey(Schema.String),
  isDefault: Schema.optionalKey(Schema.Boolean)
})

export const Disposition = Schema.Struct({
  id: Id, code: Schema.String, label: Schema.String, humanAnswered: Schema.Boolean, contact: Schema.Boolean,
  sale: Schema.Boolean, dnc: Schema.Boolean, callback: Schema.Boolean, isActive: Schema.Boolean
})
export const NewDisposition = Schema.Struct({
  code: Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z][a-z0-9_]{0,62}$/, { message: "expected a lowercase code such as not_interested" }))),
  label: NonBlank,
  humanAnswered: Schema.optionalKey(Schema.Boolean),
  contact: Schema.optionalKey(Schema.Boolean),
  sale: Schema.optionalKey(Schema.Boolean),
  dnc: Schema.optionalKey(Schema.Boolean),
  callback: Schema.optionalKey(Schema.Boolean)
})

// --- campaigns ------------------------------------------------------------

export const CampaignMode = Schema.Literals(["preview", "progressive", "predictive", "agentless"])
export const Window = Schema.Struct({
  /** ISO weekdays: 1 = Monday ... 7 = Sunday. */
  days: Schema.Array(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 7 })))),
  start: Schema.String.pipe(Schema.check(Schema.isPattern(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "expected HH:MM such as 09:00" }))),
  end: Schema.String.pipe(Schema.check(Schema.isPattern(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "expected HH:MM such as 20:00" })))
})
export const PauseCode = Schema.Struct({
  code: Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z][a-z0-9_]{0,31}$/, { message: "expected a lowercase pause code such as break, lunch, training" }))),
  label: NonBlank.pipe(Schema.check(Schema.isMaxLength(60, { message: "at most 60 characters" })))
})
/** The pause codes agents of the campaign choose from; codes are unique (checked by the handler). */
export const PauseCodes = Schema.Array(PauseCode).pipe(Schema.check(
  Schema.isMinLength(1, { message: "a campaign needs at least one pause code" }),
  Schema.isMaxLength(20, { message: "at most 20 pause codes per campaign" })
))
/** Answering-machine detection and what to do when a machine answers. */
export const Amd = Schema.Struct({
  enabled: Schema.Boolean,
  /** hangup: release the line; drop_voicemail: wait for the beep, speak `voicemailMessage`, hang up. */
  onMachine: Schema.Literals(["hangup", "drop_voicemail"]),
  voicemailMessage: Schema.NullOr(Schema.String.pipe(Schema.check(Schema.isMaxLength(1000, { message: "at most 1000 characters" }))))
})
/**
 * The number the callee sees: the organization's default number, one fixed
 * number of the organization (`GET /phone-numbers`), or local presence,
 * rotating over the organization's active numbers (preferring the contact's
 * area code).
 */
export const CallerId = Schema.Union([
  Schema.Struct({ strategy: Schema.Literal("org_default") }),
  Schema.Struct({ strategy: Schema.Literal("fixed"), phoneNumberId: Id }),
  Schema.Struct({ strategy: Schema.Literal("local_presence") })
])
const CampaignSettings = {
  description: Schema.optionalKey(Schema.NullOr(Schema.String)),
  script: Schema.optionalKey(Schema.NullOr(Schema.String)),
  timeZone: Schema.optionalKey(Schema.String),
  windows: Schema.optionalKey(Schema.Array(Window)),
  abandonLimit: Schema.optionalKey(Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 0.001, maximum: 0.2 })))),
  maxAttempts: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 100 })))),
  retryDelayMinutes: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 0, maximum: 129600 })))),
  linesPerAgent: Schema.optionalKey(Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 20 })))),
  voiceServerId: Schema.optionalKey(Schema.NullOr(Id)),
  pauseCodes: Schema.optionalKey(PauseCodes),
  amd: Schema.optionalKey(Amd),
  callerId: Schema.optionalKey(CallerId)
}
export const NewCampaign = Schema.Struct({ name: NonBlank, mode: CampaignMode, ...CampaignSettings })
export const CampaignPatch = Schema.Struct({ name: Schema.optionalKey(NonBlank), mode: Schema.optionalKey(CampaignMode), ...CampaignSettings })
export const Campaign = Schema.Struct({
  id: Id, name: Schema.String, mode: Schema.String, status: Schema.String, description: Schema.NullOr(Schema.String),
  script: Schema.NullOr(Schema.String), timeZone: Schema.String, windows: Schema.Array(Window),
  abandonLimit: Schema.Number, maxAttempts: Schema.Int, retryDelayMinutes: Schema.Int, linesPerAgent: Schema.Number,
  voiceServerId: Schema.NullOr(Id), pauseCodes: Schema.Array(PauseCode), amd: Amd, callerId: CallerId,
  totalCalls: Schema.Int, createdAt: Instant, updatedAt: Instant
})
export const Enrol = Schema.Struct({
  /** Contacts to add; omit to add every contact of the organization not yet in the campaign. */
  contactIds: Schema.optionalKey(Schema.Array(Id)),
  priority: Schema.optionalKey(Schema.Int)
})
export const EnrolResult = Schema.Struct({ enrolled: Schema.Int, skippedDnc: Schema.Int })
export const Reason = Schema.Struct({ reason: Schema.optionalKey(Schema.String) })

export const AgentCounts = Schema.Struct({
  offline: Schema.Int, available: Schema.Int, reserved: Schema.Int, on_call: Schema.Int, wrap_up: Schema.Int, paused: Schema.Int
})
/** The supervisor's live view of one campaign. */
export const CampaignStats = Schema.Struct({
  campaignId: Id,
  status: Schema.String,
  /** How the lifecycle is driven: the Temporal workflow or the in-process loop. */
  runtime: Schema.String,
  queue: Schema.Struct({ pending: Schema.Int, inProgress: Schema.Int, done: Schema.Int }),
  callsPlaced: Schema.Int,
  callsInFlight: Schema.Int,
  connects: Schema.Int,
  abandoned: Schema.Int,
  /** Abandoned / live answers over the campaign's calls. */
  abandonRate: Schema.Number,
  abandonLimit: Schema.Number,
  /** Calls in flight per available-or-busy agent. */
  dialLevel: Schema.Number,
  agents: AgentCounts,
  talkSeconds: Schema.Int,
  /** Agent talk minutes per logged-in agent-hour. */
  talkMinutesPerAgentHour: Schema.Number,
  at: Instant
})
export type CampaignStats = typeof CampaignStats.Type

// --- agents and calls ------------------------------------------------------

export const AgentState = Schema.Literals(["offline", "available", "reserved", "on_call", "wrap_up", "paused"])
export const AgentStatus = Schema.Struct({
  agentId: Id, fullName: Schema.String, state: AgentState, campaignId: Schema.NullOr(Id),
  callId: Schema.NullOr(Id), reason: Schema.NullOr(Schema.String), since: Instant
})
export const AgentLogin = Schema.Struct({ campaignId: Id })
export const AgentPause = Schema.Struct({
  /** One of the pause codes of the agent's campaign (`pauseCodes` of `GET /campaigns/{id}`). */
  code: Schema.String.pipe(Schema.check(Schema.isPattern(/^[a-z][a-z0-9_]{0,31}$/, { message: "expected a pause code such as break, lunch, training" })))
})
export const DispositionSubmit = Schema.Struct({
  code: Schema.String,
  notes: Schema.optionalKey(Schema.String),
  /** Schedule a callback of this contact at this instant (ISO-8601). */
  callbackAt: Schema.optionalKey(Schema.String)
})

export const CallEventView = Schema.Struct({
  id: Id, type: Schema.String, provider: Schema.String, occurredAt: Instant, payload: Schema.Unknown
})
export const Call = Schema.Struct({
  id: Id, campaignId: Schema.NullOr(Id), contactId: Schema.NullOr(Id), agentId: Schema.NullOr(Id),
  provider: Schema.String, providerCallId: Schema.NullOr(Schema.String), direction: Schema.String,
  fromNumber: Schema.String, toNumber: Schema.String, status: Schema.String, outcome: Schema.NullOr(Schema.String),
  answeredBy: Schema.NullOr(Schema.String), attempt: Schema.Int, talkSeconds: Schema.NullOr(Schema.Int),
  summary: Schema.NullOr(Schema.String), transcriptStatus: Schema.String, isTransferred: Schema.Boolean,
  transferredTo: Schema.NullOr(Schema.String), dispositionId: Schema.NullOr(Id), notes: Schema.NullOr(Schema.String),
  createdAt: Instant, endedAt: Schema.NullOr(Instant)
})
/**
 * The signed-in user's own desk (`GET /agents/me`): what a console needs to
 * restore itself after a reload or a reconnect.
 */
export const AgentDesk = Schema.Struct({
  user: User,
  state: AgentState,
  since: Instant,
  /** Whole seconds in `state` when the server answered. */
  secondsInState: Schema.Int,
  /** The pause code while paused, or what caused the last change. */
  reason: Schema.NullOr(Schema.String),
  campaign: Schema.NullOr(Campaign),
  /** The call being offered, talked on or wrapped up; null otherwise. */
  call: Schema.NullOr(Call)
})
export const CallDetail = Schema.Struct({
  call: Call, events: Schema.Array(CallEventView), transcript: Schema.NullOr(Schema.String),
  recordingUrl: Schema.NullOr(Schema.String), notes: Schema.NullOr(Schema.String)
})
export const CallQuery = {
  ...PageQuery,
  campaignId: Schema.optionalKey(Id),
  status: Schema.optionalKey(Schema.String),
  outcome: Schema.optionalKey(Schema.String),
  agentId: Schema.optionalKey(Id),
  /** The calls of one contact (its history). An agent sees the history of contacts they have talked to. */
  contactId: Schema.optionalKey(Id)
}
export const Recording = Schema.Struct({ callId: Id, url: Schema.String })

// --- voice servers ------------------------------------------------------------

export const VoiceServer = Schema.Struct({
  id: Id, name: Schema.String, url: Schema.String, status: Schema.String, priority: Schema.Int,
  maxConcurrentCalls: Schema.NullOr(Schema.Int), lastVerifiedAt: Schema.NullOr(Instant)
})
export const NewVoiceServer = Schema.Struct({
  name: NonBlank,
  url: Schema.String.pipe(Schema.check(Schema.isPattern(/^wss?:\/\/[^\s]+$/, { message: "expected a ws:// or wss:// URL" }))),
  priority: Schema.optionalKey(Schema.Int),
  maxConcurrentCalls: Schema.optionalKey(Schema.Int.pipe(Schema.check(Schema.isGreaterThan(0))))
})
export const VoiceServerPatch = Schema.Struct({
  priority: Schema.optionalKey(Schema.Int),
  maxConcurrentCalls: Schema.optionalKey(Schema.NullOr(Schema.Int)),
  status: Schema.optionalKey(Schema.Literals(["active", "inactive"]))
})
export const Transcript = Schema.Struct({
  transcript: Schema.String,
  summary: Schema.optionalKey(Schema.String),
  sentiment: Schema.optionalKey(Schema.Number.pipe(Schema.check(Schema.isBetween({ minimum: -1, maximum: 1 }))))
})
export const TransferRequest = Schema.Struct({
  /** An agent (user id), a department (team name) or a phone number. */
  target: Schema.Union([
    Schema.Struct({ kind: Schema.Literal("agent"), agentId: Id }),
    Schema.Struct({ kind: Schema.Literal("department"), team: NonBlank }),
    Schema.Struct({ kind: Schema.Literal("number"), number: PhoneInput })
  ]),
  reason: Schema.optionalKey(Schema.String)
})
export const TransferResult = Schema.Struct({ callId: Id, transferredTo: Schema.String, agentId: Schema.NullOr(Id) })

export const Health = Schema.Struct({ status: Schema.Literals(["ok", "degraded"]), checks: Schema.Record(Schema.String, Schema.String) })

// --- CRM connections and sync logs ----------------------------------------

export const CrmType = Schema.Literals(["hubspot", "salesforce", "zoho", "csv"])
export const CrmSyncStatus = Schema.Literals(["success", "failed", "skipped", "retrying"])

/** A CRM connection as users see it: never its credentials. */
export const CrmConnection = Schema.Struct({
  id: Id,
  crmType: CrmType,
  name: Schema.String,
  externalAccountId: Schema.NullOr(Schema.String),
  instanceUrl: Schema.NullOr(Schema.String),
  status: Schema.Literals(["active", "paused", "error", "revoked"]),
  lastSyncedAt: Schema.NullOr(Instant),
  lastError: Schema.NullOr(Schema.String),
  /** The Temporal schedule that runs the incremental sync. */
  scheduleId: Schema.String
})

/**
 * Connect a CRM. `credentials` values are checked against the connector's own
 * schema by the service (errors name the key, never the value) and stored
 * encrypted; they are never returned.
 */
export const ConnectCrm = Schema.Struct({
  crmType: CrmType,
  name: NonBlank,
  externalAccountId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** Salesforce instance URL, or the Zoho data centre ("eu", "com"...). */
  instanceUrl: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** hubspot/salesforce/zoho: accessToken (and refreshToken, clientId, clientSecret); csv: signingSecret. */
  credentials: Schema.Record(Schema.String, Schema.Unknown),
  /** Sync cadence such as "15 minutes" (the default) or "1h". */
  every: Schema.optionalKey(Schema.String)
})

export const CrmSyncLog = Schema.Struct({
  id: Id,
  connectionId: Schema.NullOr(Id),
  objectType: Schema.String,
  objectId: Schema.NullOr(Schema.String),
  localId: Schema.NullOr(Schema.String),
  action: Schema.String,
  status: CrmSyncStatus,
  message: Schema.NullOr(Schema.String),
  details: Schema.Record(Schema.String, Schema.Unknown),
  createdAt: Instant
})

export const CrmLogQuery = { ...PageQuery, status: Schema.optionalKey(CrmSyncStatus) }
