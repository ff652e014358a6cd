/**
 * Handlers of the preview decisions (`POST /agents/me/preview/take|skip`):
 * the agent's answer to a `preview.offered` event goes to the campaign's
 * dialing session on the event bus, which dials the contact (take) or puts it
 * back in the queue (skip). The contact is named by its contact id, as the
 * event showed it; the session knows it by its queue entry in the agent's
 * campaign, looked up here.
 */
import { Clock, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { EventBus } from "@autodialer/workflows/EventBus"
import { Api } from "../api/Api.ts"
import { Conflict, NotFound, Unavailable } from "../api/Errors.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { inOrg } from "./Access.ts"
import { currentStates } from "./AgentHandlers.ts"

export const layer = HttpApiBuilder.group(Api, "preview", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const decide = (action: "previewTake" | "previewSkip", contactId: string) =>
    Effect.gen(function*() {
      const p = yield* CurrentPrincipal
      const bus = yield* Effect.serviceOption(EventBus)
      if (bus._tag === "None") {
        return yield* new Unavailable({ message: "this server runs no dialing sessions (no event bus); preview decisions go to the server that runs them" })
      }
      const current = (yield* inOrg(currentStates(sql, p.userId)))[0]
      const campaignId = current?.campaignId ?? null
      if (current === undefined || campaignId === null || (current.state ?? "offline") === "offline") {
        return yield* new Conflict({ message: "log in to a campaign first (POST /agents/me/login); previews are offered to agents of a preview campaign" })
      }
      const entry = yield* inOrg(sql<{ readonly id: string }>`
        SELECT id FROM campaign_contacts WHERE campaign_id = ${campaignId} AND contact_id = ${contactId}`)
      if (entry[0] === undefined) {
        return yield* new NotFound({
          resource: "contact", id: contactId, message: `contact ${contactId} is not in the queue of your campaign ${campaignId}; take or skip the contact the preview showed`
        })
      }
      const at = yield* Clock.currentTimeMillis
      yield* bus.value.publish(campaignId, { _tag: "AgentAction", agentId: p.userId, action, contactId: entry[0].id, at })
    })
  return handlers.handleAll({
    take: ({ payload }) => decide("previewTake", payload.contactId),
    skip: ({ payload }) => decide("previewSkip", payload.contactId)
  })
}))
