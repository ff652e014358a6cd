/**
 * Shared set-up of the CRM sync and analytics ETL integration tests: one
 * `ManagedRuntime` per test file over a fresh, migrated database on the
 * Postgres server (dropped when the runtime is disposed), or over an existing
 * one (`makeRuntimeOn`), with every
 * repository, `Secrets.layerTest`, a real HTTP client, the CRM rate limiter,
 * and an Effect logger that captures every log line (the credential test
 * reads them). Plus valid inputs for campaigns and calls as the campaign
 * runtime writes them.
 */
import { AgentStateRepo } from "@autodialer/domain/AgentStateRepo"
import { AnalyticsRepo } from "@autodialer/domain/AnalyticsRepo"
import { CallQueueRepo } from "@autodialer/domain/CallQueueRepo"
import * as Database from "@autodialer/domain/Database"
import { DialingSessionRepo } from "@autodialer/domain/DialingSessionRepo"
import { DispositionRepo } from "@autodialer/domain/DispositionRepo"
import { DncRepo } from "@autodialer/domain/DncRepo"
import type { NewCall } from "@autodialer/domain/CallRepo"
import { CallRepo } from "@autodialer/domain/CallRepo"
import type { NewCampaign } from "@autodialer/domain/CampaignRepo"
import { CampaignRepo } from "@autodialer/domain/CampaignRepo"
import { ContactRepo, type NewContact } from "@autodialer/domain/ContactRepo"
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { CrmSyncLogRepo } from "@autodialer/domain/CrmSyncLogRepo"
import type { CampaignId, ContactId, OrganizationId } from "@autodialer/domain/Ids"
import { OrganizationRepo } from "@autodialer/domain/OrganizationRepo"
import type { E164 } from "@autodialer/domain/Phone"
import { Secrets } from "@autodialer/domain/Secrets"
import * as TestDatabase from "@autodialer/domain/TestDatabase"
import type { IanaTimeZone } from "@autodialer/domain/TimeZone"
import { type NewUser, UserRepo } from "@autodialer/domain/UserRepo"
import { RateLimiter } from "@autodialer/crm-sync"
import { NodeHttpClient } from "@effect/platform-node"
import type { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import { afterAll, beforeAll } from "vitest"
import { type TemporalHandles, connectTemporal, sharedBundle } from "./support/Temporal.ts"

const runtimeOver = (database: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>) => {
  const logLines: Array<string> = []
  const capture = Logger.make((options) => {
    logLines.push(Logger.formatJson.log(options))
  })
  const repos = Layer.mergeAll(
    OrganizationRepo.layer, UserRepo.layer, ContactRepo.layer, CampaignRepo.layer, CallRepo.layer,
    CrmConnectionRepo.layer, CrmSyncLogRepo.layer, AnalyticsRepo.layer, DispositionRepo.layer, AgentStateRepo.layer, DncRepo.layer,
    CallQueueRepo.layer, DialingSessionRepo.layer
  )
  const app = Layer.mergeAll(repos, NodeHttpClient.layerUndici, RateLimiter.layer, Logger.layer([capture])).pipe(
    Layer.provideMerge(Secrets.layerTest),
    Layer.provideMerge(database)
  )
  return { runtime: ManagedRuntime.make(app), logLines }
}

export const makeRuntime = (url: string, label: string) => runtimeOver(TestDatabase.layerPg(url, label))

/**
 * A suite's `makeRuntime` and its Temporal connection, opened before its tests
 * (with the shared workflow bundle) and closed after them. `t` reads the open
 * connection, so tests use it as they would the handles themselves.
 */
export const useTemporalRuntime = (databaseUrl: string, temporalAddress: string, label: string) => {
  const made = makeRuntime(databaseUrl, label)
  let handles: TemporalHandles | undefined
  const open = () => {
    if (handles === undefined) throw new Error("the Temporal connection is opened in beforeAll; use it inside a test")
    return handles
  }
  beforeAll(async () => {
    handles = await connectTemporal(temporalAddress)
    await Promise.all([sharedBundle(), made.runtime.context()])
  })
  afterAll(async () => {
    await handles?.close()
    await made.runtime.dispose()
  })
  const t: Pick<TemporalHandles, "client" | "nativeConnection"> = {
    get client() {
      return open().client
    },
    get nativeConnection() {
      return open().nativeConnection
    }
  }
  return { ...made, t }
}

/**
 * The same runtime over a database that already exists and is migrated (say,
 * the one the campaign harness dials on), through the domain's client with
 * its camelCase name transforms. The caller drops the database.
 */
export const makeRuntimeOn = (databaseUrl: string) =>
  runtimeOver(Database.layerPg(Redacted.make(databaseUrl), { maxConnections: 4 }))

export type TestRuntime = ReturnType<typeof makeRuntime>["runtime"]
export type TestServices = ManagedRuntime.ManagedRuntime.Services<TestRuntime>
/** Runs an effect on the test runtime. */
export type Run = <A, E>(effect: Effect.Effect<A, E, TestServices>) => Promise<A>

export const createOrganization = (name: string, timeZone: string) =>
  Effect.flatMap(OrganizationRepo, (orgs) =>
    orgs.create({
      name,
      slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${Math.random().toString(36).slice(2, 8)}`,
      plan: "pro",
      limits: { maxUsers: 50, maxAiCallsPerMonth: 1000, maxConcurrentCalls: 20 },
      settings: { defaultTimeZone: timeZone as IanaTimeZone, defaultRegion: "US", recordCalls: true }
    }))

export const newCampaign = (overrides: Partial<NewCampaign> = {}): NewCampaign => ({
  teamId: null,
  name: "Winter renewals",
  description: null,
  mode: "progressive",
  status: "draft",
  callingWindow: { days: [0, 1, 2, 3, 4, 5, 6], start: "00:00", end: "23:59", fallbackTimeZone: "America/New_York" as IanaTimeZone },
  abandonPolicy: { maxAbandonRate: 0.03, periodDays: 30, safeHarborSeconds: 2, safeHarborRecordingId: null },
  attemptRules: { maxAttemptsPerContact: 5, maxAttemptsPerDay: 2, ringTimeoutSeconds: 25 },
  retryRules: [{ outcome: "no_answer", delayMinutes: 120, maxRetries: 3 }],
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

/** A call as the dialing session first records it: placed, not yet answered. */
export const placedCall = (
  campaignId: CampaignId | null,
  contactId: ContactId | null,
  toNumber: string,
  at: Date,
  overrides: Partial<NewCall> = {}
): NewCall => ({
  campaignId,
  contactId,
  campaignContactId: null,
  agentId: null,
  callerIdNumberId: null,
  voiceServerId: null,
  parentCallId: null,
  provider: "simulated",
  providerCallId: null,
  direction: "outbound",
  fromNumber: "+14155550199" as E164,
  toNumber: toNumber as E164,
  status: "initiated",
  answeredBy: null,
  outcome: null,
  dispositionId: null,
  attempt: 1,
  queuedAt: at,
  initiatedAt: at,
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

export type OrgId = OrganizationId

/** A contact entered by hand (no CRM). */
export const localContact = (phone: string, firstName = "Local"): NewContact => ({
  crmId: null,
  sourceCrm: null,
  firstName,
  lastName: "Only",
  company: null,
  title: null,
  email: null,
  phone: phone as E164,
  alternatePhones: [],
  timeZone: null,
  timeZoneSource: null,
  leadScore: null,
  status: "new",
  stage: null,
  source: "manual",
  ownerId: null,
  tags: [],
  customFields: {},
  consent: { status: "unknown", method: null, capturedAt: null, evidence: null },
  lastContactedAt: null
})

export const newAgent = (email: string, fullName: string): NewUser => ({
  teamId: null,
  email: email as NewUser["email"],
  fullName: fullName as NewUser["fullName"],
  role: "agent",
  crmUserId: null,
  passwordHash: null,
  twoFactorEnabled: false,
  twoFactorSecretEncrypted: null,
  twoFactorRecoveryHashes: [],
  isActive: true
})
