/**
 * A seeded, deterministic discrete-event call-centre simulator.
 *
 * It plays the carrier and the agents of a `Scenario` (PACING.md §4) around a
 * real dialing `Session`: it delivers events to the session and executes the
 * commands it returns, exactly as a host would. The pacer is pluggable, so the
 * benchmark runs every peer inside the same session and compliance layer.
 *
 * Common random numbers: the fate of the k-th dial (outcome, ring time,
 * greeting, AMD delay and verdict) comes from the stream keyed by
 * `(seed, DIAL_STREAM, k)`, and the talk and wrap-up of the k-th bridged live
 * call from `(seed, TALK_STREAM, k)`. They do not depend on the pacer, so
 * different pacers face the same luck, and `dialOutcomeFor` lets a clairvoyant
 * bound precompute every outcome.
 *
 * Ground truth (live answers, abandons, AMD false positives) is kept by the
 * simulator, never taken from the session: the session only sees what a dialer
 * could see.
 *
 * Use `simulate(options)` for a whole run, or `new Simulation(options)` with
 * `step()` / `runUntil(t)` to advance a virtual clock event by event.
 */
import * as Config from "./Config.ts"
import type { Contact } from "./Contact.ts"
import * as Distribution from "./Distribution.ts"
import type { SessionEvent } from "./Event.ts"
import { Heap } from "./Heap.ts"
import type { Pacer } from "./Pacer.ts"
import * as PredictivePacer from "./PredictivePacer.ts"
import * as Random from "./Random.ts"
import type { Scenario } from "./Scenario.ts"
import * as Session from "./Session.ts"

export const DIAL_STREAM = 1
export const TALK_STREAM = 2

/** Monday 2 March 2026, 14:00 UTC (09:00 in New York): the default start of a shift. */
export const DEFAULT_START = Date.UTC(2026, 2, 2, 14, 0, 0)

// ---------------------------------------------------------------------------
// Outcomes (pure, pacer-independent)

export interface DialOutcome {
  /** Ground truth: who (or what) the dial reaches, after the ring timeout. */
  readonly kind: "human" | "machine" | "noAnswer" | "busy"
  /** Seconds from dial to answer (human, machine) or to the end of the attempt (noAnswer, busy). */
  readonly seconds: number
  /** The called party's greeting (human, machine). */
  readonly greetingSeconds: number
  /** Seconds AMD takes after the answer (0 when AMD is off). */
  readonly amdSeconds: number
  /** What the dialer is told: the AMD verdict, or `unknown` with AMD off. */
  readonly verdict: "human" | "machine" | "unknown"
}

interface Compiled {
  readonly human: Distribution.Sampler
  readonly machine: Distribution.Sampler
  readonly busy: Distribution.Sampler
  readonly noAnswer: Distribution.Sampler | undefined
  readonly greeting: Distribution.Sampler
  readonly amdDecision: Distribution.Sampler
  readonly talk: Distribution.Sampler
  readonly wrap: Distribution.Sampler
}

const compiledCache = new WeakMap<Scenario, Compiled>()
const compiled = (s: Scenario): Compiled => {
  let c = compiledCache.get(s)
  if (c === undefined) {
    const zero: Distribution.Distribution = { dist: "constant", value: 0 }
    const sto = s.secondsToOutcome
    c = {
      human: Distribution.compile(sto.human),
      machine: Distribution.compile(sto.machine ?? sto.human),
      busy: Distribution.compile(sto.busy ?? zero),
      noAnswer: sto.noAnswer === undefined ? undefined : Distribution.compile(sto.noAnswer),
      greeting: Distribution.compile(s.greetingSeconds),
      amdDecision: Distribution.compile(s.amd.enabled ? s.amd.decisionSeconds : zero),
      talk: Distribution.compile(s.talkSeconds),
      wrap: Distribution.compile(s.wrapSeconds)
    }
    compiledCache.set(s, c)
  }
  return c
}

