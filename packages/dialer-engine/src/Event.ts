/**
 * Everything a dialing session can be told: agent state changes, carrier call
 * events, contact and DNC updates, configuration changes and timer ticks.
 *
 * Every event carries `at`, the session clock in epoch milliseconds. Events must
 * be delivered in non-decreasing `at` order; the session never reads a clock.
 */
import type { ConfigInput } from "./Config.ts"
import type { Contact } from "./Contact.ts"

export type AnswerVerdict = "human" | "machine" | "fax" | "unknown"

export type SessionEvent =
  | { readonly _tag: "AgentLoggedIn"; readonly at: number; readonly agentId: string }
  | { readonly _tag: "AgentReady"; readonly at: number; readonly agentId: string }
  /** Reserved by something outside the session (a manual call, a supervisor). */
  | { readonly _tag: "AgentReserved"; readonly at: number; readonly agentId: string }
  /** On a call the session did not place (inbound, manual). */
  | { readonly _tag: "AgentOnCall"; readonly at: number; readonly agentId: string }
  | { readonly _tag: "AgentWrapUp"; readonly at: number; readonly agentId: string }
  | { readonly _tag: "AgentPaused"; readonly at: number; readonly agentId: string; readonly code: string }
  | { readonly _tag: "AgentLoggedOut"; readonly at: number; readonly agentId: string }
  /** The carrier accepted the originate request. */
  | { readonly _tag: "CallDialled"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallRinging"; readonly at: number; readonly callId: string }
  | {
      readonly _tag: "CallAnswered"
      readonly at: number
      readonly callId: string
      /** The AMD verdict (`unknown` when AMD is off). `at` is when the verdict is known. */
      readonly verdict: AnswerVerdict
      /** Seconds AMD took after the far end picked up (informational; 0 when unknown). */
      readonly amdSeconds?: number
      /** When the called person's greeting ended, if the carrier reports it (the abandon clock starts there). */
      readonly greetingEndedAt?: number
    }
  | { readonly _tag: "CallNoAnswer"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallBusy"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallFailed"; readonly at: number; readonly callId: string; readonly reason: string }
  | { readonly _tag: "CallCancelled"; readonly at: number; readonly callId: string }
  /** The call ended. `disposition` is the agent's, e.g. "machine" when AMD let a machine through. */
  | { readonly _tag: "CallEnded"; readonly at: number; readonly callId: string; readonly disposition?: string }
  | { readonly _tag: "ContactAdded"; readonly at: number; readonly contact: Contact }
  | { readonly _tag: "ContactUpdated"; readonly at: number; readonly contact: Contact }
  /** A bulk load: the same as one `ContactAdded` per contact, in order. */
  | { readonly _tag: "ContactsAdded"; readonly at: number; readonly contacts: ReadonlyArray<Contact> }
  | { readonly _tag: "DncAdded"; readonly at: number; readonly number: string; readonly scope: "org" | "campaign" | "global" }
  | { readonly _tag: "ConfigChanged"; readonly at: number; readonly config: ConfigInput }
  | { readonly _tag: "PreviewTaken"; readonly at: number; readonly agentId: string; readonly contactId: string }
  | { readonly _tag: "PreviewSkipped"; readonly at: number; readonly agentId: string; readonly contactId: string }
  /** An AI-handled call asks for a human agent (agentless mode). */
  | { readonly _tag: "TransferRequested"; readonly at: number; readonly callId: string }
  | { readonly _tag: "Tick"; readonly at: number }
