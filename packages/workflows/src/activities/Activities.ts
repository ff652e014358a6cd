/**
 * The activities of the campaign workflow, made by `createActivities(deps)`
 * over the worker's one `ManagedRuntime` (the app layers: SessionStore,
 * EventBus, Telephony, SessionEngine, SessionObserver). This is the Temporal edge of the
 * Effect code: cancellation arrives through heartbeats and becomes the
 * session's graceful wind-down, and errors are mapped once to
 * `ApplicationFailure` with a type and retryability.
 */
import { Context } from "@temporalio/activity"
import { ApplicationFailure } from "@temporalio/common"
import { Cause, Exit, type ManagedRuntime } from "effect"
import type { Telephony } from "@autodialer/telephony"
import type { CampaignActivities } from "../CampaignActivities.ts"
import { formatIssues, validateCampaignConfig } from "../CampaignConfig.ts"
import type { EventBus } from "../EventBus.ts"
import { FailureTypes } from "../Names.ts"
import type { SessionEngine } from "../SessionEngine.ts"
import type { SessionObserver } from "../SessionObserver.ts"
import type { SessionStore } from "../SessionStore.ts"
import { type SessionOptions, defaultSessionOptions, runSession } from "./DialingSession.ts"

export type SessionServices = SessionStore | EventBus | Telephony | SessionEngine | SessionObserver

export interface ActivityDeps {
  readonly runtime: ManagedRuntime.ManagedRuntime<SessionServices, unknown>
  readonly session?: Partial<SessionOptions>
}

export const createActivities = (deps: ActivityDeps): CampaignActivities => {
  const options: SessionOptions = { ...defaultSessionOptions, ...deps.session }
  return {
    async runDialingSession(input) {
      const ctx = Context.current()
      const valid = validateCampaignConfig(input.config)
      if (!valid.ok) {
        throw ApplicationFailure.nonRetryable(`invalid campaign config: ${formatIssues(valid.issues)}`, FailureTypes.invalidConfig)
      }
      let cancelRequested = false
      let superseded = false
      ctx.cancelled.catch(() => {
        cancelRequested = true
        // Timed out or unknown to the server: Temporal has (or will have) a newer attempt running.
        const details = ctx.cancellationDetails
        if (details?.timedOut === true || details?.notFound === true) superseded = true
      })
      const exit = await deps.runtime.runPromiseExit(
        runSession(input, {
          attempt: ctx.info.attempt,
          heartbeat: (details) => ctx.heartbeat(details),
          cancelRequested: () => cancelRequested,
          superseded: () => superseded
        }, options)
      )
      if (Exit.isSuccess(exit)) return exit.value
      if (Cause.hasInterruptsOnly(exit.cause)) {
        // The process is stopping (Ctrl-C, SIGTERM) and took the session with it: not an error of the campaign.
        throw ApplicationFailure.create({
          message: `dialing session of campaign ${input.campaignId} stopped: this worker is shutting down; the campaign continues on the next worker`,
          type: FailureTypes.sessionFailed,
          nonRetryable: false
        })
      }
      const error = Cause.squash(exit.cause)
      const message = error instanceof Error ? error.message : String(error)
      // Database and carrier failures are transient from the campaign's point of
      // view: the retry rebuilds from Postgres on this or another worker.
      throw ApplicationFailure.create({
        message: `dialing session of campaign ${input.campaignId} failed: ${message}`,
        type: FailureTypes.sessionFailed,
        nonRetryable: false,
        ...(error instanceof Error ? { cause: error } : {})
      })
    }
  }
}
