/**
 * The configuration of one dialing session (one campaign on one floor).
 *
 * Owns the knobs of the dialing mode, the abandon policy, ring and AMD settings,
 * retry rules, attempt caps, calling hours and the caller-ID pool, with their
 * defaults. `make` fills the defaults so that a host only states what differs.
 * Hosts decode untrusted input with `SessionConfigSchema` (see `ConfigSchema.ts`)
 * before building a session.
 */
import type { CallingHours } from "./CallingWindow.ts"
import { defaultHours } from "./CallingWindow.ts"

export type DialingMode =
  /** The agent is offered a contact and takes or skips it; `autoDialSeconds` dials it anyway after a delay. */
  | { readonly _tag: "preview"; readonly autoDialSeconds?: number }
  /** A fixed number of lines per ready agent (1 = progressive, more = power). */
  | { readonly _tag: "progressive"; readonly linesPerAgent: number }
  /** The session's pacer decides, governed by the abandon policy. */
  | { readonly _tag: "predictive" }
  /** N lines per ready rep; the first human wins, the others are bridged to other free reps or released. */
  | { readonly _tag: "parallel"; readonly linesPerAgent: number }
  /** Calls are handled by AI voice channels; human agents are kept free for transfers. */
  | {
      readonly _tag: "agentless"
      readonly aiChannels: number
      /** Share of AI calls that ask for a human (the session learns it; this is the prior). */
      readonly transferShare: number
      /** Dials per free AI channel. */
      readonly linesPerChannel: number
    }

export interface AbandonPolicy {
  /** The regulatory limit, a fraction (0.03 US, 0.05 Canada). */
  readonly limit: number
  /** Share of the limit the controller aims to use (0.9: finish near 2.7% of a 3% limit). */
  readonly aim: number
  /** A live answer not bridged within this many seconds after the greeting is abandoned. */
  readonly connectThresholdSeconds: number
  /** `live`: abandons / live answers (FCC). `ofcom`: estimated AMD false positives count as abandons too. */
  readonly denominator: "live" | "ofcom"
  /** The AMD false-positive rate assumed for the Ofcom estimate. */
  readonly amdFalsePositiveRate: number
  /** `campaign`: the whole campaign (30 days); `rolling24h`: any 24 hours. */
  readonly window: "campaign" | "rolling24h"
  /** No redial of an abandoned number for this many hours unless an agent is guaranteed (0: none). */
  readonly lockoutHours: number
  /** Counts already in the current window when the session starts. */
  readonly windowSoFar: { readonly liveAnswers: number; readonly abandoned: number }
}

export type Outcome = "busy" | "noAnswer" | "machine" | "failed" | "fax"

export interface RetryRule {
  /** Delay before the next attempt, minutes. */
  readonly delayMinutes: number
  /** Stop retrying after this many attempts with this outcome in a row. */
  readonly maxAttempts: number
}

export interface AttemptCaps {
  readonly perContactLifetime: number
  readonly perContactPerDay: number
  readonly perContactRolling24h: number
  readonly perNumberLifetime: number
  readonly perNumberPerDay: number
  readonly perNumberRolling24h: number
}

export interface CallerIdEntry {
  readonly number: string
  /** Area codes / regions this number presents locally in (local presence). */
  readonly areaCodes?: ReadonlyArray<string>
  readonly regions?: ReadonlyArray<string>
  /** Calls per second from this number. */
  readonly cps?: number
  /** Calls per rolling hour from this number. */
  readonly hourlyCap?: number
}

export interface CallerIdConfig {
  readonly pool: ReadonlyArray<CallerIdEntry>
  /** Calls per second across the account. */
  readonly accountCps?: number
  readonly accountHourlyCap?: number
  readonly localPresence: boolean
}

export interface SessionConfig {
  readonly sessionId: string
  readonly campaignId: string
  readonly mode: DialingMode
  readonly abandon: AbandonPolicy
  readonly ringTimeoutSeconds: number
  /** An unanswered call rings at least this long before the dialer cancels it. */
  readonly minRingSeconds: number
  /** Campaign explicitly exempt from the minimum ring time (e.g. B2B): parallel losers are cancelled at once. */
  readonly minRingExempt: boolean
  readonly amd: "off" | "detect" | "detectAndDropVoicemail"
  /** Hard cap on dials in flight: floor(maxLinesPerAgent x agents logged in). */
  readonly maxLinesPerAgent: number
  readonly retry: Readonly<Partial<Record<Outcome, RetryRule>>>
  readonly caps: AttemptCaps
  readonly callingHours: CallingHours
  readonly callerIds: CallerIdConfig
  /** The recorded identification / opt-out message played on every abandon. */
  readonly safeHarbourMessage: string
  readonly voicemailMessage?: string
}

export const defaultAbandonPolicy: AbandonPolicy = {
  limit: 0.03,
  aim: 0.9,
  connectThresholdSeconds: 2,
  denominator: "live",
  amdFalsePositiveRate: 0.03,
  window: "campaign",
  lockoutHours: 0,
  windowSoFar: { liveAnswers: 0, abandoned: 0 }
}

export const unlimitedCaps: AttemptCaps = {
  perContactLifetime: Infinity,
  perContactPerDay: Infinity,
  perContactRolling24h: Infinity,
  perNumberLifetime: Infinity,
  perNumberPerDay: Infinity,
  perNumberRolling24h: Infinity
}

export type ConfigInput = Partial<Omit<SessionConfig, "abandon">> & { readonly abandon?: Partial<AbandonPolicy> }

/** A full configuration from the fields that differ from the defaults. */
export const make = (input: ConfigInput = {}): SessionConfig => ({
  sessionId: input.sessionId ?? "session",
  campaignId: input.campaignId ?? "campaign",
  mode: input.mode ?? { _tag: "predictive" },
  abandon: { ...defaultAbandonPolicy, ...input.abandon },
  ringTimeoutSeconds: input.ringTimeoutSeconds ?? 25,
  minRingSeconds: input.minRingSeconds ?? 15,
  minRingExempt: input.minRingExempt ?? false,
  amd: input.amd ?? "detect",
  maxLinesPerAgent: input.maxLinesPerAgent ?? 3,
  retry: input.retry ?? {
    busy: { delayMinutes: 10, maxAttempts: 3 },
    noAnswer: { delayMinutes: 120, maxAttempts: 3 },
    machine: { delayMinutes: 240, maxAttempts: 2 },
    failed: { delayMinutes: 30, maxAttempts: 2 }
  },
  caps: input.caps ?? {
    perContactLifetime: 10,
    perContactPerDay: 3,
    perContactRolling24h: 3,
    perNumberLifetime: 10,
    perNumberPerDay: 3,
    perNumberRolling24h: 3
  },
  callingHours: input.callingHours ?? defaultHours,
  callerIds: input.callerIds ?? { pool: [{ number: "+10000000000" }], localPresence: false },
  safeHarbourMessage: input.safeHarbourMessage ?? "safe-harbour",
  ...(input.voicemailMessage !== undefined ? { voicemailMessage: input.voicemailMessage } : {})
})
