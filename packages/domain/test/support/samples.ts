/**
 * One fully populated value of every model (the select/type side), used by
 * the round-trip tests. Branded values are cast here once; the tests then
 * prove they survive encoding and decoding through every variant.
 */
import type { AgentStateLog } from "../../src/AgentStateLog.ts"
import type { CallMetric, CampaignDailyStats, ContactMetric, OrgDailySnapshot } from "../../src/Analytics.ts"
import type { AuditLog } from "../../src/AuditLog.ts"
import type { Call, CallEvent } from "../../src/Call.ts"
import type { CallNote } from "../../src/CallNote.ts"
import type { Campaign } from "../../src/Campaign.ts"
import type { CampaignContact } from "../../src/CampaignContact.ts"
import type { Contact } from "../../src/Contact.ts"
import type { CrmConnection } from "../../src/CrmConnection.ts"
import type { CrmSyncLog } from "../../src/CrmSyncLog.ts"
import type { Disposition } from "../../src/Disposition.ts"
import type { DncEntry } from "../../src/DncEntry.ts"
import * as Ids from "../../src/Ids.ts"
import type { Organization, Team } from "../../src/Organization.ts"
import type { E164 } from "../../src/Phone.ts"
import type { PhoneNumber } from "../../src/PhoneNumber.ts"
import type { Recording } from "../../src/Recording.ts"
import type { IanaTimeZone } from "../../src/TimeZone.ts"
import type { ApiKey, Session, User } from "../../src/User.ts"
import type { VoicemailMessage } from "../../src/VoicemailMessage.ts"
import type { VoiceServer } from "../../src/VoiceServer.ts"

let n = 0
const id = <S extends Ids.IdSchema>(schema: S): S["Type"] => Ids.make(schema, 1_764_000_000_000 + n++, new Uint8Array(10).fill(n))
const when = new Date("2026-11-25T15:04:05.678Z")
const later = new Date("2026-11-25T16:00:00.000Z")
const phone = "+14155550123" as E164

export const orgId = id(Ids.OrganizationId)
const userId = id(Ids.UserId)
const contactId = id(Ids.ContactId)
const campaignId = id(Ids.CampaignId)
const callId = id(Ids.CallId)

const stamps = { createdAt: when, updatedAt: later }

export const organization: Organization = {
  id: orgId, name: "Acme", slug: "acme", plan: "pro",
  limits: { maxUsers: 25, maxAiCallsPerMonth: 5000, maxConcurrentCalls: 60 },
  settings: { defaultTimeZone: "America/Denver" as IanaTimeZone, defaultRegion: "US", recordCalls: true, extra: { theme: "dark" } },
  ...stamps
} as Organization

export const team = { id: id(Ids.TeamId), orgId, name: "Closers", managerId: userId, ...stamps } as Team

export const user = {
  id: userId, orgId, teamId: team.id, email: "ada@example.com", fullName: "Ada Lovelace", role: "manager",
  crmUserId: "sf-005", passwordHash: "scrypt$N=1024,r=8,p=1$c2FsdA==$aGFzaA==", twoFactorEnabled: true,
  twoFactorSecretEncrypted: "v1.k1.aaa.bbb.ccc", twoFactorRecoveryHashes: ["h1", "h2"], failedLoginAttempts: 2,
  lockedUntil: null, lastLoginAt: when, isActive: true, ...stamps
} as User

export const apiKey = {
  id: id(Ids.ApiKeyId), orgId, userId, name: "CI", prefix: "adk_abc", keyHash: "ff00", scopes: ["calls:read"],
  expiresAt: later, revokedAt: null, lastUsedAt: when, createdAt: when
} as ApiKey

export const session = {
  id: id(Ids.SessionId), orgId, userId, tokenHash: "ee11", ipAddress: "10.0.0.1", userAgent: "vitest",
  expiresAt: later, revokedAt: null, lastSeenAt: when, createdAt: when
} as Session

export const auditLog = {
  id: id(Ids.AuditLogId), orgId, actorUserId: userId, actorApiKeyId: null, action: "campaign.start",
  entityType: "campaign", entityId: campaignId, changes: { status: ["draft", "running"] }, ipAddress: null, createdAt: when
} as AuditLog

