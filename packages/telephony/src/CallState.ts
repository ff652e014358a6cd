/**
 * The call state machine: a pure, monotonic fold of normalised carrier events.
 *
 * Carriers retry webhooks and deliver them out of order (Twilio documents
 * both). The machine therefore:
 * - absorbs an event whose key it has already seen (`Duplicate`);
 * - never moves backwards: a `Ringing` after `Answered`, or anything after a
 *   terminal event, is `Stale` and changes nothing;
 * - lets answering-machine detection refine who answered after the call was
 *   answered (`machine_start` -> `machine_end_beep`), because asynchronous AMD
 *   reports after the answer, sometimes even after the hang-up.
 * Only `Applied` transitions are stored and published.
 */
import type { AnsweredBy, CallEvent, FailureReason, Price, Provider } from "./CallEvent.ts"

export type Status =
  | "pending"
  | "initiated"
  | "ringing"
  | "answered"
  | "bridged"
  | "completed"
  | "busy"
  | "no_answer"
  | "failed"
  | "canceled"

/** "pending": stored, the carrier has not acknowledged it yet. */
const rank: Record<Status, number> = {
  pending: 0,
  initiated: 1,
  ringing: 2,
  answered: 3,
  bridged: 4,
  completed: 5,
  busy: 5,
  no_answer: 5,
  failed: 5,
  canceled: 5
}

export const isFinal = (status: Status): boolean => rank[status] === 5

/** Where a status sits in the forward order (terminal statuses share the last place). */
export const rankOf = (status: Status): number => rank[status]

export interface CallState {
  readonly callId: string
  readonly provider: Provider
  readonly status: Status
  readonly providerCallId?: string
  readonly answeredBy?: AnsweredBy
  readonly amdDecisionMs?: number
  readonly answeredAt?: number
  readonly endedAt?: number
  readonly durationSec?: number
  readonly price?: Price
  readonly failure?: { readonly reason: FailureReason; readonly detail: string }
  readonly bridgedTo?: string
  /** Event keys already applied or absorbed, for idempotency. */
  readonly seen: ReadonlySet<string>
}

export type Transition =
  | { readonly _tag: "Applied"; readonly state: CallState; readonly event: CallEvent }
  | { readonly _tag: "Duplicate"; readonly state: CallState }
  | { readonly _tag: "Stale"; readonly state: CallState; readonly why: string }

export const initial = (callId: string, provider: Provider): CallState => ({
  callId,
  provider,
  status: "pending",
  seen: new Set()
})

const statusOf = (event: CallEvent): Status => {
  switch (event._tag) {
    case "Initiated": return "initiated"
    case "Ringing": return "ringing"
    case "Answered": return "answered"
    case "Bridged": return "bridged"
    case "Completed": return "completed"
    case "Busy": return "busy"
    case "NoAnswer": return "no_answer"
    case "Failed": return "failed"
    case "Canceled": return "canceled"
  }
}

/** How certain each AMD verdict is; a later verdict only replaces a less certain one. */
const amdRank: Record<AnsweredBy, number> = {
  unknown: 0,
  machine_start: 1,
  human: 2,
  fax: 2,
  machine_end_beep: 3
}

const withSeen = (state: CallState, key: string): ReadonlySet<string> => new Set([...state.seen, key])

const refineAmd = (state: CallState, event: Extract<CallEvent, { _tag: "Answered" }>): Transition => {
  const current = state.answeredBy ?? "unknown"
  const seen = withSeen(state, event.eventKey)
  if (amdRank[event.answeredBy] <= amdRank[current]) {
    return { _tag: "Stale", state: { ...state, seen }, why: `answered-by ${event.answeredBy} does not refine ${current}` }
  }
  const next: CallState = {
    ...state,
    seen,
    answeredBy: event.answeredBy,
    ...(event.amdDecisionMs !== undefined ? { amdDecisionMs: event.amdDecisionMs } : {})
  }
  return { _tag: "Applied", state: next, event }
}

/** Fold one event into the state. Pure; the same inputs always give the same transition. */
export const apply = (state: CallState, event: CallEvent): Transition => {
  if (event.callId !== state.callId) {
    return { _tag: "Stale", state, why: `event for call ${event.callId} applied to call ${state.callId}` }
  }
  if (state.seen.has(event.eventKey)) return { _tag: "Duplicate", state }

  const target = statusOf(event)
  const answeredEarlier = state.answeredAt !== undefined

  // A late AMD verdict on a call that was already answered refines it without moving the status.
  if (event._tag === "Answered" && answeredEarlier) return refineAmd(state, event)

  if (isFinal(state.status)) {
    return { _tag: "Stale", state: { ...state, seen: withSeen(state, event.eventKey) }, why: `call already ${state.status}` }
  }
  // Bridged may repeat (a transfer bridges again); every other status moves strictly forward.
  const forward = rank[target] > rank[state.status] || (target === "bridged" && state.status === "bridged")
  if (!forward) {
    return {
      _tag: "Stale",
      state: { ...state, seen: withSeen(state, event.eventKey) },
      why: `${target} after ${state.status}`
    }
  }

  const providerCallId = state.providerCallId ?? event.providerCallId
  const base: CallState = {
    ...state,
    status: target,
    seen: withSeen(state, event.eventKey),
    ...(providerCallId !== undefined ? { providerCallId } : {})
  }
  let next: CallState = base
  switch (event._tag) {
    case "Answered":
      next = {
        ...base,
        answeredBy: event.answeredBy,
        answeredAt: event.at,
        ...(event.amdDecisionMs !== undefined ? { amdDecisionMs: event.amdDecisionMs } : {})
      }
      break
    case "Bridged":
      // A bridge implies an answer even if the answer callback is still in flight.
      next = { ...base, bridgedTo: event.endpoint, answeredAt: state.answeredAt ?? event.at }
      break
    case "Completed":
      next = {
        ...base,
        endedAt: event.at,
        durationSec: event.durationSec,
        ...(event.price !== undefined ? { price: event.price } : {})
      }
      break
    case "Failed":
      next = { ...base, endedAt: event.at, failure: { reason: event.reason, detail: event.detail } }
      break
    case "Busy":
    case "NoAnswer":
    case "Canceled":
      next = { ...base, endedAt: event.at }
      break
    case "Initiated":
    case "Ringing":
      break
  }
  return { _tag: "Applied", state: next, event }
}

/** Fold many events; returns the final state and the events that were applied, in order. */
export const applyAll = (
  state: CallState,
  events: Iterable<CallEvent>
): { readonly state: CallState; readonly applied: ReadonlyArray<CallEvent> } => {
  let current = state
  const applied: Array<CallEvent> = []
  for (const event of events) {
    const t = apply(current, event)
    current = t.state
    if (t._tag === "Applied") applied.push(t.event)
  }
  return { state: current, applied }
}

/** Statuses in which the callee has not picked up yet (cancel is possible). */
export const unanswered: ReadonlyArray<Status> = ["pending", "initiated", "ringing"]
/** Statuses in which the call is up (bridge, play, transfer are possible). */
export const connected: ReadonlyArray<Status> = ["answered", "bridged"]
/** Every non-terminal status. */
export const live: ReadonlyArray<Status> = [...unanswered, ...connected]