const outcomesAt = (s: Scenario, minute: number) => {
  let cur = s.outcomes[0]!
  for (const o of s.outcomes) if (o.fromMinute <= minute) cur = o
  return cur
}

/** The fate of the `dialIndex`-th dial of a run with `seed`, placed at `atMinute` of the shift. */
export const dialOutcomeFor = (scenario: Scenario, seed: number, dialIndex: number, atMinute: number): DialOutcome => {
  const rng = Random.keyed(seed, DIAL_STREAM, dialIndex)
  const c = compiled(scenario)
  const o = outcomesAt(scenario, atMinute)
  const u = rng.next()
  const uAmd = rng.next()
  const greetingSeconds = c.greeting(rng)
  const amdSeconds = c.amdDecision(rng)
  const timeout = scenario.ringTimeoutSeconds
  const amd = scenario.amd
  let kind: DialOutcome["kind"]
  let seconds: number
  if (u < o.human) {
    kind = "human"
    seconds = c.human(rng)
  } else if (u < o.human + o.machine) {
    kind = "machine"
    seconds = c.machine(rng)
  } else if (u < o.human + o.machine + o.noAnswer) {
    kind = "noAnswer"
    seconds = timeout ?? (c.noAnswer ?? c.human)(rng)
  } else {
    kind = "busy"
    seconds = c.busy(rng)
  }
  if ((kind === "human" || kind === "machine") && timeout !== null && seconds > timeout) {
    kind = "noAnswer"
    seconds = timeout
  }
  let verdict: DialOutcome["verdict"] = "unknown"
  if (amd.enabled && (kind === "human" || kind === "machine")) {
    verdict = kind === "human" ? (uAmd < amd.falsePositive ? "machine" : "human") : uAmd < amd.sensitivity ? "machine" : "human"
  }
  return { kind, seconds, greetingSeconds, amdSeconds: amd.enabled ? amdSeconds : 0, verdict }
}

/** Talk and wrap-up of the `bridgeIndex`-th bridged live call. */
export const talkFor = (scenario: Scenario, seed: number, bridgeIndex: number): { readonly talkSeconds: number; readonly wrapSeconds: number } => {
  const rng = Random.keyed(seed, TALK_STREAM, bridgeIndex)
  const c = compiled(scenario)
  const talkSeconds = c.talk(rng)
  const wrapSeconds = c.wrap(rng)
  return { talkSeconds, wrapSeconds }
}

/**
 * The carrier events one dial produces, as a simulated carrier would send them
 * (times in epoch ms from `dialedAt`). Reused by the telephony package's
 * simulated carrier.
 */
export const carrierEvents = (outcome: DialOutcome, callId: string, dialedAt: number): ReadonlyArray<SessionEvent> => {
  const at = dialedAt + outcome.seconds * 1000
  switch (outcome.kind) {
    case "busy":
      return [{ _tag: "CallBusy", at, callId }]
    case "noAnswer":
      return [{ _tag: "CallRinging", at: dialedAt, callId }, { _tag: "CallNoAnswer", at, callId }]
    case "human":
    case "machine":
      return [
        { _tag: "CallRinging", at: dialedAt, callId },
        {
          _tag: "CallAnswered", at: at + outcome.amdSeconds * 1000, callId, verdict: outcome.verdict,
          amdSeconds: outcome.amdSeconds, greetingEndedAt: at + outcome.greetingSeconds * 1000
        }
      ]
  }
}

// ---------------------------------------------------------------------------
// The simulation

