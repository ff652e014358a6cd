/**
 * The live status of a campaign workflow (what the status query returns) and
 * the report a dialing session hands back to the workflow when it ends.
 *
 * Plain data, JSON-safe, shared by the workflow sandbox, activities and clients.
 * Instants are epoch milliseconds.
 */
import type { CampaignConfig } from "./CampaignConfig.ts"

/** draft -> running <-> paused -> completed | stopped. */
export type Lifecycle = "draft" | "running" | "paused" | "completed" | "stopped"

/** What the workflow is doing right now, within its lifecycle. */
export type Phase =
  | "awaitingStart"
  | "awaitingWindow"
  | "awaitingDueContacts"
  | "dialing"
  | "paused"
  | "finished"

export interface AbandonCount {
  /** Live (human) answers in the current regulatory window. */
  readonly liveAnswers: number
  /** Of those, calls abandoned (no agent within the connect threshold). */
  readonly abandoned: number
}

export type SessionOutcome =
  /** Every contact is final under the attempt rules. */
  | "exhausted"
  /** Nothing is due now; the next retry or callback falls due at `nextDueAt`. */
  | "idle"
  /** The calling window closed; in-flight calls were finished. */
  | "windowClosed"
  /** The workflow cancelled the session (pause, stop, drain, new config); in-flight calls were finished. */
  | "cancelled"

export interface SessionReport {
  readonly outcome: SessionOutcome
  /** When the earliest pending contact becomes due (for `idle`). */
  readonly nextDueAt?: number
  readonly dialsPlaced: number
  readonly callsFinished: number
  /** Contacts not yet final (pending, scheduled or in a call). */
  readonly contactsRemaining: number
  readonly abandon: AbandonCount
}

export interface Transition {
  readonly from: Lifecycle
  readonly to: Lifecycle
  readonly at: number
  readonly reason?: string
}

export interface CampaignStatus {
  readonly campaignId: string
  readonly lifecycle: Lifecycle
  readonly phase: Phase
  /** No new contacts are started; retries and callbacks already owed are still worked. */
  readonly draining: boolean
  readonly config: CampaignConfig
  /** Bumped by each accepted `configure` update. */
  readonly configVersion: number
  /** The durable timer the workflow sleeps on, if any. */
  readonly sleepingUntil?: number
  /** The calling window's close while dialing. */
  readonly windowClosesAt?: number
  /** When the next retry or callback is due, as last reported by a session. */
  readonly nextDueAt?: number
  readonly sessionsRun: number
  readonly totals: { readonly dialsPlaced: number; readonly callsFinished: number }
  readonly lastSession?: SessionReport
  /** The last non-retryable session failure, which pauses the campaign. */
  readonly lastError?: string
  /** How many times this campaign continued as new (history is bounded per run). */
  readonly continuedAsNew: number
  /** The most recent lifecycle transitions, oldest first (bounded). */
  readonly transitions: ReadonlyArray<Transition>
}
