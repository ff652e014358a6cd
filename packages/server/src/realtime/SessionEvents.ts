/**
 * The server's side of the dialing session's observer port: each session
 * event becomes the realtime channel events the web console consumes.
 *
 * The session speaks in its own ids (its call ids, queue entries); the
 * channels speak the API's (calls.id, contacts.id, the contact as
 * GET /contacts/{id} shows it), so each event is translated here, in the
 * campaign's organization. The shapes:
 *
 * - agent channel `user:<agentId>`: `call.offered` {callId, campaignId,
 *   contactId}, `call.connected` {callId, campaignId, contactId, contact,
 *   campaign {id, name, script}} (the screen-pop), `call.ended` {callId,
 *   outcome, wrapUpSeconds}, `wrapup.started` {callId, deadline,
 *   limitSeconds}, `agent.state` {agentId, state, campaignId, callId, reason},
 *   `preview.offered` {contact, campaignId, autoDialSeconds};
 * - supervisor channel `campaign:<campaignId>`: `call.ended` {callId,
 *   outcome}, `agent.state` as above, and `campaign.pacing` (the session's
 *   own snapshot: dial level, calls in flight, agents by state, abandon rate
 *   against its limit; `campaign.stats` stays the stored-data view).
 *
 * A translation that fails (a row gone) is logged and dropped: nothing
 * durable depends on a realtime event.
 */