export interface SimulateOptions {
  readonly scenario: Scenario
  readonly seed: number
  /** The pacer to run inside the session (default: our `autodialer`, tuned to the scenario's AMD and timeout). */
  readonly pacer?: Pacer<unknown>
  /** Hours to simulate (default: the scenario's). */
  readonly hours?: number
  /** Sample a time series every this many simulated seconds (default: none). */
  readonly timeSeriesEverySeconds?: number
  /** Called with the fraction of simulated time done, about every simulated minute. */
  readonly onProgress?: (fraction: number) => void
  /** Epoch ms of the start of the shift (default: Monday 09:00 New York). */
  readonly startAt?: number
  /** Seconds an agent loses on a machine when AMD is off (default 8, the PACING.md example). */
  readonly agentSecondsOnMachineWithoutAmd?: number
  /** Overrides of the session configuration (mode, calling hours...). */
  readonly config?: Config.ConfigInput
  /** The session decides at least this often (simulated ms, default 1000). */
  readonly tickMs?: number
}

export interface TimeSample {
  readonly atSeconds: number
  /** Dials in flight per available agent. */
  readonly dialLevel: number
  readonly agentsWaiting: number
  readonly callsInFlight: number
  /** Abandon rate (ground truth, by regime) over the last 15 minutes. */
  readonly rollingAbandonRate: number
  /** The window's rate so far, with windowSoFar. */
  readonly windowAbandonRate: number
  /** Utilisation over the interval since the previous sample (handle time / available agent time). */
  readonly utilization: number
}

export interface SimulationResult {
  readonly scenario: string
  readonly seed: number
  readonly pacer: string
  readonly hours: number
  /** Agent seconds logged in and not on break. */
  readonly loggedInSeconds: number
  /** Seconds agents spent talking to people. */
  readonly talkSeconds: number
  /** Bridge to end of wrap-up, plus seconds lost on machines AMD missed. */
  readonly handleSeconds: number
  /** Calls answered by a person (ground truth, including AMD false positives). */
  readonly liveAnswers: number
  /** Live answers not bridged within the connect threshold after the greeting (AMD false positives excluded). */
  readonly abandoned: number
  /** People classed as machines by AMD and released. */
  readonly amdFalsePositives: number
  readonly dials: number
  /** Live answers bridged to an agent. */
  readonly connects: number
  /** Machines that reached an agent. */
  readonly missedMachines: number
  /** Agent waits (seconds) from ready to the next bridged call. */
  readonly agentWaitSeconds: ReadonlyArray<number>
  /** Seconds from the end of the greeting to the bridge, per connect. */
  readonly answerToAgentSeconds: ReadonlyArray<number>
  /** Abandons by regime (with AMD false positives when the policy counts them). */
  readonly regimeAbandoned: number
  /** The window's rate at the end, with windowSoFar. */
  readonly windowAbandonRate: number
  /** The worst window rate sampled each minute once the window holds >= 1/limit live answers, and at the end. */
  readonly worstWindowAbandonRate: number
  /** What the session itself observed. */
  readonly sessionStats: Session.SessionStats
  readonly timeSeries?: ReadonlyArray<TimeSample>
}

const Kind = {
  Carrier: 0,
  TalkEnd: 1,
  WrapEnd: 2,
  AgentsChange: 3,
  BreakStart: 4,
  BreakEnd: 5,
  Wake: 6,
  Sample: 7,
  Tick: 8
} as const
type Kind = (typeof Kind)[keyof typeof Kind]

interface SimEvent {
  readonly t: number
  readonly seq: number
  readonly kind: Kind
  readonly event: SessionEvent | undefined
  readonly call: SimCall | undefined
  readonly agent: SimAgent | undefined
  readonly value: number
}

interface SimCall {
  readonly callId: string
  readonly outcome: DialOutcome
  readonly dialedAt: number
  /** Pending carrier events are ignored once the call was cancelled. */
  cancelled: boolean
  resolved: boolean
  bridgedTo: SimAgent | undefined
  released: boolean
  /** Human whose fate is settled (bridged in time, or abandoned). */
  settled: boolean
}

interface SimAgent {
  readonly id: string
  readonly index: number
  /** "off": logged out; "on": in the session; "break": paused. */
  state: "off" | "on" | "break"
  busy: "idle" | "talk" | "machine" | "wrap"
  pendingBreak: boolean
  pendingLogout: boolean
  breakEpoch: number
}

