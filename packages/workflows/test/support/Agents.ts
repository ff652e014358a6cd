/**
 * Simulated agents at their desks: they hear the session's observer events
 * and answer on the event bus like the server's agent endpoints would. After
 * each call an agent wraps up for `wrapMs` and then says it is done; offered
 * previews are taken or skipped by `onPreview`. Like the server's agent
 * endpoints, a desk stores the end of a wrap-up in `agent_state_log` before it
 * publishes it, so a session that was not listening (a retry starting) still
 * learns of it from Postgres.
 */
import { Clock, Effect, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { EventBus } from "../../src/EventBus.ts"
import { ObservedEvents } from "../../src/SessionObserver.ts"

export interface DeskOptions {
  readonly wrapMs: number
  /** What an agent does with an offered preview; undefined leaves it to the countdown. */
  readonly onPreview?: (agentId: string, contactId: string) => "take" | "skip" | undefined
}

/** Runs until interrupted (fork it in the worker's runtime before sessions start). */
export const desks = (options: DeskOptions) =>
  Effect.scoped(Effect.gen(function*() {
    const bus = yield* EventBus
    const sql = yield* SqlClient.SqlClient
    const events = yield* (yield* ObservedEvents).subscribe
    yield* Stream.runForEach(events, (e) => {
      if (e._tag === "WrapUpStarted") {
        return Effect.forkDetach(Effect.sleep(options.wrapMs).pipe(
          Effect.andThen(Clock.currentTimeMillis),
          Effect.tap((at) => sql`INSERT INTO agent_state_log (id, org_id, agent_id, campaign_id, state, reason, changed_at)
            SELECT gen_random_uuid(), org_id, ${e.agentId}, id, 'available', 'desk: wrap-up done', ${new Date(at)} FROM campaigns WHERE id = ${e.campaignId}`),
          Effect.flatMap((at) => bus.publish(e.campaignId, { _tag: "AgentAction", agentId: e.agentId, action: "wrapUpDone", at })),
          Effect.catchCause((cause) => Effect.logWarning("simulated desk: wrap-up done not stored", cause))
        )).pipe(Effect.asVoid)
      }
      if (e._tag === "PreviewOffered") {
        const choice = options.onPreview?.(e.agentId, e.contactId)
        if (choice === undefined) return Effect.void
        return bus.publish(e.campaignId, {
          _tag: "AgentAction", agentId: e.agentId, action: choice === "take" ? "previewTake" : "previewSkip", contactId: e.contactId, at: e.at
        })
      }
      return Effect.void
    })
  }))
