/**
 * What the server's CRM endpoints and the CLI need, independent of HTTP:
 * connect a CRM (credentials sealed by the repository, a sync schedule
 * created), run a sync now, list a connection's sync log, pause/resume and
 * disconnect. Input is decoded here, at the boundary, with errors that name
 * the field and what was expected but never echo a credential value. Views
 * of a connection never carry its credentials.
 */
import type { CrmConnection } from "@autodialer/domain/CrmConnection"
import { type CrmConnectionNotFound, CrmConnectionRepo, type DuplicateCrmConnection } from "@autodialer/domain/CrmConnectionRepo"
import type { CrmSyncLog } from "@autodialer/domain/CrmSyncLog"
import { CrmSyncLogRepo } from "@autodialer/domain/CrmSyncLogRepo"
import { CrmSyncStatus, CrmType } from "@autodialer/domain/Enums"
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import type * as Page from "@autodialer/domain/Page"
import { CsvWebhook, HubSpot, Salesforce, Zoho } from "@autodialer/crm-sync"
import type { Client } from "@temporalio/client"
import { Context, Effect, Layer, Schema } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import * as Schedules from "./Schedules.ts"

/** A connection as shown to users: everything but the credentials. */
export interface ConnectionView {
  readonly id: string
  readonly crmType: CrmType
  readonly name: string
  readonly externalAccountId: string | null
  readonly instanceUrl: string | null
  readonly status: CrmConnection["status"]
  readonly lastSyncedAt: string | null
  readonly lastError: string | null
  readonly scheduleId: string
}

export const view = (c: CrmConnection): ConnectionView => ({
  id: c.id,
  crmType: c.crmType,
  name: c.name,
  externalAccountId: c.externalAccountId,
  instanceUrl: c.instanceUrl,
  status: c.status,
  lastSyncedAt: c.lastSyncedAt === null ? null : c.lastSyncedAt.toISOString(),
  lastError: c.lastError,
  scheduleId: Schedules.crmSyncScheduleId(c.id)
})

const Duration = Schema.String.pipe(Schema.check(Schema.isPattern(
  /^\d+\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/,
  { message: "expected a duration such as \"15 minutes\", \"1h\" or \"30m\"" }
)))

/** The body of "connect a CRM". Credential values are opaque strings (tokens, client secret...). */
export const ConnectInput = Schema.Struct({
  crmType: CrmType,
  name: Schema.String.pipe(Schema.check(Schema.isNonEmpty())),
  externalAccountId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** Salesforce instance URL, or the Zoho data centre ("eu", "com"...). */
  instanceUrl: Schema.optionalKey(Schema.NullOr(Schema.String)),
  credentials: Schema.Record(Schema.String, Schema.String),
  /** Sync cadence (default 15 minutes). */
  every: Schema.optionalKey(Duration)
})
export type ConnectInput = typeof ConnectInput.Type

export class CrmConnectInvalid extends Schema.TaggedError<CrmConnectInvalid>()("CrmConnectInvalid", {
  field: Schema.String,
  expected: Schema.String
}) {
  override get message() {
    return `${this.field}: expected ${this.expected}`
  }
}

/** Temporal could not be reached or refused the schedule change. */
export class CrmScheduleFailed extends Schema.TaggedError<CrmScheduleFailed>()("CrmScheduleFailed", {
  connectionId: Schema.String,
  operation: Schema.String,
  message: Schema.String
}) {}

/** Each connector's own credential schema: a connection is refused before it is stored, not at the first sync. */
const credentialSchemas = {
  hubspot: HubSpot.HubSpotCredentials,
  salesforce: Salesforce.SalesforceCredentials,
  zoho: Zoho.ZohoCredentials,
  csv: CsvWebhook.WebhookCredentials
} as const