/** A simulation on a virtual clock. Mutable; owned by its creator. */
export class Simulation {
  readonly scenario: Scenario
  readonly seed: number
  readonly startAt: number
  readonly endAt: number
  private state: Session.SessionState
  private readonly calendar = new Heap<SimEvent>((a, b) => (a.t !== b.t ? a.t < b.t : a.seq < b.seq))
  private seq = 0
  private clock: number
  private readonly calls = new Map<string, SimCall>()
  private readonly agents: Array<SimAgent> = []
  private readonly agentById = new Map<string, SimAgent>()
  private dialIndex = 0
  private bridgeIndex = 0
  private contactIndex = 0
  private readonly threshold: number
  private readonly machineSeconds: number
  private readonly tickMs: number
  private readonly sampleMs: number | undefined
  private readonly onProgress: ((f: number) => void) | undefined
  private nextProgress = 0
  private wakeAt = Infinity
  // Ground truth and integrals.
  private available = 0
  private talking = 0
  private handling = 0
  private loggedInMs = 0
  private talkMs = 0
  private handleMs = 0
  private lastT: number
  private live = 0
  private abandonedLive = 0
  private fp = 0
  private connects = 0
  private missedMachines = 0
  private dials = 0
  private readonly agentWaits: Array<number> = []
  private readonly answerWaits: Array<number> = []
  private readonly readySince = new Map<string, number>()
  private worst = 0
  private readonly recent: Array<{ t: number; live: number; ab: number }> = []
  private readonly samples: Array<TimeSample> = []
  private readonly pacerId: string

  constructor(options: SimulateOptions) {
    const s = options.scenario
    this.scenario = s
    this.seed = options.seed
    this.startAt = options.startAt ?? DEFAULT_START
    this.endAt = this.startAt + (options.hours ?? s.hours) * 3600_000
    this.clock = this.startAt
    this.lastT = this.startAt
    this.threshold = s.policy.connectThresholdSeconds * 1000
    this.machineSeconds = s.amd.enabled ? s.amd.agentSecondsOnMissedMachine : options.agentSecondsOnMachineWithoutAmd ?? 8
    this.tickMs = options.tickMs ?? 1000
    this.sampleMs = options.timeSeriesEverySeconds === undefined ? undefined : options.timeSeriesEverySeconds * 1000
    this.onProgress = options.onProgress
    const amdOn = s.amd.enabled
    const config = Config.make({
      sessionId: "sim",
      campaignId: s.name,
      mode: { _tag: "predictive" },
      ringTimeoutSeconds: s.ringTimeoutSeconds ?? 3600,
      minRingSeconds: s.ringTimeoutSeconds === null ? 0 : Math.min(15, s.ringTimeoutSeconds),
      amd: amdOn ? "detect" : "off",
      maxLinesPerAgent: s.policy.maxLinesPerAgent,
      retry: {},
      caps: Config.unlimitedCaps,
      callingHours: { window: { start: "00:00", end: "24:00" } },
      ...options.config,
      abandon: {
        limit: s.policy.abandonLimit,
        connectThresholdSeconds: s.policy.connectThresholdSeconds,
        denominator: s.policy.countAmdFalsePositives ? "ofcom" : "live",
        amdFalsePositiveRate: amdOn ? s.amd.falsePositive : 0,
        window: s.policy.regime === "ofcom" ? "rolling24h" : "campaign",
        lockoutHours: s.policy.dropLockoutHours,
        windowSoFar: s.policy.windowSoFar,
        ...options.config?.abandon
      }
    })
    const grace = Math.max(0.25, s.policy.connectThresholdSeconds - Math.max(0, (amdOn ? Distribution.mean(s.amd.decisionSeconds) : 0) - Distribution.mean(s.greetingSeconds)))
    const pacer = options.pacer ?? (PredictivePacer.make({
      amd: amdOn,
      ringTimeoutSeconds: s.ringTimeoutSeconds ?? 120,
      graceSeconds: grace
    }) as Pacer<unknown>)
    this.pacerId = pacer.id
    this.state = Session.make(config, config.mode._tag === "predictive" ? { pacer, now: this.startAt } : { now: this.startAt })
    // Agents, schedule and breaks.
    const maxAgents = Math.max(s.agents.count, ...(s.agents.schedule ?? []).map((x) => x.count))
    for (let i = 0; i < maxAgents; i++) {
      const a: SimAgent = { id: `agent-${i}`, index: i, state: "off", busy: "idle", pendingBreak: false, pendingLogout: false, breakEpoch: 0 }
      this.agents.push(a)
      this.agentById.set(a.id, a)
    }
    this.push(this.startAt, Kind.AgentsChange, undefined, undefined, undefined, s.agents.count)
    for (const step of s.agents.schedule ?? []) this.push(this.startAt + step.atMinute * 60_000, Kind.AgentsChange, undefined, undefined, undefined, step.count)
    if (this.sampleMs !== undefined) this.push(this.startAt, Kind.Sample, undefined, undefined, undefined, 0)
    this.push(this.startAt, Kind.Tick, undefined, undefined, undefined, 0)
  }

