/**
 * VICIdial's adaptive predictive pacing (ADAPT_HARD_LIMIT, ADAPT_TAPERED,
 * ADAPT_AVERAGE), reimplemented from the behaviour documented in PACING.md §3.
 *
 * It is an integral controller on the imbalance between waiting agents and
 * waiting customers, not a drop-rate controller: every second it samples ready
 * agents, queued customers and logged-in agents; every 15 s it moves the dial
 * level L by the averaged imbalance; a drop guard on today's drop percentage
 * (refreshed every 60 s) pulls L down after the fact. Calls to place =
 * round(L x active agents) - calls already in the system.
 *
 * The pacer is driven by events, not by a timer: between two `decide` calls the
 * floor does not change, so the 1 s samples in between all see the floor as the
 * previous `decide` saw it.
 */
import type { Pacer, PacingObservation, PacingSnapshot } from "@autodialer/dialer-engine/Pacer"
import { dialsToReach, talking } from "./Lines.ts"

export type DropGuard = "HARD_LIMIT" | "TAPERED" | "AVERAGE"

export interface VicidialOptions {
  readonly mode: DropGuard
  /** `dl_diff_target`: extra agents (positive) or customers (negative) to aim for. Default 0. */
  readonly diffTarget: number
  /** `adaptive_intensity` in [-40, 40]. Default 0. */
  readonly intensity: number
  /** `adaptive_maximum_level`. Default 3.0. */
  readonly maximumLevel: number
  /** `adaptive_dropped_percentage`, a percentage. Default 3. */
  readonly droppedPercentage: number
  /** `adaptive_latest_server_time` as HHMM. Default 2100. */
  readonly latestServerTime: number
  /** Wall-clock time of the session clock's 0, as HHMM (our shifts start at 09:00). */
  readonly shiftStartHHMM: number
  /** Below this many logged-in agents, L = 1.0. Default 0 (VICIdial's DISABLED). */
  readonly dialLevelThreshold: number
  /** "available only tally": count only ready agents as active. Default false. */
  readonly availableOnlyTally: boolean
}

export const defaults: Omit<VicidialOptions, "mode"> = {
  diffTarget: 0,
  intensity: 0,
  maximumLevel: 3.0,
  droppedPercentage: 3,
  latestServerTime: 2100,
  shiftStartHHMM: 900,
  dialLevelThreshold: 0,
  availableOnlyTally: false
}

export interface VicidialState {
  readonly level: number
  /** Start of the current 15 s averaging period, and the next 1 s sample instant (ms). */
  readonly periodStart: number
  readonly nextSampleAt: number
  readonly sums: { readonly ready: number; readonly waiting: number; readonly loggedIn: number; readonly samples: number }
  /** The floor as the last `decide` saw it; it holds until the next one. */
  readonly lastFloor: { readonly ready: number; readonly waiting: number; readonly loggedIn: number } | undefined
  /** Calls placed today and drops/human answers today (since midnight = since the run began). */
  readonly placedToday: number
  readonly humansToday: number
  readonly dropsToday: number
  /** The drop % as of the last 60 s refresh. */
  readonly dropPercent: number
  readonly nextDropRefreshAt: number
  /**
   * Calls placed and drops in the current 15 s period and the three before it:
   * adjustments happen on period boundaries, so these four periods are exactly
   * the last minute of the halving rule.
   */
  readonly placedInPeriod: number
  readonly dropsInPeriod: number
  readonly placedPrevious: readonly [number, number, number]
  readonly dropsPrevious: readonly [number, number, number]
}

const SAMPLE_MS = 1000
const PERIOD_MS = 15_000
const DROP_REFRESH_MS = 60_000
const MINUTE_MS = 60_000

const initial: VicidialState = {
  level: 1.0,
  periodStart: 0,
  nextSampleAt: 0,
  sums: { ready: 0, waiting: 0, loggedIn: 0, samples: 0 },
  lastFloor: undefined,
  placedToday: 0,
  humansToday: 0,
  dropsToday: 0,
  dropPercent: 0,
  nextDropRefreshAt: DROP_REFRESH_MS,
  placedInPeriod: 0,
  dropsInPeriod: 0,
  placedPrevious: [0, 0, 0],
  dropsPrevious: [0, 0, 0]
}

/** HHMM of the session clock (VICIdial compares times as HHMM integers). */
export const hhmmAt = (shiftStartHHMM: number, nowMs: number): number => {
  const startMinutes = Math.floor(shiftStartHHMM / 100) * 60 + (shiftStartHHMM % 100)
  const minutes = startMinutes + Math.floor(nowMs / MINUTE_MS)
  return Math.floor(minutes / 60) % 24 * 100 + (minutes % 60)
}