/** The keys an issue points at, never the value (it may be a token). */
const issueKeys = (message: string): string =>
  [...new Set([...message.matchAll(/at \[([^\]]*)\]/g)].map((m) => m[1]!.replace(/"/g, "").trim()))].join(", ")

const decodeConnect = (input: unknown): Effect.Effect<ConnectInput, CrmConnectInvalid> =>
  Schema.decodeUnknownEffect(ConnectInput)(input).pipe(
    Effect.mapError((e) => {
      // The path of the first issue, never the value: it may be a token.
      const path = /at \[([^\]]*)\]/.exec(e.message)?.[1]?.replace(/"/g, "") ?? "body"
      const field = path === "" ? "body" : path.split(",")[0]!.trim()
      const expected = field === "credentials"
        ? "an object of string values (tokens, client id and secret)"
        : field === "crmType"
        ? `one of ${CrmType.literals.join(", ")}`
        : field === "every"
        ? "a duration such as \"15 minutes\""
        : "a valid value (see the API reference)"
      return new CrmConnectInvalid({ field, expected })
    }),
    Effect.flatMap((body) =>
      Schema.decodeUnknownEffect(credentialSchemas[body.crmType] as Schema.Codec<unknown, unknown>)(body.credentials).pipe(
        Effect.mapError((e) =>
          new CrmConnectInvalid({
            field: `credentials${issueKeys(e.message) === "" ? "" : `.${issueKeys(e.message)}`}`,
            expected: `the ${body.crmType} credentials (accessToken, optionally refreshToken, clientId and clientSecret; ` +
              `csv: a signingSecret of at least 16 characters)`
          })
        ),
        Effect.as(body)
      ))
  )

export class CrmSyncControl extends Context.Service<CrmSyncControl, {
  /** Stores the connection (credentials sealed) and creates its sync schedule. */
  readonly connect: (
    orgId: OrganizationId,
    input: unknown
  ) => Effect.Effect<ConnectionView, CrmConnectInvalid | DuplicateCrmConnection | CrmScheduleFailed | SqlError>
  readonly list: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<ConnectionView>, SqlError>
  /** Starts a sync now (skipped if one is running); recreates a missing schedule first. */
  readonly syncNow: (
    orgId: OrganizationId,
    connectionId: CrmConnectionId
  ) => Effect.Effect<ConnectionView, CrmConnectionNotFound | CrmConnectInvalid | CrmScheduleFailed | SqlError>
  readonly logs: (
    orgId: OrganizationId,
    connectionId: CrmConnectionId,
    request: Page.PageRequest,
    status?: CrmSyncStatus
  ) => Effect.Effect<Page.Page<CrmSyncLog>, CrmConnectionNotFound | Page.InvalidCursor | SqlError>
  /** Pauses the connection's schedule (no run starts until resumed) and marks the connection paused. */
  readonly pause: (
    orgId: OrganizationId,
    connectionId: CrmConnectionId
  ) => Effect.Effect<ConnectionView, CrmConnectionNotFound | CrmConnectInvalid | CrmScheduleFailed | SqlError>
  /** Marks the connection active and unpauses its schedule (recreated if missing). */
  readonly resume: (
    orgId: OrganizationId,
    connectionId: CrmConnectionId
  ) => Effect.Effect<ConnectionView, CrmConnectionNotFound | CrmConnectInvalid | CrmScheduleFailed | SqlError>
  /** Marks the connection revoked and deletes its schedule; its log stays. */
  readonly disconnect: (orgId: OrganizationId, connectionId: CrmConnectionId) => Effect.Effect<void, CrmConnectionNotFound | CrmScheduleFailed | SqlError>
}>()("@autodialer/workflows/CrmSyncControl") {
  static readonly layer = (options: {
    readonly client: Client
    readonly taskQueue?: string
    readonly defaultEvery?: string
  }): Layer.Layer<CrmSyncControl, never, CrmConnectionRepo | CrmSyncLogRepo> =>
    Layer.effect(CrmSyncControl, Effect.gen(function*() {
      const repo = yield* CrmConnectionRepo
      const logRepo = yield* CrmSyncLogRepo
      const temporal = <A>(connectionId: string, operation: string, f: () => Promise<A>) =>
        Effect.tryPromise({
          try: f,
          catch: (e) => new CrmScheduleFailed({ connectionId, operation, message: e instanceof Error ? e.message : String(e) })
        })
      const schedule = (c: CrmConnection, every: string, paused: boolean) =>
        temporal(c.id, "upsertSchedule", () =>
          Schedules.upsertCrmSyncSchedule(options.client, {
            orgId: c.orgId, connectionId: c.id, every, paused,
            ...(options.taskQueue === undefined ? {} : { taskQueue: options.taskQueue })
          }))
      const defaultEvery = options.defaultEvery ?? "15 minutes"
      const scheduleExists = (connectionId: string) =>
        temporal(connectionId, "describeSchedule", () =>
          options.client.schedule.getHandle(Schedules.crmSyncScheduleId(connectionId)).describe().then(() => true, () => false))
      /** A disconnected connection has no schedule left to pause, resume or trigger: it must be connected again. */
      const usable = (orgId: OrganizationId, connectionId: CrmConnectionId, action: string) =>
        Effect.flatMap(repo.findById(orgId, connectionId), (connection) =>
          connection.status === "revoked"
            ? Effect.fail(new CrmConnectInvalid({ field: "connectionId", expected: `a connection that was not disconnected to ${action} (connect the CRM again)` }))
            : Effect.succeed(connection))
      /** Pauses or unpauses the connection's schedule, recreating it (at the default cadence) if Temporal lost it. */
      const setPaused = (connection: CrmConnection, paused: boolean) =>
        Effect.gen(function*() {
          if (!(yield* scheduleExists(connection.id))) {
            yield* schedule(connection, defaultEvery, paused)
            return
          }
          yield* temporal(connection.id, paused ? "pause" : "resume", () =>
            paused
              ? Schedules.pauseCrmSync(options.client, connection.id, "paused by a user")
              : Schedules.resumeCrmSync(options.client, connection.id, "resumed by a user"))
        })

      return CrmSyncControl.of({
        connect: (orgId, input) =>
          Effect.gen(function*() {
            const body = yield* decodeConnect(input)
            const connection = yield* repo.create(orgId, {
              crmType: body.crmType,
              name: body.name,
              externalAccountId: body.externalAccountId ?? null,
              instanceUrl: body.instanceUrl ?? null,
              credentials: JSON.stringify(body.credentials)
            })
            yield* schedule(connection, body.every ?? defaultEvery, false)
            return view(connection)
          }),
        list: (orgId) => Effect.map(repo.list(orgId), (all) => all.map(view)),
        syncNow: (orgId, connectionId) =>
          Effect.gen(function*() {
            const connection = yield* repo.findById(orgId, connectionId)
            if (connection.status === "revoked") {
              return yield* new CrmConnectInvalid({ field: "connectionId", expected: "a connection that was not disconnected (connect the CRM again)" })
            }
            if (connection.status === "paused") {
              return yield* new CrmConnectInvalid({ field: "connectionId", expected: "an active connection (this one is paused: resume it first)" })
            }
            if (!(yield* scheduleExists(connectionId))) yield* schedule(connection, defaultEvery, false)
            yield* temporal(connectionId, "trigger", () => Schedules.triggerCrmSync(options.client, connectionId))
            return view(connection)
          }),
        logs: (orgId, connectionId, request, status) =>
          Effect.flatMap(repo.findById(orgId, connectionId), () =>
            logRepo.list(orgId, request, { connectionId, ...(status === undefined ? {} : { status }) })),
        pause: (orgId, connectionId) =>
          Effect.gen(function*() {
            const connection = yield* usable(orgId, connectionId, "pause")
            // The schedule first: once it is paused no new run starts, whatever the row says.
            yield* setPaused(connection, true)
            return view(yield* repo.setStatus(orgId, connectionId, "paused", null))
          }),
        resume: (orgId, connectionId) =>
          Effect.gen(function*() {
            const connection = yield* usable(orgId, connectionId, "resume")
            // The row first: a run the schedule starts must find the connection active.
            const active = yield* repo.setStatus(orgId, connectionId, "active", null)
            yield* setPaused(connection, false)
            return view(active)
          }),
        disconnect: (orgId, connectionId) =>
          Effect.gen(function*() {
            yield* repo.setStatus(orgId, connectionId, "revoked", "disconnected by a user")
            yield* temporal(connectionId, "delete", () => Schedules.deleteCrmSyncSchedule(options.client, connectionId))
          })
      })
    }))
}

/** For the CLI and API docs: the statuses a log listing can be filtered by. */
export const logStatuses = CrmSyncStatus.literals
