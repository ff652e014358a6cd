/**
 * ImpactDialing-style "simulate recent history and pick the best ratio" pacer
 * (PACING.md §3).
 *
 * Every few minutes it replays the last 30 minutes of attempts (their observed
 * outcomes and times to outcome, in order) and of handle times through a small
 * deterministic simulation of the current floor, once per candidate
 * dials-per-ready-agent ratio, and keeps the ratio with the best utilisation
 * whose replayed abandon rate is under the limit. It backs off to 0.75x when the
 * live-answer rate of the last 5 minutes runs high against the 30-minute
 * average, and uses 1:1 below 5 agents or 50 attempts.
 *
 * History is an immutable linked list (newest first) so that recording an
 * attempt is O(1) and old states stay valid.
 */
import type { Pacer } from "@autodialer/dialer-engine/Pacer"
import { dialsToReach } from "./Lines.ts"

export interface ImpactReplayOptions {
  readonly everyMinutes: number
  readonly historyMinutes: number
  readonly ratios: ReadonlyArray<number>
  readonly backOff: number
  /** The last-5-minute live rate is "high" above this multiple of the 30-minute rate. */
  readonly highLiveRate: number
  readonly minAgents: number
  readonly minAttempts: number
}

export const defaults: ImpactReplayOptions = {
  everyMinutes: 3,
  historyMinutes: 30,
  ratios: [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.5, 4],
  backOff: 0.75,
  highLiveRate: 1.25,
  minAgents: 5,
  minAttempts: 50
}

interface Node<A> {
  readonly value: A
  readonly next: Node<A> | undefined
}

interface Attempt {
  readonly at: number
  readonly human: boolean
  readonly seconds: number
}

interface Handle {
  readonly at: number
  readonly seconds: number
}

export interface ImpactReplayState {
  readonly attempts: Node<Attempt> | undefined
  readonly handles: Node<Handle> | undefined
  /** Talk seconds of the call being handled, waiting for its wrap-up to complete the handle time. */
  readonly pendingTalk: Node<number> | undefined
  readonly ratio: number
  readonly nextReplayAt: number
}

/** Values newer than `since`, oldest first. */
const recent = <A extends { readonly at: number }>(list: Node<A> | undefined, since: number): Array<A> => {
  const out: Array<A> = []
  for (let n = list; n !== undefined && n.value.at >= since; n = n.next) out.push(n.value)
  return out.reverse()
}

/** Drop values older than `since`: rebuild the kept part, newest first. */
const prune = <A extends { readonly at: number }>(list: Node<A> | undefined, since: number): Node<A> | undefined => {
  let out: Node<A> | undefined = undefined
  for (const v of recent(list, since)) out = { value: v, next: out }
  return out
}

export interface ReplayResult {
  readonly utilization: number
  readonly abandonRate: number
}

/**
 * Replay `attempts` and `handles` (cycled in order) through a floor of `agents`
 * agents power-dialling `ratio` lines per ready agent. Humans without a free
 * agent are abandoned. Time steps of `stepSeconds`; the first `warmupSeconds`
 * are not measured.
 */
export const replay = (
  agents: number,
  ratio: number,
  attempts: ReadonlyArray<{ readonly human: boolean; readonly seconds: number }>,
  handles: ReadonlyArray<number>,
  horizonSeconds = 600,
  warmupSeconds = 300,
  stepSeconds = 2,
  maxInFlight = Infinity
): ReplayResult => {
  const busyLeft: Array<number> = []
  let dials: Array<{ left: number; human: boolean }> = []
  let nextAttempt = 0
  let nextHandle = 0
  let busySeconds = 0
  let humans = 0
  let abandoned = 0
  for (let t = 0; t < warmupSeconds + horizonSeconds; t += stepSeconds) {
    const measuring = t >= warmupSeconds
    for (let i = busyLeft.length - 1; i >= 0; i--) {
      busyLeft[i]! -= stepSeconds
      if (busyLeft[i]! <= 0) busyLeft.splice(i, 1)
    }
    const still: Array<{ left: number; human: boolean }> = []
    for (const d of dials) {
      d.left -= stepSeconds
      if (d.left > 0) {
        still.push(d)
        continue
      }
      if (!d.human) continue
      if (measuring) humans++
      if (busyLeft.length < agents) {
        busyLeft.push(handles[nextHandle % handles.length]!)
        nextHandle++
      } else if (measuring) abandoned++
    }
    dials = still
    const ready = agents - busyLeft.length
    const target = Math.min(maxInFlight, Math.round(ratio * ready))
    while (dials.length < target) {
      const a = attempts[nextAttempt % attempts.length]!
      nextAttempt++
      dials.push({ left: a.seconds, human: a.human })
    }
    if (measuring) busySeconds += busyLeft.length * stepSeconds
  }
  return { utilization: busySeconds / (agents * horizonSeconds), abandonRate: humans > 0 ? abandoned / humans : 0 }
}

