/**
 * The seam between a dialing session (or the simulator) and a pacing policy.
 *
 * A pacer answers one question at each decision instant: how many new dials to
 * launch now. It is a pure state machine: `observe` folds what happened into its
 * state, `decide` reads a snapshot of the floor and returns the dials to place.
 * Compliance (DNC, calling windows, attempt caps, the hard line cap, the abandon
 * gate) is applied by the session after the pacer, so a pacer can never break it.
 * Our predictive pacer and every benchmark peer (progressive, power, VICIdial,
 * Unicom PI, ImpactDialing replay, Erlang soon-free) implement this one interface,
 * so the benchmark compares them on identical simulated floors.
 *
 * All times are milliseconds on the session clock, which is an input.
 */

/** An agent handling a call: talking, or in wrap-up after it. */
export interface BusyAgentView {
  readonly phase: "talk" | "wrap"
  /** When the agent entered this phase. */
  readonly since: number
  /** When the agent was bridged (start of the talk phase). */
  readonly bridgedAt: number
}

/** A dial launched and not yet resolved (ringing, or in AMD analysis). */
export interface DialView {
  readonly dialedAt: number
  /** True once the far end answered and AMD is still deciding. */
  readonly answered: boolean
}

/** Abandon counts, both in this run and across the regulatory window. */
export interface AbandonView {
  /** Live answers observed by the dialer in the current regulatory window (including carried-in counts). */
  readonly windowLiveAnswers: number
  /** Abandons in the current regulatory window (including carried-in counts). */
  readonly windowAbandoned: number
  /** The policy's limit, a fraction (0.03). */
  readonly limit: number
  /**
   * Standard deviation of the true abandon count around `windowAbandoned`, from what the dialer can
   * only estimate (AMD false positives under Ofcom, the share of people among abandoned answers).
   * Added field; absent means 0.
   */
  readonly windowAbandonedSd?: number
}

export interface PacingSnapshot {
  readonly now: number
  /** Agents logged in and not on break or paused. */
  readonly agentsLoggedIn: number
  /** Agents idle and waiting for a call. */
  readonly agentsReady: number
  readonly busyAgents: ReadonlyArray<BusyAgentView>
  readonly dialsInFlight: ReadonlyArray<DialView>
  /** Live answers waiting for an agent right now (they abandon past the connect threshold). */
  readonly customersWaiting: number
  /** Hard cap on dials in flight from the policy (floor(maxLinesPerAgent x agents logged in)). */
  readonly maxDialsInFlight: number
  readonly abandon: AbandonView
  /**
   * Optional dense copies of the arrays above for hot loops (added fields; a host may omit them).
   * Entry i mirrors `dialsInFlight[i]` / `busyAgents[i]`; only the first `length` entries are valid.
   */
  readonly dense?: DenseView
}

export interface DenseView {
  /** `dialedAt` of each dial in flight. */
  readonly dialedAt: Float64Array
  /** 1 when the busy agent is in wrap-up, 0 when talking. */
  readonly busyWrap: Uint8Array
  readonly busySince: Float64Array
  readonly busyBridgedAt: Float64Array
}

/** Facts a pacer may learn from. Seconds, not milliseconds, for durations. */
export type PacingObservation =
  | {
      readonly _tag: "DialResolved"
      readonly at: number
      /** What the dialer observed: AMD verdicts, not ground truth. */
      readonly outcome: "human" | "machine" | "noAnswer" | "busy" | "failed"
      readonly secondsToOutcome: number
      /** True when the ring was cut by the no-answer timeout (a censored ring time). */
      readonly censored: boolean
    }
  | { readonly _tag: "Bridged"; readonly at: number; readonly customerWaitSeconds: number; readonly agentWaitSeconds: number }
  | { readonly _tag: "Abandoned"; readonly at: number }
  | { readonly _tag: "TalkEnded"; readonly at: number; readonly talkSeconds: number }
  | {
      readonly _tag: "WrapEnded"
      readonly at: number
      readonly wrapSeconds: number
      /** Bridge to ready: talk plus wrap-up (added field; absent from older hosts). */
      readonly handleSeconds?: number
    }
  | { readonly _tag: "AgentMissedMachine"; readonly at: number; readonly agentSeconds: number }

export interface PacingDecision<S> {
  readonly state: S
  /** New dials to launch now (>= 0). The session clamps it by compliance and capacity. */
  readonly dials: number
}

export interface Pacer<S = unknown> {
  /** Stable id, used in benchmark output (`autodialer`, `progressive`, `power`, ...). */
  readonly id: string
  readonly initial: S
  observe(state: S, observation: PacingObservation): S
  decide(state: S, snapshot: PacingSnapshot): PacingDecision<S>
}
