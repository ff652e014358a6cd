/**
 * The CRM sync activities: the Temporal edge of `CrmSync`. Each runs one
 * Effect program on the worker's `ManagedRuntime` and maps its failure once
 * to an `ApplicationFailure`: rate limits are retried after the CRM's
 * `Retry-After` (`nextRetryDelay`), transient errors with the workflow's
 * backoff, and a missing, paused or revoked connection or unusable
 * credentials not at all (a 401 that survives a token refresh is retried
 * twice first: a concurrent refresh elsewhere may have replaced our token). Failure messages come from the connectors, which
 * never include credentials.
 */
import { Context } from "@temporalio/activity"
import { ApplicationFailure } from "@temporalio/common"
import { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import { Cause, type Effect, Exit, type ManagedRuntime, Schema } from "effect"
import {
  type ConnectionRef,
  type CrmSyncServices,
  type PullPageResult,
  type PushBatchResult,
  type SettingsFor,
  type SyncError,
  pullPage,
  pushBatch
} from "../CrmSync.ts"

export type { ConnectionRef, PullPageResult, PushBatchResult }

/** ApplicationFailure types raised by the CRM sync activities. */
export const CrmSyncFailureTypes = {
  /** Connection missing, paused or revoked, or credentials unusable: fix the connection. */
  connectionUnusable: "CrmConnectionUnusable",
  /** A stored checkpoint that cannot be read: clear it to resync. */
  checkpointInvalid: "CrmCheckpointInvalid",
  /** Transient: rate limit, 5xx, network, database. */
  transient: "CrmSyncTransient",
  /** Some pushes of a batch failed in a way worth retrying; the rest were stored. */
  pushIncomplete: "CrmPushIncomplete",
  /** The workflow input is malformed (not a UUID). */
  invalidInput: "CrmSyncInvalidInput"
} as const

export interface CrmSyncActivities {
  /** Pulls one page of changed contacts and stores the advanced checkpoint. */
  crmPullContactsPage(input: ConnectionRef): Promise<PullPageResult>
  /** Pushes the next `limit` calls of the connection's outbox. */
  crmPushCallActivities(input: ConnectionRef & { readonly limit: number }): Promise<PushBatchResult>
}

export interface CrmSyncActivityDeps {
  readonly runtime: ManagedRuntime.ManagedRuntime<CrmSyncServices, unknown>
  /** Settings not stored in the connection row; defaults to none. */
  readonly settings?: SettingsFor
}

/**
 * Attempts after which a 401 that survived a token refresh counts as revoked access. Before that it
 * is retried: another process may have refreshed the token at the same moment and invalidated ours.
 */
const unauthorizedAttempts = 3

const toFailure = (ref: ConnectionRef, error: unknown, attempt: number): ApplicationFailure => {
  const e = error as Partial<SyncError> & {
    readonly _tag?: string
    readonly message?: string
    readonly isRetryable?: boolean
    readonly operation?: string
  }
  const message = `CRM connection ${ref.connectionId}: ${e.message ?? String(error)}`
  if (e._tag === "CrmUnauthorized" && e.operation !== "refreshToken" && attempt < unauthorizedAttempts) {
    return ApplicationFailure.create({ message, type: CrmSyncFailureTypes.transient, nonRetryable: false })
  }
  switch (e._tag) {
    case "CrmConnectionNotFound":
    case "CrmCredentialsInvalid":
    case "CrmUnauthorized":
    case "CrmInputInvalid":
      return ApplicationFailure.create({ message, type: CrmSyncFailureTypes.connectionUnusable, nonRetryable: true })
    case "CheckpointInvalid":
      return ApplicationFailure.create({ message, type: CrmSyncFailureTypes.checkpointInvalid, nonRetryable: true })
    case "CrmRateLimited": {
      const after = (error as { readonly retryAfterMillis: number | null }).retryAfterMillis
      return ApplicationFailure.create({
        message,
        type: CrmSyncFailureTypes.transient,
        nonRetryable: false,
        ...(after === null ? {} : { nextRetryDelay: after })
      })
    }
    default:
      return ApplicationFailure.create({ message, type: CrmSyncFailureTypes.transient, nonRetryable: e.isRetryable === false })
  }
}

const run = async <A>(
  deps: CrmSyncActivityDeps,
  ref: ConnectionRef,
  program: Effect.Effect<A, SyncError, CrmSyncServices>
): Promise<A> => {
  const exit = await deps.runtime.runPromiseExit(program)
  if (Exit.isSuccess(exit)) return exit.value
  throw toFailure(ref, Cause.squash(exit.cause), Context.current().info.attempt)
}

const Ref = Schema.Struct({ orgId: OrganizationId, connectionId: CrmConnectionId })

/** A malformed workflow input is a bug in the caller: fail at once, naming the field and value. */
const checked = <I extends ConnectionRef>(input: I): I => {
  const result = Schema.decodeUnknownExit(Ref)({ orgId: input.orgId, connectionId: input.connectionId })
  if (Exit.isFailure(result)) {
    const field = Schema.is(OrganizationId)(input.orgId) ? "connectionId" : "orgId"
    throw ApplicationFailure.create({
      message: `${field}: got ${JSON.stringify(input[field])}, expected a UUID`,
      type: CrmSyncFailureTypes.invalidInput,
      nonRetryable: true
    })
  }
  return input
}

export const createCrmSyncActivities = (deps: CrmSyncActivityDeps): CrmSyncActivities => {
  const settings: SettingsFor = deps.settings ?? (() => ({}))
  return {
    crmPullContactsPage: async (input) => run(deps, input, pullPage(checked(input), settings)),
    async crmPushCallActivities(input) {
      const result = await run(deps, input, pushBatch(checked(input), settings))
      if (result.retryable > 0) {
        // The successful pushes are logged; the retry takes only what is still in the outbox,
        // and a call the CRM created despite the error is found by its key (a duplicate).
        throw ApplicationFailure.create({
          message: `${result.retryable} of ${result.selected} call activities were not written to the CRM of connection ` +
            `${input.connectionId} and will be retried: ${result.messages.slice(0, 3).join("; ")}`,
          type: CrmSyncFailureTypes.pushIncomplete,
          nonRetryable: false,
          details: [result]
        })
      }
      return result
    }
  }
}