export const make = (options: Partial<ImpactReplayOptions> = {}): Pacer<ImpactReplayState> => {
  const o = { ...defaults, ...options }
  const historyMs = o.historyMinutes * 60_000
  return {
    id: "impact-replay",
    initial: { attempts: undefined, handles: undefined, pendingTalk: undefined, ratio: 1, nextReplayAt: o.everyMinutes * 60_000 },
    observe: (s, obs) => {
      switch (obs._tag) {
        case "DialResolved":
          return { ...s, attempts: { value: { at: obs.at, human: obs.outcome === "human", seconds: obs.secondsToOutcome }, next: s.attempts } }
        case "TalkEnded":
          return { ...s, pendingTalk: { value: obs.talkSeconds, next: s.pendingTalk } }
        case "WrapEnded": {
          // Pair the wrap-up with the oldest talk waiting for one (calls finish talk before wrap, FIFO is exact enough).
          const talks: Array<number> = []
          for (let n = s.pendingTalk; n !== undefined; n = n.next) talks.push(n.value)
          const talk = talks.pop() ?? 0
          let rest: Node<number> | undefined = undefined
          for (let i = talks.length - 1; i >= 0; i--) rest = { value: talks[i]!, next: rest }
          return { ...s, pendingTalk: rest, handles: { value: { at: obs.at, seconds: talk + obs.wrapSeconds }, next: s.handles } }
        }
        default:
          return s
      }
    },
    decide: (s0, snapshot) => {
      let s = s0
      if (snapshot.now >= s.nextReplayAt) {
        const since = snapshot.now - historyMs
        const attempts = recent(s.attempts, since)
        const handles = recent(s.handles, since).map((h) => h.seconds)
        let ratio = 1
        if (snapshot.agentsLoggedIn >= o.minAgents && attempts.length >= o.minAttempts && handles.length > 0) {
          let bestUtilization = -1
          for (const r of o.ratios) {
            const result = replay(snapshot.agentsLoggedIn, r, attempts, handles, 600, 300, 2, snapshot.maxDialsInFlight)
            if (result.abandonRate <= snapshot.abandon.limit && result.utilization > bestUtilization) {
              bestUtilization = result.utilization
              ratio = r
            }
          }
          const lastFive = attempts.filter((a) => a.at >= snapshot.now - 5 * 60_000)
          const liveRate = (xs: ReadonlyArray<Attempt>) => xs.filter((a) => a.human).length / Math.max(1, xs.length)
          if (lastFive.length >= 10 && liveRate(lastFive) > o.highLiveRate * liveRate(attempts)) ratio = Math.max(1, ratio * o.backOff)
        }
        s = {
          ...s,
          ratio,
          attempts: prune(s.attempts, since),
          handles: prune(s.handles, since),
          nextReplayAt: snapshot.now + o.everyMinutes * 60_000
        }
      }
      const ready = Math.max(0, snapshot.agentsReady - snapshot.customersWaiting)
      const ratio = snapshot.agentsLoggedIn < o.minAgents ? 1 : s.ratio
      return { state: s, dials: dialsToReach(snapshot, Math.round(ratio * ready)) }
    }
  }
}

export const impactReplay = make()