/** One 15 s adjustment of the dial level from the averages, then the guards. */
export const adjustLevel = (o: VicidialOptions, s: VicidialState, now: number): number => {
  const n = s.sums.samples
  if (n === 0) return s.level
  const avgReady = s.sums.ready / n
  const avgWaiting = s.sums.waiting / n
  const avgLogged = s.sums.loggedIn / n
  let level = s.level
  if (avgLogged > 0) {
    const target = avgReady - avgWaiting + o.diffTarget
    const m = target / avgLogged
    const i = o.intensity / 100
    const adjusted = m < 0 ? m * Math.abs(i - 1) : m * (1 + i)
    level = level * (1 + adjusted)
  }
  level = Math.min(o.maximumLevel, Math.max(1.0, level))
  // More than 20 calls placed in the last minute and more than half dropped: halve.
  const placedLastMinute = s.placedInPeriod + s.placedPrevious[0] + s.placedPrevious[1] + s.placedPrevious[2]
  const droppedLastMinute = s.dropsInPeriod + s.dropsPrevious[0] + s.dropsPrevious[1] + s.dropsPrevious[2]
  if (placedLastMinute > 20 && droppedLastMinute > placedLastMinute / 2) level = level / 2
  // Drop guard on today's drop percentage (as of the last 60 s refresh).
  if (s.placedToday > 50 && s.dropPercent > o.droppedPercentage) {
    switch (o.mode) {
      case "HARD_LIMIT":
        level = 1.0
        break
      case "AVERAGE":
        level = level / 2
        break
      case "TAPERED": {
        const nowHHMM = hhmmAt(o.shiftStartHHMM, now)
        level = nowHHMM >= o.latestServerTime ? 1.0 : level * Math.min(1, (o.latestServerTime - nowHHMM) / 1000)
        break
      }
    }
  }
  return Math.min(o.maximumLevel, Math.max(1.0, level))
}

/** Fold the 1 s samples and 15 s adjustments that fell due up to `now`. */
const advanceClock = (o: VicidialOptions, s0: VicidialState, now: number): VicidialState => {
  let s = s0
  if (s.lastFloor === undefined) return { ...s, periodStart: now, nextSampleAt: now + SAMPLE_MS }
  const floor = s.lastFloor
  while (s.nextSampleAt <= now) {
    const t = s.nextSampleAt
    s = {
      ...s,
      nextSampleAt: t + SAMPLE_MS,
      sums: {
        ready: s.sums.ready + floor.ready,
        waiting: s.sums.waiting + floor.waiting,
        loggedIn: s.sums.loggedIn + floor.loggedIn,
        samples: s.sums.samples + 1
      }
    }
    if (t >= s.nextDropRefreshAt) {
      s = { ...s, dropPercent: s.humansToday > 0 ? (100 * s.dropsToday) / s.humansToday : 0, nextDropRefreshAt: t + DROP_REFRESH_MS }
    }
    if (t - s.periodStart >= PERIOD_MS) {
      s = {
        ...s,
        level: adjustLevel(o, s, t),
        periodStart: t,
        sums: { ready: 0, waiting: 0, loggedIn: 0, samples: 0 },
        placedInPeriod: 0,
        dropsInPeriod: 0,
        placedPrevious: [s.placedInPeriod, s.placedPrevious[0], s.placedPrevious[1]],
        dropsPrevious: [s.dropsInPeriod, s.dropsPrevious[0], s.dropsPrevious[1]]
      }
    }
  }
  return s
}

const callsInSystem = (snapshot: PacingSnapshot): number =>
  snapshot.dialsInFlight.length + snapshot.customersWaiting + talking(snapshot)

export const make = (mode: DropGuard, options: Partial<Omit<VicidialOptions, "mode">> = {}): Pacer<VicidialState> => {
  const o: VicidialOptions = { ...defaults, ...options, mode }
  const id = mode === "HARD_LIMIT" ? "vicidial-hard-limit" : mode === "TAPERED" ? "vicidial-tapered" : "vicidial-average"
  return {
    id,
    initial,
    observe: (s, obs: PacingObservation) => {
      switch (obs._tag) {
        case "DialResolved":
          return obs.outcome === "human" ? { ...s, humansToday: s.humansToday + 1 } : s
        case "Abandoned":
          return { ...s, dropsToday: s.dropsToday + 1, dropsInPeriod: s.dropsInPeriod + 1 }
        default:
          return s
      }
    },
    decide: (s0, snapshot) => {
      const s1 = advanceClock(o, s0, snapshot.now)
      const level = snapshot.agentsLoggedIn < o.dialLevelThreshold ? 1.0 : s1.level
      const active = o.availableOnlyTally ? snapshot.agentsReady : snapshot.agentsLoggedIn
      const toPlace = Math.round(level * active) - callsInSystem(snapshot)
      const dials = dialsToReach(snapshot, snapshot.dialsInFlight.length + Math.max(0, toPlace))
      const state: VicidialState = {
        ...s1,
        lastFloor: { ready: snapshot.agentsReady, waiting: snapshot.customersWaiting, loggedIn: snapshot.agentsLoggedIn },
        placedToday: s1.placedToday + dials,
        placedInPeriod: s1.placedInPeriod + dials
      }
      return { state, dials }
    }
  }
}

export const hardLimit = make("HARD_LIMIT")
export const tapered = make("TAPERED")
export const average = make("AVERAGE")
