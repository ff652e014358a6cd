/**
 * The port through which the dialing-session activity asks the engine what to
 * do. It mirrors the shape of `@autodialer/dialer-engine`'s session state
 * machine (`step(state, event) -> {state, commands}`, `decide(state, now)`)
 * with the one extra entry a durable host needs: `restore`, which rebuilds the
 * engine state from what Postgres says is true after a failover (agents, calls
 * in flight, abandon budget already spent).
 *
 * The engine is pure: time is an input, ids are minted from the session id,
 * and it performs no I/O. The activity executes the commands it returns.
 */
import { Context } from "effect"
import type { PacingMode } from "./CampaignConfig.ts"

/** A contact the session has reserved for itself and hands to the engine. */
export interface EngineContact {
  /** The queue row (campaign_contacts.id). */
  readonly contactId: string
  readonly number: string
  /** The attempt number the next dial of this contact will be (1-based). */
  readonly attempt: number
  readonly timeZone: string
}

export type AgentState = "ready" | "busy" | "wrapUp" | "paused" | "loggedOut"

export interface RestoredAgent {
  readonly agentId: string
  readonly state: AgentState
  /** The call the agent is on, when busy. */
  readonly callId?: string
}

export type InFlightStatus = "dialing" | "ringing" | "answered" | "bridged"

export interface RestoredCall {
  readonly callId: string
  readonly contactId: string
  readonly attempt: number
  readonly status: InFlightStatus
  readonly dialedAt: number
  readonly answeredAt?: number
  readonly agentId?: string
  /** The AMD verdict when answered. */
  readonly verdict?: "human" | "machine" | "unknown"
}

export interface RestoreInput {
  /** Unique per session attempt: engine call ids are minted from it. */
  readonly sessionId: string
  readonly campaignId: string
  readonly pacing: PacingMode
  /** The campaign's zone: contacts without one are judged in it. */
  readonly timeZone: string
  /** The host's caller id (E.164): presented when `callerIds` is empty (the organization has no usable number). */
  readonly callerId: string
  /**
   * The numbers the campaign's caller-ID strategy allows (E.164, the
   * organization's active numbers): the engine rotates over them, or picks
   * by local presence. Empty or absent: `callerId` alone.
   */
  readonly callerIds?: ReadonlyArray<string>
  /** Prefer a number of `callerIds` sharing the contact's area code (then its state). Default false. */
  readonly localPresence?: boolean
  readonly ringTimeoutSeconds: number
  /** Compliance floor on ring time before a dial may be given up (FCC: 15 s). */
  readonly minRingSeconds: number
  readonly safeHarbourMessage: string
  readonly now: number
  readonly agents: ReadonlyArray<RestoredAgent>
  readonly calls: ReadonlyArray<RestoredCall>
  /** Live answers and abandons already counted in the regulatory window (carried across restarts). */
  readonly abandon: { readonly liveAnswers: number; readonly abandoned: number }
  readonly maxAttempts: number
  readonly retryDelayMs: number
  readonly abandonLimit: number
  readonly maxLinesPerAgent: number
  /** Preview mode: seconds a contact is shown before it is dialled anyway (undefined: never auto-dialled). */
  readonly previewAutoDialSeconds?: number
  /** Played after the beep on a machine answer; undefined: machines are hung up on. */
  readonly voicemailMessage?: string
  /** Answering-machine detection; false dials without it (every answer is taken as a person). Default true. */
  readonly amd?: boolean
}

