/**
 * The call-state contract every adapter must meet, as data: one carrier-side
 * history per case and the normalised events and final status it must give.
 * Contract.test.ts delivers each history the way the simulated carrier, Twilio
 * and Plivo deliver it (script, signed webhooks); ContractSip.integration.test.ts
 * plays the same cases over real SIP (sip.js -> Kamailio -> SIPp). Keeping the
 * cases here means a new case fails every adapter that has no rendering of it.
 */
import type { CallEvent } from "../../src/CallEvent.ts"
import type * as CallState from "../../src/CallState.ts"

/** What the carrier reports, or (`hangUp`) what the engine asks of the port. */
export type Step = "ringing" | "answered" | "completed" | "canceled" | "hangUp"

export interface ContractCase {
  readonly title: string
  /** The carrier's history, in delivery order. */
  readonly history: ReadonlyArray<Step>
  /** Normalised events expected, `Initiated` left out (adapters emit it at different points). */
  readonly events: ReadonlyArray<CallEvent["_tag"]>
  readonly status: CallState.Status
  /** The call must never count as answered (a late answer after a hang-up is ignored). */
  readonly neverAnswered?: true
}

export const contractCases = {
  inOrder: {
    title: "in-order history",
    history: ["ringing", "answered", "completed"],
    events: ["Ringing", "Answered", "Completed"],
    status: "completed"
  },
  duplicates: {
    title: "every event delivered twice gives the same events, once",
    history: ["ringing", "ringing", "answered", "answered", "completed", "completed"],
    events: ["Ringing", "Answered", "Completed"],
    status: "completed"
  },
  outOfOrder: {
    title: "out-of-order delivery never moves the call backwards",
    history: ["answered", "ringing", "completed", "ringing", "answered"],
    events: ["Answered", "Completed"],
    status: "completed"
  },
  hangUpDuringRinging: {
    title: "hang-up during ringing ends as canceled; a late answer is ignored",
    history: ["ringing", "hangUp", "canceled", "answered"],
    events: ["Ringing", "Canceled"],
    status: "canceled",
    neverAnswered: true
  }
} as const satisfies Record<string, ContractCase>

export type ContractCaseId = keyof typeof contractCases

export const contractCaseIds = Object.keys(contractCases) as ReadonlyArray<ContractCaseId>

/** The observed tags, `Initiated` dropped, for comparison with `ContractCase.events`. */
export const observedTags = (events: ReadonlyArray<CallEvent>): ReadonlyArray<CallEvent["_tag"]> =>
  events.map((e) => e._tag).filter((t) => t !== "Initiated")
