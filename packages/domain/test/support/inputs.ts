/** Valid model inputs for repository tests. */
import type { NewContact } from "../../src/ContactRepo.ts"
import type { E164 } from "../../src/Phone.ts"

export const newContact = (phone: string, overrides: Partial<NewContact> = {}): NewContact => ({
  crmId: null,
  sourceCrm: null,
  firstName: "Grace",
  lastName: "Hopper",
  company: "Navy",
  title: null,
  email: "grace@example.com",
  phone: phone as E164,
  alternatePhones: [],
  timeZone: null,
  timeZoneSource: null,
  leadScore: 42,
  status: "new",
  stage: null,
  source: "test",
  ownerId: null,
  tags: ["vip"],
  customFields: { plan: "gold", seats: 12 },
  consent: { status: "granted", method: "web_form", capturedAt: "2026-11-01T10:00:00Z", evidence: null },
  lastContactedAt: null,
  ...overrides
})

import type { NewCampaign } from "../../src/CampaignRepo.ts"
import type { NewCall } from "../../src/CallRepo.ts"
import type { CampaignId, ContactId } from "../../src/Ids.ts"
import type { IanaTimeZone } from "../../src/TimeZone.ts"

export const newCampaign = (overrides: Partial<NewCampaign> = {}): NewCampaign => ({
  teamId: null,
  name: "Winter renewals",
  description: null,
  mode: "progressive",
  status: "draft",
  callingWindow: { days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00", fallbackTimeZone: "America/New_York" as IanaTimeZone },
  abandonPolicy: { maxAbandonRate: 0.03, periodDays: 30, safeHarborSeconds: 2, safeHarborRecordingId: null },
  attemptRules: { maxAttemptsPerContact: 5, maxAttemptsPerDay: 2, ringTimeoutSeconds: 25 },
  retryRules: [{ outcome: "no_answer", delayMinutes: 120, maxRetries: 3 }, { outcome: "busy", delayMinutes: 15, maxRetries: 2 }],
  pacing: { linesPerAgent: 1.5, maxConcurrentCalls: 10 },
  callerIdPool: [],
  amd: { enabled: true, onMachine: "drop_voicemail", voicemailRecordingId: null },
  script: "Hi, this is Ada from Example.",
  voiceServerId: null,
  createdBy: null,
  startsAt: null,
  endsAt: null,
  ...overrides
})

export const newCall = (campaignId: CampaignId | null, contactId: ContactId | null, overrides: Partial<NewCall> = {}): NewCall => ({
  campaignId,
  contactId,
  campaignContactId: null,
  agentId: null,
  callerIdNumberId: null,
  voiceServerId: null,
  parentCallId: null,
  provider: "twilio",
  providerCallId: null,
  direction: "outbound",
  fromNumber: "+14155550199" as E164,
  toNumber: "+14155550123" as E164,
  status: "queued",
  answeredBy: null,
  outcome: null,
  dispositionId: null,
  attempt: 1,
  queuedAt: new Date("2026-11-25T15:00:00Z"),
  initiatedAt: null,
  ringingAt: null,
  answeredAt: null,
  endedAt: null,
  ringDurationSeconds: null,
  talkDurationSeconds: null,
  billableSeconds: null,
  price: null,
  priceUnit: null,
  recordingUrl: null,
  transcript: null,
  transcriptStatus: "none",
  summary: null,
  sentiment: null,
  isTransferred: false,
  transferredTo: null,
  transferredAt: null,
  hangupCause: null,
  errorCode: null,
  errorMessage: null,
  notes: null,
  metadata: {},
  ...overrides
})