export type EngineEvent =
  | { readonly _tag: "ContactAdded"; readonly at: number; readonly contact: EngineContact }
  | { readonly _tag: "AgentReady"; readonly at: number; readonly agentId: string }
  | { readonly _tag: "AgentLoggedOut"; readonly at: number; readonly agentId: string }
  | { readonly _tag: "AgentPaused"; readonly at: number; readonly agentId: string; readonly code: string }
  /** The agent's call ended and it is in wrap-up (not ready) until `AgentReady`. */
  | { readonly _tag: "AgentWrapUp"; readonly at: number; readonly agentId: string }
  | { readonly _tag: "PreviewTaken"; readonly at: number; readonly agentId: string; readonly contactId: string }
  | { readonly _tag: "PreviewSkipped"; readonly at: number; readonly agentId: string; readonly contactId: string }
  | { readonly _tag: "CallDialled"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallRinging"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallAnswered"; readonly at: number; readonly callId: string; readonly verdict: "human" | "machine" | "unknown" }
  | { readonly _tag: "CallBridged"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallNoAnswer"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallBusy"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallFailed"; readonly at: number; readonly callId: string; readonly reason: string }
  | { readonly _tag: "CallCancelled"; readonly at: number; readonly callId: string }
  | { readonly _tag: "CallEnded"; readonly at: number; readonly callId: string }
  | { readonly _tag: "Tick"; readonly at: number }

/** What ended a contact's current attempt, as recorded on the call and the queue row. */
export type AttemptOutcome = "human_answered" | "abandoned" | "answering_machine" | "no_answer" | "busy" | "failed"

export type EngineCommand =
  | {
      readonly _tag: "Dial"
      readonly callId: string
      readonly contactId: string
      readonly number: string
      /** When the engine chooses them (caller-ID pool, ring time, AMD); otherwise the host's defaults. */
      readonly callerId?: string
      readonly ringTimeoutSeconds?: number
      readonly amd?: "off" | "detect" | "detectAndDropVoicemail"
    }
  | { readonly _tag: "Bridge"; readonly callId: string; readonly agentId: string }
  | { readonly _tag: "PlaySafeHarbourAndRelease"; readonly callId: string }
  /** A machine answered: leave the campaign's message after the beep, then hang up. */
  | { readonly _tag: "DropVoicemail"; readonly callId: string; readonly message: string }
  /** Preview mode: show the reserved contact to the agent, who takes or skips it. */
  | { readonly _tag: "OfferPreview"; readonly agentId: string; readonly contactId: string; readonly autoDialAt?: number }
  /** Give a reserved, undialled contact back to the queue, due at `at` (e.g. a skipped preview). */
  | { readonly _tag: "ReleaseContact"; readonly contactId: string; readonly at: number }
  | { readonly _tag: "HangUp"; readonly callId: string; readonly reason: string }
  /** `callId` is absent when the contact was not dialled (e.g. deferred by a compliance rule). */
  | { readonly _tag: "ScheduleRetry"; readonly contactId: string; readonly callId?: string; readonly at: number; readonly outcome: AttemptOutcome }
  | {
      readonly _tag: "MarkContactDone"
      readonly contactId: string
      readonly callId?: string
      readonly outcome: AttemptOutcome
      readonly reason: "connected" | "attemptsExhausted" | "blocked"
    }

export interface EngineStep<S> {
  readonly state: S
  readonly commands: ReadonlyArray<EngineCommand>
}

/** Whether the law lets a number be called now, by the engine's calling-hour rules (`opensAt`: the next lawful instant, undefined when none is near). */
export type LawfulHours = { readonly open: true } | { readonly open: false; readonly opensAt: number | undefined }

export interface SessionEngineService<S = unknown> {
  readonly restore: (input: RestoreInput) => S
  readonly step: (state: S, event: EngineEvent) => EngineStep<S>
  readonly decide: (state: S, now: number) => EngineStep<S>
  /**
   * The engine's legal calling hours (08:00-21:00 where the number is) for a
   * contact, so the host can give back a contact the campaign's window allows
   * but the law does not, instead of holding its reservation until it opens.
   */
  readonly lawfulHours: (state: S, contact: EngineContact, now: number) => LawfulHours
  /** Reserved contacts the engine holds and has not dialled yet (the host tops this up). */
  readonly queuedContacts: (state: S) => ReadonlyArray<string>
  /** Calls the engine considers in flight (not yet finished). */
  readonly callsInFlight: (state: S) => number
  /** How many reserved contacts the engine wants queued (e.g. lines x agents x 2). */
  readonly wantedContacts: (state: S) => number
  /** Abandon counts in the regulatory window, carried-in plus this session's. */
  readonly abandon: (state: S) => { readonly liveAnswers: number; readonly abandoned: number }
  /** Agents by engine state (previewing counts as reserved), for the supervisors' snapshot. */
  readonly agentStates: (state: S) => ReadonlyMap<string, AgentState | "reserved">
}

export class SessionEngine extends Context.Service<SessionEngine, SessionEngineService>()("@autodialer/workflows/SessionEngine") {}