  /** The simulated clock (epoch ms). */
  get now(): number {
    return this.clock
  }

  /** The session being driven (read-only use). */
  get session(): Session.SessionState {
    return this.state
  }

  get done(): boolean {
    const top = this.calendar.peek()
    return top === undefined || top.t >= this.endAt
  }

  private push(t: number, kind: Kind, event: SessionEvent | undefined, call: SimCall | undefined, agent: SimAgent | undefined, value: number): void {
    this.calendar.push({ t, seq: this.seq++, kind, event, call, agent, value })
  }

  private advance(t: number): void {
    const dt = t - this.lastT
    if (dt > 0) {
      this.loggedInMs += dt * this.available
      this.talkMs += dt * this.talking
      this.handleMs += dt * this.handling
      this.lastT = t
    }
    this.clock = t
  }

  private feed(now: number): void {
    const need = Math.floor(this.state.config.maxLinesPerAgent * Math.max(1, this.available)) + 64
    if (this.state.queue.queued >= need) return
    const contacts: Array<Contact> = []
    for (let i = 0; i < need * 2; i++) {
      const n = this.contactIndex++
      contacts.push({ id: `c${n}`, numbers: [{ number: `+1212${String(1000000 + (n % 9000000)).padStart(7, "0")}` }], timezone: "America/New_York", region: "NY" })
    }
    this.deliver({ _tag: "ContactsAdded", at: now, contacts })
  }