import { Clock, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { Tenancy } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { SessionObserver, type SessionEvent } from "@autodialer/workflows/SessionObserver"
import { type ContactRow, contactView } from "../http/ContactHandlers.ts"
import { campaignChannel, Realtime, userChannel } from "./Realtime.ts"

export interface Options {
  /** The session's wrap-up timeout, shown to the agent as the wrap-up limit. */
  readonly wrapUpSeconds: number
  /** Also told of every event (the embedded default's simulated agents listen here). */
  readonly also?: (event: SessionEvent) => Effect.Effect<void>
}

export const layer = (options: Options): Layer.Layer<SessionObserver, never, Realtime | SqlClient.SqlClient> =>
  Layer.effect(
    SessionObserver,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const realtime = yield* Realtime
      const orgs = new Map<string, string>()
      const orgOf = (campaignId: string) =>
        Effect.suspend(() => {
          const known = orgs.get(campaignId)
          if (known !== undefined) return Effect.succeed(known)
          return Tenancy.withSystem(sql<{ readonly orgId: string }>`SELECT org_id FROM campaigns WHERE id = ${campaignId}`).pipe(
            Effect.flatMap((rows) => rows[0] === undefined ? Effect.fail(new Error(`campaign ${campaignId} not found`)) : Effect.succeed(rows[0].orgId)),
            Effect.tap((org) => Effect.sync(() => orgs.set(campaignId, org)))
          )
        })
      const callIds = new Map<string, string>()
      /** calls.id of a session call id (stable once known). */
      const callOf = (orgId: string, sessionCallId: string) =>
        Effect.suspend(() => {
          const known = callIds.get(sessionCallId)
          if (known !== undefined) return Effect.succeed(known)
          return Tenancy.withTenant(orgId as OrganizationId)(sql<{ readonly id: string }>`SELECT id FROM calls WHERE session_call_id = ${sessionCallId}`).pipe(
            Effect.map((rows) => rows[0]?.id ?? null),
            Effect.tap((id) => Effect.sync(() => { if (id !== null) callIds.set(sessionCallId, id) }))
          )
        })
      const contactOf = (orgId: string, entryId: string) =>
        Tenancy.withTenant(orgId as OrganizationId)(sql<ContactRow>`
          SELECT c.id, c.phone, c.first_name, c.last_name, c.company, c.email, c.time_zone, c.status, c.crm_id, c.source_crm, c.tags,
            c.custom_fields, c.created_at, c.updated_at
          FROM campaign_contacts cc JOIN contacts c ON c.id = cc.contact_id WHERE cc.id = ${entryId}`).pipe(Effect.map((rows) => rows[0]))

      const send = (orgId: string, channel: string, type: string, at: number, data: unknown) =>
        realtime.publish({ orgId, channel, type, at, data })

      const translate = (e: SessionEvent) =>
        Effect.gen(function*() {
          const orgId = yield* orgOf(e.campaignId)
          const both = (agentId: string | undefined, type: string, data: unknown) =>
            Effect.all([
              agentId === undefined ? Effect.void : send(orgId, userChannel(agentId), type, e.at, data),
              send(orgId, campaignChannel(e.campaignId), type, e.at, data)
            ], { discard: true })
          switch (e._tag) {
            case "CallOffered": {
              const contact = yield* contactOf(orgId, e.contactId)
              return yield* send(orgId, userChannel(e.agentId), "call.offered", e.at, {
                callId: yield* callOf(orgId, e.callId), campaignId: e.campaignId, contactId: contact?.id ?? null
              })
            }
            case "CallConnected": {
              const contact = yield* contactOf(orgId, e.contactId)
              const campaign = yield* Tenancy.withTenant(orgId as OrganizationId)(
                sql<{ readonly name: string; readonly script: string | null }>`SELECT name, script FROM campaigns WHERE id = ${e.campaignId}`
              )
              return yield* send(orgId, userChannel(e.agentId), "call.connected", e.at, {
                callId: yield* callOf(orgId, e.callId), campaignId: e.campaignId, contactId: contact?.id ?? null,
                contact: contact === undefined ? null : contactView(contact),
                campaign: { id: e.campaignId, name: campaign[0]?.name ?? "", script: campaign[0]?.script ?? null }
              })
            }
            case "CallEnded": {
              const callId = yield* callOf(orgId, e.callId)
              const outcome = e.outcome ?? null
              if (e.agentId !== undefined) {
                yield* send(orgId, userChannel(e.agentId), "call.ended", e.at, { callId, outcome, wrapUpSeconds: options.wrapUpSeconds })
              }
              return yield* send(orgId, campaignChannel(e.campaignId), "call.ended", e.at, { callId, outcome })
            }
            case "WrapUpStarted":
              return yield* send(orgId, userChannel(e.agentId), "wrapup.started", e.at, {
                callId: e.callId === "" ? null : yield* callOf(orgId, e.callId), deadline: e.deadline,
                limitSeconds: Math.round((e.deadline - e.at) / 1000)
              })
            case "AgentStateChanged":
              return yield* both(e.agentId, "agent.state", {
                agentId: e.agentId, state: e.state, campaignId: e.campaignId,
                callId: e.callId === undefined ? null : yield* callOf(orgId, e.callId), reason: e.reason ?? null
              })
            case "PreviewOffered": {
              const contact = yield* contactOf(orgId, e.contactId)
              if (contact === undefined) return
              const now = yield* Clock.currentTimeMillis
              return yield* send(orgId, userChannel(e.agentId), "preview.offered", e.at, {
                contact: contactView(contact), campaignId: e.campaignId,
                ...(e.autoDialAt === undefined ? {} : { autoDialSeconds: Math.max(0, Math.round((e.autoDialAt - now) / 1000)) })
              })
            }
            case "CampaignStats": {
              const { _tag: _, at: _at, ...stats } = e
              return yield* send(orgId, campaignChannel(e.campaignId), "campaign.pacing", e.at, stats)
            }
          }
        })

      return SessionObserver.of({
        publish: (event) =>
          translate(event).pipe(
            Effect.provideService(SqlClient.SqlClient, sql),
            Effect.catchCause((cause) => Effect.logWarning(`realtime: session event ${event._tag} of campaign ${event.campaignId} dropped`, cause)),
            Effect.andThen(options.also === undefined ? Effect.void : options.also(event))
          )
      })
    })
  )
