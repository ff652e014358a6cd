/**
 * Unicom Intelligence "Predict1PI"-style pacer (PACING.md §3): a PI controller
 * on the silent-call (abandon) rate.
 *
 * Every 0.5 s it computes, over the last 15 minutes of statistics, the
 * attempts-per-answer ratio and the silent-call rate. Lines = waiting agents x
 * attempts / answered x gain, where the gain is driven by a PI controller on
 * (target − silent rate), target 2.8%. When the day's rate reaches the 3% cap
 * the gain is forced to 0 (one line per waiting agent), so the daily
 * rate stays under the cap.
 *
 * Statistics live in 30 s buckets (30 buckets = 15 minutes), so the state stays
 * small and copying it is cheap.
 */
import type { Pacer } from "@autodialer/dialer-engine/Pacer"
import { dialsToReach } from "./Lines.ts"

export interface UnicomPiOptions {
  readonly target: number
  readonly dailyCap: number
  readonly kp: number
  /** Per second of integrated error. */
  readonly ki: number
  readonly minGain: number
  readonly maxGain: number
  /** Attempts needed in the window before the ratio is trusted (1:1 before). */
  readonly minAttempts: number
}

export const defaults: UnicomPiOptions = {
  target: 0.028,
  dailyCap: 0.03,
  kp: 8,
  ki: 0.02,
  minGain: 0.4,
  maxGain: 1.6,
  minAttempts: 30
}

const TICK_MS = 500
const BUCKET_MS = 30_000
const BUCKETS = 30

interface Bucket {
  readonly attempts: number
  readonly answered: number
  readonly silent: number
}

export interface UnicomPiState {
  /** Index of the current 30 s bucket; `buckets[0]` is the current one, newest first. */
  readonly bucketIndex: number
  readonly buckets: ReadonlyArray<Bucket>
  readonly integral: number
  readonly gain: number
  readonly nextTickAt: number
  readonly dayAnswered: number
  readonly daySilent: number
}

const empty: Bucket = { attempts: 0, answered: 0, silent: 0 }

const rotate = (s: UnicomPiState, at: number): UnicomPiState => {
  const index = Math.floor(at / BUCKET_MS)
  if (index === s.bucketIndex) return s
  const shift = Math.min(BUCKETS, index - s.bucketIndex)
  const buckets = [...Array.from({ length: shift }, () => empty), ...s.buckets].slice(0, BUCKETS)
  return { ...s, bucketIndex: index, buckets }
}

const addToCurrent = (s: UnicomPiState, at: number, d: Partial<Bucket>): UnicomPiState => {
  const r = rotate(s, at)
  const [head = empty, ...rest] = r.buckets
  return {
    ...r,
    buckets: [
      { attempts: head.attempts + (d.attempts ?? 0), answered: head.answered + (d.answered ?? 0), silent: head.silent + (d.silent ?? 0) },
      ...rest
    ]
  }
}

const totals = (s: UnicomPiState): Bucket =>
  s.buckets.reduce((a, b) => ({ attempts: a.attempts + b.attempts, answered: a.answered + b.answered, silent: a.silent + b.silent }), empty)

export const make = (options: Partial<UnicomPiOptions> = {}): Pacer<UnicomPiState> => {
  const o = { ...defaults, ...options }
  const step = (s: UnicomPiState, dayRate: number): UnicomPiState => {
    const t = totals(s)
    const silentRate = t.answered > 0 ? t.silent / t.answered : 0
    const error = o.target - silentRate
    // Integrate, with anti-windup: stop integrating when the gain is saturated in the error's direction.
    const raw = 1 + o.kp * error + o.ki * (s.integral + error * (TICK_MS / 1000))
    const saturated = (raw > o.maxGain && error > 0) || (raw < o.minGain && error < 0)
    const integral = saturated ? s.integral : s.integral + error * (TICK_MS / 1000)
    let gain = Math.min(o.maxGain, Math.max(o.minGain, 1 + o.kp * error + o.ki * integral))
    // At the daily cap: one line per waiting agent (lines = waiting x max(1, ratio x 0)).
    if (dayRate >= o.dailyCap) gain = 0
    return { ...s, integral, gain }
  }
  return {
    id: "unicom-pi",
    initial: { bucketIndex: 0, buckets: [empty], integral: 0, gain: 1, nextTickAt: 0, dayAnswered: 0, daySilent: 0 },
    observe: (s, obs) => {
      switch (obs._tag) {
        case "DialResolved":
          return obs.outcome === "human"
            ? { ...addToCurrent(s, obs.at, { attempts: 1, answered: 1 }), dayAnswered: s.dayAnswered + 1 }
            : addToCurrent(s, obs.at, { attempts: 1 })
        case "Abandoned":
          return { ...addToCurrent(s, obs.at, { silent: 1 }), daySilent: s.daySilent + 1 }
        default:
          return s
      }
    },
    decide: (s0, snapshot) => {
      let s = rotate(s0, snapshot.now)
      const dayRate = s.dayAnswered > 0 ? s.daySilent / s.dayAnswered : 0
      // The controller runs every 0.5 s; catch up on the ticks that fell due (the floor was constant in between).
      const due = Math.max(0, Math.floor((snapshot.now - s.nextTickAt) / TICK_MS) + 1)
      for (let i = 0; i < Math.min(due, 3600); i++) s = step(s, dayRate)
      if (due > 0) s = { ...s, nextTickAt: s.nextTickAt + due * TICK_MS }
      const t = totals(s)
      const ratio = t.attempts >= o.minAttempts && t.answered > 0 ? t.attempts / t.answered : 1
      const waiting = Math.max(0, snapshot.agentsReady - snapshot.customersWaiting)
      // Never fewer than one line per waiting agent: below that it would idle agents for nothing.
      const lines = waiting * Math.max(1, ratio * s.gain)
      return { state: s, dials: dialsToReach(snapshot, Math.round(lines)) }
    }
  }
}

export const unicomPi = make()