  /** Delivers one event to the session and executes its commands. */
  private deliver(ev: SessionEvent): void {
    const r = Session.step(this.state, ev)
    this.state = r.state
    const now = ev.at
    for (const cmd of r.commands) {
      switch (cmd._tag) {
        case "Dial": {
          const k = this.dialIndex++
          this.dials++
          const outcome = dialOutcomeFor(this.scenario, this.seed, k, (now - this.startAt) / 60_000)
          const call: SimCall = { callId: cmd.callId, outcome, dialedAt: now, cancelled: false, resolved: false, bridgedTo: undefined, released: false, settled: false }
          this.calls.set(cmd.callId, call)
          const evs = carrierEvents(outcome, cmd.callId, now)
          const last = evs[evs.length - 1]!
          this.push(last.at, Kind.Carrier, last, call, undefined, 0)
          break
        }
        case "Cancel": {
          const call = this.calls.get(cmd.callId)
          if (call !== undefined && !call.resolved) {
            call.cancelled = true
            call.resolved = true
            this.calls.delete(cmd.callId)
            this.push(now, Kind.Carrier, { _tag: "CallCancelled", at: now, callId: cmd.callId }, undefined, undefined, 0)
          }
          break
        }
        case "Bridge": {
          const call = this.calls.get(cmd.callId)
          const agent = this.agentById.get(cmd.agentId)
          if (call === undefined || agent === undefined) break
          call.bridgedTo = agent
          const since = this.readySince.get(agent.id)
          if (since !== undefined) this.agentWaits.push((now - since) / 1000)
          this.readySince.delete(agent.id)
          if (call.outcome.kind === "human") {
            call.settled = true
            const greetingEnd = call.dialedAt + (call.outcome.seconds + call.outcome.greetingSeconds) * 1000
            const wait = now - greetingEnd
            this.answerWaits.push(Math.max(0, wait) / 1000)
            if (wait > this.threshold + 1e-6) this.abandon(now)
            else this.connects++
            const { talkSeconds, wrapSeconds } = talkFor(this.scenario, this.seed, this.bridgeIndex++)
            agent.busy = "talk"
            this.talking++
            this.handling++
            this.push(now + talkSeconds * 1000, Kind.TalkEnd, { _tag: "CallEnded", at: now + talkSeconds * 1000, callId: cmd.callId }, call, agent, wrapSeconds)
          } else {
            this.missedMachines++
            agent.busy = "machine"
            this.handling++
            const end = now + this.machineSeconds * 1000
            this.push(end, Kind.TalkEnd, { _tag: "CallEnded", at: end, callId: cmd.callId, disposition: "machine" }, call, agent, 0)
          }
          break
        }
        case "PlaySafeHarbourAndRelease": {
          const call = this.calls.get(cmd.callId)
          if (call === undefined) break
          call.released = true
          this.calls.delete(cmd.callId)
          if (call.outcome.kind === "human" && !call.settled) {
            call.settled = true
            this.abandon(now)
          }
          break
        }
        case "HangUp":
        case "DropVoicemail":
          this.calls.delete(cmd.callId)
          break
        case "ScheduleRetry":
        case "MarkContactDone":
        case "OfferPreview":
          break
      }
    }
    const wake = Session.nextWakeAt(this.state)
    if (wake !== undefined && wake < this.wakeAt) {
      this.wakeAt = wake
      this.push(wake, Kind.Wake, undefined, undefined, undefined, 0)
    }
  }

  private abandon(now: number): void {
    this.abandonedLive++
    this.recent.push({ t: now, live: 0, ab: 1 })
  }

  private countLive(call: SimCall, now: number): void {
    this.live++
    this.recent.push({ t: now, live: 1, ab: 0 })
    if (call.outcome.verdict === "machine") {
      this.fp++
      if (this.scenario.policy.countAmdFalsePositives) this.recent.push({ t: now, live: 0, ab: 1 })
    }
  }

  private regimeAbandons(): number {
    return this.abandonedLive + (this.scenario.policy.countAmdFalsePositives ? this.fp : 0)
  }

  private windowRate(): number {
    const w = this.scenario.policy.windowSoFar
    return (w.abandoned + this.regimeAbandons()) / Math.max(1, w.liveAnswers + this.live)
  }

  private setAvailable(a: SimAgent, on: boolean): void {
    const was = a.state === "on"
    if (was && !on) this.available--
    if (!was && on) this.available++
  }

  private agentReady(a: SimAgent, now: number): void {
    if (a.pendingLogout) {
      a.pendingLogout = false
      this.setAvailable(a, false)
      a.state = "off"
      this.deliver({ _tag: "AgentLoggedOut", at: now, agentId: a.id })
      return
    }
    if (a.pendingBreak) {
      a.pendingBreak = false
      this.startBreak(a, now)
      return
    }
    this.readySince.set(a.id, now)
    this.deliver({ _tag: "AgentReady", at: now, agentId: a.id })
  }

  private startBreak(a: SimAgent, now: number): void {
    const b = this.scenario.agents.breaks
    if (b === undefined) return
    this.setAvailable(a, false)
    a.state = "break"
    this.readySince.delete(a.id)
    this.deliver({ _tag: "AgentPaused", at: now, agentId: a.id, code: "break" })
    this.push(now + b.minutes * 60_000, Kind.BreakEnd, undefined, undefined, a, a.breakEpoch)
  }