export const contact = {
  id: contactId, orgId, crmId: "0031x00000AbCdE", sourceCrm: "salesforce", firstName: "Grace", lastName: "Hopper",
  company: "Navy", title: "Rear Admiral", email: "grace@example.com", phone, alternatePhones: ["+442079460958" as E164],
  timeZone: "America/New_York" as IanaTimeZone, timeZoneSource: "crm", leadScore: 87, status: "qualified",
  stage: "Working - Contacted", source: "webinar", ownerId: userId, tags: ["vip", "east"],
  customFields: { seats: 40, renewal: "2027-01", nested: { a: [1, "b", null, true] } },
  consent: { status: "granted", method: "web_form", capturedAt: "2026-11-01T10:00:00Z", evidence: "https://example.com/c/1" },
  lastContactedAt: when, ...stamps
} as Contact

export const campaign = {
  id: campaignId, orgId, teamId: team.id, name: "Q4", description: "renewals", mode: "predictive", status: "running",
  callingWindow: { days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00", fallbackTimeZone: "America/Chicago" as IanaTimeZone },
  abandonPolicy: { maxAbandonRate: 0.03, periodDays: 30, safeHarborSeconds: 2, safeHarborRecordingId: null },
  attemptRules: { maxAttemptsPerContact: 6, maxAttemptsPerDay: 2, ringTimeoutSeconds: 25 },
  retryRules: [{ outcome: "busy", delayMinutes: 10, maxRetries: 3 }],
  pacing: { linesPerAgent: 2.5, maxConcurrentCalls: 40 },
  callerIdPool: [id(Ids.PhoneNumberId)],
  amd: { enabled: true, onMachine: "drop_voicemail", voicemailRecordingId: id(Ids.RecordingId) },
  script: "Hello", voiceServerId: null, createdBy: userId, startsAt: when, endsAt: later,
  totalCalls: 10, transferredCalls: 3, conversionRate: 0.3, ...stamps
} as Campaign

export const campaignContact = {
  id: id(Ids.CampaignContactId), orgId, campaignId, contactId, priority: 5, status: "reserved", nextAttemptAt: when,
  attempts: 1, lastAttemptAt: when, lastOutcome: "no_answer", reservedBy: "session-1", reservedUntil: later, ...stamps
} as CampaignContact

export const call = {
  id: callId, orgId, campaignId, contactId, campaignContactId: campaignContact.id, agentId: userId,
  callerIdNumberId: null, voiceServerId: null, parentCallId: null, provider: "twilio", providerCallId: "CA123",
  direction: "outbound", fromNumber: "+14155550199" as E164, toNumber: phone, status: "completed", answeredBy: "human",
  outcome: "transferred", dispositionId: id(Ids.DispositionId), attempt: 2, queuedAt: when, initiatedAt: when,
  ringingAt: when, answeredAt: when, endedAt: later, ringDurationSeconds: 7, talkDurationSeconds: 180,
  billableSeconds: 240, price: "0.01350", priceUnit: "USD", recordingUrl: "https://api.twilio.com/rec/RE1",
  transcript: "Agent: hello", transcriptStatus: "completed", summary: "interested", sentiment: 0.4,
  isTransferred: true, transferredTo: "+14155550100", transferredAt: when, hangupCause: "normal_clearing",
  errorCode: null, errorMessage: null, notes: "call back Tuesday", metadata: { AccountSid: "AC1" }, ...stamps
} as Call

export const callEvent = {
  id: id(Ids.CallEventId), orgId, callId, provider: "twilio", providerCallId: "CA123", providerEventKey: "CA123:3",
  eventType: "completed", payload: { CallStatus: "completed", CallDuration: "240" }, occurredAt: when, receivedAt: later
} as CallEvent

export const recording = {
  id: id(Ids.RecordingId), orgId, callId, kind: "call", provider: "twilio", providerRecordingId: "RE1",
  url: "https://api.twilio.com/rec/RE1", durationSeconds: 238, status: "completed", contentType: "audio/mpeg", ...stamps
} as Recording

export const callNote = {
  id: id(Ids.CallNoteId), orgId, contactId, callId, authorId: userId, body: "Wants a demo", ...stamps
} as CallNote

export const voicemailMessage = {
  id: id(Ids.VoicemailMessageId), orgId, callId, contactId, recordingId: recording.id, direction: "dropped",
  fromNumber: phone, durationSeconds: 28, transcript: null, listenedAt: null, createdAt: when
} as VoicemailMessage

export const disposition = {
  id: id(Ids.DispositionId), orgId, code: "sale", label: "Sale", humanAnswered: true, contact: true, sale: true,
  dnc: false, callback: false, answeringMachine: false, sortOrder: 1, isActive: true, ...stamps
} as Disposition

export const phoneNumber = {
  id: id(Ids.PhoneNumberId), orgId, number: "+14155550199" as E164, provider: "plivo", providerSid: "PN1",
  friendlyName: "Main", capabilities: ["voice", "sms"], isDefault: true, isActive: true, monthlyCost: "0.80000",
  costCurrency: "USD", dailyCallCount: 12, ...stamps
} as PhoneNumber

export const dncEntry = {
  id: id(Ids.DncEntryId), orgId, scope: "campaign", campaignId, phone, reason: "requested", note: "asked twice",
  addedBy: userId, addedAt: when, expiresAt: null
} as DncEntry

export const crmConnection = {
  id: id(Ids.CrmConnectionId), orgId, crmType: "hubspot", name: "Portal", externalAccountId: "4242", instanceUrl: null,
  credentialsEncrypted: "v1.k1.iv.tag.ct", credentialsKeyId: "k1", status: "active",
  syncCursors: { contact: "2026-11-25T00:00:00Z" }, lastSyncedAt: when, lastError: null, ...stamps
} as CrmConnection

export const crmSyncLog = {
  id: id(Ids.CrmSyncLogId), orgId, connectionId: crmConnection.id, objectType: "call", objectId: "eng-1",
  localId: callId, action: "create", status: "success", message: null, details: { httpStatus: 201 }, createdAt: when
} as CrmSyncLog

export const agentStateLog = {
  id: id(Ids.AgentStateLogId), orgId, agentId: userId, campaignId, callId, state: "on_call", reason: null, changedAt: when
} as AgentStateLog

export const voiceServer = {
  id: id(Ids.VoiceServerId), orgId, name: "ai-1", url: "wss://voice.example.com/ws", status: "active",
  lastVerifiedAt: when, priority: 10, maxConcurrentCalls: 100, ...stamps
} as VoiceServer

export const orgDailySnapshot = {
  id: id(Ids.AnalyticsId), orgId, day: "2026-11-25", callsMade: 120, callsConnected: 48, avgDurationSeconds: 95.5,
  connectionRate: 0.4, talkMinutes: 76.4, aiCalls: 10, updatedAt: later
} as OrgDailySnapshot

export const callMetric = {
  id: id(Ids.AnalyticsId), orgId, day: "2026-11-25", agentId: userId, callsMade: 60, callsConnected: 20,
  answeredCalls: 22, missedCalls: 38, voicemailCalls: 9, recordedCalls: 11, talkSeconds: 3600, avgTalkSeconds: 180,
  answerRate: 22 / 60, recordingRate: 0.5, wrapSeconds: 600, idleSeconds: 900, sales: 2, updatedAt: later
} as CallMetric

export const contactMetric = {
  id: id(Ids.AnalyticsId), orgId, contactId, totalCalls: 3, connectedCalls: 1, totalTalkSeconds: 180,
  lastCalledAt: when, lastConnectedAt: when, updatedAt: later
} as ContactMetric

export const campaignDailyStats = {
  id: id(Ids.AnalyticsId), orgId, campaignId, day: "2026-11-25", dials: 300, humanAnswered: 100, machineAnswered: 80,
  abandoned: 2, transferred: 40, sales: 6, talkSeconds: 9000, abandonRate: 0.02, updatedAt: later
} as CampaignDailyStats
