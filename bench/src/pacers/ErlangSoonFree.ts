/**
 * Issabel-style "soon free" predictor (PACING.md §3). A busy agent counts as
 * soon free when 1 − exp(−(average answer time + its elapsed talk time) /
 * average call duration) passes a threshold: an Erlang-style estimate that the
 * call ends before a dial placed now would be answered. Calls to place =
 * (ready + soon-free agents) / answer rate − dials in flight.
 */
import type { Pacer } from "@autodialer/dialer-engine/Pacer"
import { dialsToReach, secondsBetween } from "./Lines.ts"

export interface ErlangSoonFreeOptions {
  readonly threshold: number
  /** Attempts before the observed answer rate is trusted (1:1 before). */
  readonly minAttempts: number
}

export const defaults: ErlangSoonFreeOptions = { threshold: 0.7, minAttempts: 30 }

export interface ErlangSoonFreeState {
  readonly attempts: number
  readonly answered: number
  /** Sum of seconds to a human answer, for the average answer time. */
  readonly answerSeconds: number
  /** Calls finished and their total handle seconds (talk + wrap), for the average duration. */
  readonly calls: number
  readonly handleSeconds: number
}

/** Probability-like score that a call bridged `elapsedSeconds` ago ends before a new dial is answered. */
export const soonFreeScore = (avgAnswerSeconds: number, elapsedSeconds: number, avgDurationSeconds: number): number =>
  1 - Math.exp(-(avgAnswerSeconds + elapsedSeconds) / avgDurationSeconds)

export const make = (options: Partial<ErlangSoonFreeOptions> = {}): Pacer<ErlangSoonFreeState> => {
  const o = { ...defaults, ...options }
  return {
    id: "erlang-soon-free",
    initial: { attempts: 0, answered: 0, answerSeconds: 0, calls: 0, handleSeconds: 0 },
    observe: (s, obs) => {
      switch (obs._tag) {
        case "DialResolved":
          return obs.outcome === "human"
            ? { ...s, attempts: s.attempts + 1, answered: s.answered + 1, answerSeconds: s.answerSeconds + obs.secondsToOutcome }
            : { ...s, attempts: s.attempts + 1 }
        case "TalkEnded":
          return { ...s, handleSeconds: s.handleSeconds + obs.talkSeconds }
        case "WrapEnded":
          return { ...s, calls: s.calls + 1, handleSeconds: s.handleSeconds + obs.wrapSeconds }
        default:
          return s
      }
    },
    decide: (s, snapshot) => {
      const ready = Math.max(0, snapshot.agentsReady - snapshot.customersWaiting)
      if (s.attempts < o.minAttempts || s.answered === 0 || s.calls === 0) {
        return { state: s, dials: dialsToReach(snapshot, ready) }
      }
      const answerRate = s.answered / s.attempts
      const avgAnswer = s.answerSeconds / s.answered
      const avgDuration = s.handleSeconds / s.calls
      let soonFree = 0
      for (const a of snapshot.busyAgents) {
        if (soonFreeScore(avgAnswer, secondsBetween(a.bridgedAt, snapshot.now), avgDuration) >= o.threshold) soonFree++
      }
      return { state: s, dials: dialsToReach(snapshot, Math.ceil((ready + soonFree) / answerRate)) }
    }
  }
}

export const erlangSoonFree = make()
