/**
 * Durable, idempotent storage of carrier events, shared by the webhook
 * routes and the in-process carrier forwarder.
 *
 * An event is inserted into `call_events` keyed by (provider, provider event
 * key): a retried webhook finds the row and changes nothing. Only a new event
 * moves the call forward, and only forward: a status whose rank is below the
 * call's current one (a late "ringing" after "completed") is stored for the
 * record but never rewinds the call. The lookup runs as the system role
 * because the webhook does not know the organization; the write runs as the
 * call's tenant.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import type { CallEvent as CallEvents } from "@autodialer/telephony"

type CallEvent = CallEvents.CallEvent

export interface OwnedCall {
  readonly id: string
  readonly orgId: string
  readonly campaignId: string | null
  readonly contactId: string | null
  readonly agentId: string | null
  readonly status: string
}

const rank: Readonly<Record<string, number>> = {
  queued: 0, initiated: 1, ringing: 2, in_progress: 3, completed: 4, busy: 4, no_answer: 4, failed: 4, canceled: 4
}

/** The calls-table status an event moves the call to. */
export const statusOf = (event: CallEvent): string => {
  switch (event._tag) {
    case "Initiated": return "initiated"
    case "Ringing": return "ringing"
    case "Answered":
    case "Bridged": return "in_progress"
    case "Completed": return "completed"
    case "Busy": return "busy"
    case "NoAnswer": return "no_answer"
    case "Failed": return "failed"
    case "Canceled": return "canceled"
  }
}

/** Finds our call for a provider's call id, or by our own id when the callback carries it. */
export const findCall = (provider: string, providerCallId: string | undefined, callId: string | undefined) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* Tenancy.withSystem(sql<OwnedCall>`
      SELECT id, org_id, campaign_id, contact_id, agent_id, status FROM calls
      WHERE ${callId !== undefined && UuidV7.uuidPattern.test(callId)
        ? sql`id = ${callId}`
        : sql`provider = ${provider} AND provider_call_id = ${providerCallId ?? ""}`}
      LIMIT 1`)
    return rows[0]
  })

export interface Stored {
  /** False when the event had been stored before (a retried webhook). */
  readonly inserted: boolean
  readonly call: OwnedCall
}

/** Stores `event` for `call` once; applies it to the call row when it is new and moves the call forward. */
export const store = (call: OwnedCall, event: CallEvent, payload: unknown) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* Tenancy.withTenant(call.orgId as OrganizationId)(Effect.gen(function*() {
      const inserted = yield* sql`
        INSERT INTO call_events ${sql.insert({
          id: yield* UuidV7.generate, orgId: call.orgId, callId: call.id, provider: event.provider,
          providerCallId: event.providerCallId ?? null, providerEventKey: event.eventKey, eventType: event._tag,
          payload: JSON.stringify(payload), occurredAt: new Date(event.at)
        })}
        ON CONFLICT (provider, provider_event_key) DO NOTHING RETURNING id`
      if (inserted.length === 0) return { inserted: false, call } satisfies Stored
      const current = yield* sql<{ readonly status: string }>`SELECT status FROM calls WHERE id = ${call.id} FOR UPDATE`
      const next = statusOf(event)
      const from = current[0]?.status ?? call.status
      if ((rank[next] ?? 0) > (rank[from] ?? 0)) {
        const at = new Date(event.at)
        const patch: Record<string, unknown> = { status: next }
        if (event.providerCallId !== undefined) patch["providerCallId"] = event.providerCallId
        if (event._tag === "Ringing") patch["ringingAt"] = at
        if (event._tag === "Answered") {
          patch["answeredAt"] = at
          // The carrier's verdicts are a subset of the domain's AnsweredBy (Twilio's names).
          patch["answeredBy"] = event.answeredBy
        }
        if (rank[next] === 4) patch["endedAt"] = at
        if (event._tag === "Completed") {
          patch["billableSeconds"] = event.durationSec
          patch["talkDurationSeconds"] = event.durationSec
        }
        if (event._tag === "Failed") {
          patch["errorMessage"] = event.detail
          patch["errorCode"] = event.providerCode ?? null
        }
        yield* sql`UPDATE calls SET ${sql.update(patch)} WHERE id = ${call.id}`
      }
      return { inserted: true, call: { ...call, status: (rank[next] ?? 0) > (rank[from] ?? 0) ? next : from } } satisfies Stored
    }))
  })