  /** The next break: a staggered first one after log-in, then one every `everyMinutes` of work. */
  private scheduleBreaks(a: SimAgent, from: number, first: boolean): void {
    const b = this.scenario.agents.breaks
    if (b === undefined) return
    // First breaks are staggered across agents so the floor never empties at once.
    const every = b.everyMinutes * 60_000
    const offset = first ? (((a.index * 7919) % 97) + 1) / 98 * every : every
    this.push(from + offset, Kind.BreakStart, undefined, undefined, a, a.breakEpoch)
  }

  private setAgents(count: number, now: number): void {
    let on = 0
    for (const a of this.agents) if (a.state !== "off" && !a.pendingLogout) on++
    for (const a of this.agents) {
      if (on < count && (a.state === "off" || a.pendingLogout)) {
        if (a.pendingLogout) a.pendingLogout = false
        else {
          a.state = "on"
          this.available++
          a.breakEpoch++
          this.deliver({ _tag: "AgentLoggedIn", at: now, agentId: a.id })
          this.agentReady(a, now)
          this.scheduleBreaks(a, now, true)
        }
        on++
      }
    }
    for (let i = this.agents.length - 1; i >= 0 && on > count; i--) {
      const a = this.agents[i]!
      if (a.state === "off" || a.pendingLogout) continue
      on--
      if (a.busy === "idle" || a.state === "break") {
        a.breakEpoch++
        this.setAvailable(a, false)
        a.state = "off"
        a.pendingBreak = false
        this.readySince.delete(a.id)
        this.deliver({ _tag: "AgentLoggedOut", at: now, agentId: a.id })
      } else a.pendingLogout = true
    }
  }

  /** Processes the next event. False when the run is over. */
  step(): boolean {
    const e = this.calendar.pop()
    if (e === undefined || e.t >= this.endAt) {
      if (e !== undefined) this.calendar.push(e)
      this.advance(Math.max(this.clock, this.endAt))
      return false
    }
    this.advance(e.t)
    const now = e.t
    if (this.onProgress !== undefined && now >= this.nextProgress) {
      this.nextProgress = now + 60_000
      this.onProgress((now - this.startAt) / (this.endAt - this.startAt))
    }
    switch (e.kind) {
      case Kind.Carrier: {
        const call = e.call
        if (call !== undefined) {
          if (call.cancelled) break
          call.resolved = true
          if (e.event?._tag === "CallAnswered" && call.outcome.kind === "human") this.countLive(call, now)
          if (e.event?._tag !== "CallAnswered" || call.outcome.verdict === "machine") this.calls.delete(call.callId)
        }
        this.feed(now)
        if (e.event !== undefined) this.deliver(e.event)
        break
      }
      case Kind.TalkEnd: {
        const a = e.agent!
        const human = a.busy === "talk"
        if (human) this.talking--
        this.calls.delete(e.call!.callId)
        if (human && e.value > 0) {
          a.busy = "wrap"
          this.deliver(e.event!)
          this.push(now + e.value * 1000, Kind.WrapEnd, undefined, undefined, a, 0)
        } else {
          a.busy = "idle"
          this.handling--
          this.deliver(e.event!)
          this.feed(now)
          this.agentReady(a, now)
        }
        break
      }
      case Kind.WrapEnd: {
        const a = e.agent!
        a.busy = "idle"
        this.handling--
        this.feed(now)
        this.agentReady(a, now)
        break
      }
      case Kind.AgentsChange:
        this.feed(now)
        this.setAgents(e.value, now)
        break
      case Kind.BreakStart: {
        const a = e.agent!
        if (a.breakEpoch !== e.value || a.state !== "on") break
        if (a.busy === "idle") this.startBreak(a, now)
        else a.pendingBreak = true
        break
      }
      case Kind.BreakEnd: {
        const a = e.agent!
        if (a.breakEpoch !== e.value || a.state !== "break") break
        a.state = "on"
        this.available++
        this.feed(now)
        this.agentReady(a, now)
        this.scheduleBreaks(a, now, false)
        break
      }
      case Kind.Wake:
        if (now >= this.wakeAt) this.wakeAt = Infinity
        this.deliver({ _tag: "Tick", at: now })
        break
      case Kind.Tick:
        this.feed(now)
        this.deliver({ _tag: "Tick", at: now })
        this.trackWorst()
        this.push(now + this.tickMs, Kind.Tick, undefined, undefined, undefined, 0)
        break
      case Kind.Sample:
        this.sample(now)
        this.push(now + this.sampleMs!, Kind.Sample, undefined, undefined, undefined, 0)
        break
    }
    return true
  }

