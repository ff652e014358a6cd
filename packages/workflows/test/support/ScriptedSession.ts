/**
 * A scripted dialing-session activity for the workflow tests. The campaign
 * workflow is tested against the real Temporal server with this activity so
 * each test controls what a session reports; the real session activity is
 * tested against Postgres in DialingSession.integration.test.ts.
 *
 * It behaves like a session at the Temporal edge: it heartbeats, it notices
 * cancellation only through heartbeats, and it records every invocation.
 */
import { Context } from "@temporalio/activity"
import { ApplicationFailure } from "@temporalio/common"
import type { CampaignActivities, SessionInput } from "../../src/CampaignActivities.ts"
import type { SessionReport } from "../../src/CampaignStatus.ts"

export type Behaviour =
  | { readonly _tag: "report"; readonly report: SessionReport }
  /** Heartbeat until cancelled, then return an outcome "cancelled" report. */
  | { readonly _tag: "untilCancelled" }
  | { readonly _tag: "fail"; readonly message: string; readonly nonRetryable: boolean; readonly type: string }

export interface Invocation {
  readonly input: SessionInput
  readonly attempt: number
  /** Workflow-clock instant the attempt was scheduled (skipped time on the time-skipping server). */
  readonly scheduledAt: number
  cancelled: boolean
}

export const report = (outcome: SessionReport["outcome"], patch: Partial<SessionReport> = {}): SessionReport => ({
  outcome, dialsPlaced: 1, callsFinished: 1, contactsRemaining: 0, abandon: { liveAnswers: 0, abandoned: 0 }, ...patch
})

export const scriptedSession = (script: (n: number, input: SessionInput, scheduledAt: number) => Behaviour) => {
  const invocations: Array<Invocation> = []
  const activities: CampaignActivities = {
    async runDialingSession(input) {
      const ctx = Context.current()
      const inv: Invocation = {
        input, attempt: ctx.info.attempt, scheduledAt: ctx.info.currentAttemptScheduledTimestampMs, cancelled: false
      }
      invocations.push(inv)
      const behaviour = script(invocations.length, input, inv.scheduledAt)
      switch (behaviour._tag) {
        case "report":
          return behaviour.report
        case "fail":
          throw behaviour.nonRetryable
            ? ApplicationFailure.nonRetryable(behaviour.message, behaviour.type)
            : ApplicationFailure.retryable(behaviour.message, behaviour.type)
        case "untilCancelled":
          for (;;) {
            ctx.heartbeat({ invocation: invocations.length })
            try {
              await Promise.race([ctx.cancelled, ctx.sleep(100)])
            } catch {
              inv.cancelled = true
              return report("cancelled", { dialsPlaced: 2, callsFinished: 2 })
            }
          }
      }
    }
  }
  return { activities, invocations }
}