  private lastWorstAt = -Infinity

  private trackWorst(): void {
    if (this.clock - this.lastWorstAt < 60_000) return
    this.lastWorstAt = this.clock
    const w = this.scenario.policy.windowSoFar
    if (w.liveAnswers + this.live >= 1 / this.scenario.policy.abandonLimit) this.worst = Math.max(this.worst, this.windowRate())
  }

  private lastSampleLoggedIn = 0
  private lastSampleHandle = 0

  private sample(now: number): void {
    const from = now - 15 * 60_000
    let live = 0
    let ab = 0
    let drop = 0
    for (const r of this.recent) {
      if (r.t < from) {
        drop++
        continue
      }
      live += r.live
      ab += r.ab
    }
    if (drop > 1024) this.recent.splice(0, drop)
    const st = this.state
    this.samples.push({
      atSeconds: (now - this.startAt) / 1000,
      dialLevel: st.inFlight.length / Math.max(1, this.available),
      agentsWaiting: st.readyCount,
      callsInFlight: st.inFlight.length,
      rollingAbandonRate: live > 0 ? ab / live : 0,
      windowAbandonRate: this.windowRate(),
      utilization: this.loggedInMs > this.lastSampleLoggedIn ? (this.handleMs - this.lastSampleHandle) / (this.loggedInMs - this.lastSampleLoggedIn) : 0
    })
    this.lastSampleLoggedIn = this.loggedInMs
    this.lastSampleHandle = this.handleMs
  }

  /** Runs until the simulated clock reaches `t` (epoch ms) or the run ends. */
  runUntil(t: number): void {
    for (;;) {
      const top = this.calendar.peek()
      if (top === undefined || top.t > t || top.t >= this.endAt) break
      this.step()
    }
    this.advance(Math.min(Math.max(t, this.clock), this.endAt))
  }

  /** Runs to the end of the shift. */
  run(): SimulationResult {
    while (this.step()) {
      // one event at a time
    }
    return this.result()
  }

  /** The totals so far. */
  result(): SimulationResult {
    this.advance(this.clock)
    const final = this.windowRate()
    const base: SimulationResult = {
      scenario: this.scenario.name,
      seed: this.seed,
      pacer: this.pacerId,
      hours: (this.clock - this.startAt) / 3600_000,
      loggedInSeconds: this.loggedInMs / 1000,
      talkSeconds: this.talkMs / 1000,
      handleSeconds: this.handleMs / 1000,
      liveAnswers: this.live,
      abandoned: this.abandonedLive,
      amdFalsePositives: this.fp,
      dials: this.dials,
      connects: this.connects,
      missedMachines: this.missedMachines,
      agentWaitSeconds: this.agentWaits,
      answerToAgentSeconds: this.answerWaits,
      regimeAbandoned: this.regimeAbandons(),
      windowAbandonRate: final,
      worstWindowAbandonRate: Math.max(this.worst, final),
      sessionStats: { ...this.state.stats }
    }
    return this.sampleMs === undefined ? base : { ...base, timeSeries: this.samples }
  }
}

/** Runs a whole shift and returns its totals. */
export const simulate = (options: SimulateOptions): SimulationResult => new Simulation(options).run()
