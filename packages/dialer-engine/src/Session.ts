/**
 * The dialing session: a pure, deterministic state machine.
 *
 * `step(state, event)` folds one event into the session and returns the commands
 * the host must execute; `decide(state, now)` is the same for a timer tick. The
 * session owns agent and call state, routes live answers to agents, releases
 * every abandoned call with the safe-harbour message, applies the pacer's
 * decision, then clamps it with compliance: the line cap, the abandon gate,
 * calling windows, DNC, attempt caps, the drop lockout and caller-ID rate
 * limits. It never reads a clock and never draws a random number, so the same
 * event sequence always yields byte-identical commands, and any decision can be
 * replayed from the event log.
 *
 * Ownership rule (for speed): a `SessionState` is a mutable value with a single
 * owner. `step` and `decide` update it in place and return it; after a call the
 * caller must use only the returned state. Nothing in it is shared with another
 * session. Arrays handed to a pacer (`busyAgents`, `dialsInFlight`) are
 * read-only views valid only during `decide`; a pacer must not keep them.
 */
import { AbandonLedger } from "./AbandonLedger.ts"
import * as CallingWindow from "./CallingWindow.ts"
import { CallerIds } from "./CallerId.ts"
import type { SessionCommand } from "./Command.ts"
import * as Compliance from "./Compliance.ts"
import * as Config from "./Config.ts"
import type { Contact } from "./Contact.ts"
import { ContactQueue, type QueueEntry } from "./ContactQueue.ts"
import type { AnswerVerdict, SessionEvent } from "./Event.ts"
import type { BusyAgentView, DialView, Pacer, PacingObservation } from "./Pacer.ts"
import * as PredictivePacer from "./PredictivePacer.ts"
import * as ProgressivePacer from "./ProgressivePacer.ts"
import * as TimeZone from "./TimeZone.ts"

export type AgentStatus = "ready" | "talk" | "wrap" | "reserved" | "paused" | "loggedOut" | "previewing" | "parallel"

/** Internal agent record; doubles as the pacer's `BusyAgentView`. */
export interface AgentRecord extends BusyAgentView {
  readonly id: string
  status: AgentStatus
  phase: "talk" | "wrap"
  since: number
  bridgedAt: number
  readyAt: number
  callId: string | undefined
  busyIndex: number
  readyEpoch: number
  /** An AI voice channel (agentless mode), not a person. */
  readonly ai: boolean
  /** Preview: the contact offered and its auto-dial instant. */
  preview: { entry: QueueEntry; autoDialAt: number | undefined } | undefined
  /** Parallel: the lines dialled for this rep. */
  group: Array<CallRecord> | undefined
  pauseCode: string | undefined
}

export type CallStatus = "dialling" | "waiting" | "bridged" | "released"

/** Internal call record; doubles as the pacer's `DialView`. */
export interface CallRecord extends DialView {
  readonly callId: string
  readonly entry: QueueEntry
  readonly number: string
  readonly zone: string | undefined
  dialedAt: number
  answered: boolean
  status: CallStatus
  verdict: AnswerVerdict | undefined
  answeredAt: number
  deadline: number
  agentId: string | undefined
  /** The agent waiting for this call (preview, owned callback, parallel rep). */
  boundAgent: string | undefined
  flightIndex: number
  cancelAt: number
  cancelSent: boolean
  /** Counted in the ledger as a bridged unknown answer. */
  unknownBridged: boolean
  transferWaiting: boolean
}

export interface SessionStats {
  dials: number
  liveAnswers: number
  bridged: number
  abandoned: number
  machines: number
  noAnswers: number
  busy: number
  failed: number
  cancelled: number
  blockedByWindow: number
  blockedByDnc: number
  blockedByCaps: number
  blockedByLockout: number
}

export interface SessionState {
  config: Config.SessionConfig
  now: number
  nextCall: number
  readonly agents: Map<string, AgentRecord>
  readonly busy: Array<AgentRecord>
  /** Ready agents in the order they became ready (entries may be stale: check `readyEpoch`). */
  readyQueue: Array<AgentRecord>
  readyEpochs: Array<number>
  readyHead: number
  readyCount: number
  loggedIn: number
  readonly calls: Map<string, CallRecord>
  readonly inFlight: Array<CallRecord>
  readonly waiting: Array<CallRecord>
  readonly queue: ContactQueue
  readonly dnc: Compliance.Dnc
  readonly numberAttempts: Map<string, Compliance.AttemptRecord>
  readonly lockouts: Compliance.Lockouts
  callerIds: CallerIds
  readonly ledger: AbandonLedger
  readonly pacer: Pacer<unknown>
  pacerState: unknown
  readonly snapshot: MutableSnapshot
  capsUnlimited: boolean
  /** Instants at which something must be re-evaluated (caller-ID slots, deferred contacts). */
  wakeAt: number
  readonly stats: SessionStats
  aiChannels: number
  transferShare: { asked: number; total: number }
}

interface MutableSnapshot {
  now: number
  agentsLoggedIn: number
  agentsReady: number
  busyAgents: ReadonlyArray<BusyAgentView>
  dialsInFlight: ReadonlyArray<DialView>
  customersWaiting: number
  maxDialsInFlight: number
  abandon: { windowLiveAnswers: number; windowAbandoned: number; limit: number; windowAbandonedSd: number }
  dense: Dense
}

/** Dense mirrors of `inFlight` and `busy` (see `PacingSnapshot.dense`), grown by doubling. */
interface Dense {
  dialedAt: Float64Array
  busyWrap: Uint8Array
  busySince: Float64Array
  busyBridgedAt: Float64Array
}

const growDense = (d: Dense, dials: number, busy: number): void => {
  if (dials > d.dialedAt.length) {
    const n = new Float64Array(Math.max(dials, d.dialedAt.length * 2))
    n.set(d.dialedAt)
    d.dialedAt = n
  }
  if (busy > d.busySince.length) {
    const size = Math.max(busy, d.busySince.length * 2)
    const w = new Uint8Array(size)
    w.set(d.busyWrap)
    d.busyWrap = w
    const si = new Float64Array(size)
    si.set(d.busySince)
    d.busySince = si
    const b = new Float64Array(size)
    b.set(d.busyBridgedAt)
    d.busyBridgedAt = b
  }
}

const denseBusy = (st: SessionState, a: AgentRecord): void => {
  const d = st.snapshot.dense
  const i = a.busyIndex
  d.busyWrap[i] = a.phase === "wrap" ? 1 : 0
  d.busySince[i] = a.since
  d.busyBridgedAt[i] = a.bridgedAt
}

export interface StepResult {
  readonly state: SessionState
  readonly commands: ReadonlyArray<SessionCommand>
}

export interface MakeOptions {
  /** The pacer for predictive mode (default: our `autodialer`). Progressive mode uses `power(lines)`. */
  readonly pacer?: Pacer<unknown>
  /** The session clock at creation (epoch ms). */
  readonly now?: number
}

const pacerFor = (config: Config.SessionConfig, given: Pacer<unknown> | undefined): Pacer<unknown> => {
  if (given !== undefined) return given
  if (config.mode._tag === "progressive") return ProgressivePacer.power(config.mode.linesPerAgent) as Pacer<unknown>
  return PredictivePacer.make({ amd: config.amd !== "off", ringTimeoutSeconds: config.ringTimeoutSeconds }) as Pacer<unknown>
}

/** A new session with no agents and no contacts. */
export const make = (config: Config.SessionConfig, options: MakeOptions = {}): SessionState => {
  const now = options.now ?? 0
  const pacer = pacerFor(config, options.pacer)
  const state: SessionState = {
    config, now, nextCall: 0,
    agents: new Map(), busy: [], readyQueue: [], readyEpochs: [], readyHead: 0, readyCount: 0, loggedIn: 0,
    calls: new Map(), inFlight: [], waiting: [],
    queue: new ContactQueue(), dnc: new Compliance.Dnc(), numberAttempts: new Map(), lockouts: new Compliance.Lockouts(),
    callerIds: new CallerIds(config.callerIds), ledger: new AbandonLedger(config.abandon, now),
    pacer, pacerState: pacer.initial,
    snapshot: {
      now, agentsLoggedIn: 0, agentsReady: 0, busyAgents: [], dialsInFlight: [], customersWaiting: 0, maxDialsInFlight: 0,
      abandon: { windowLiveAnswers: 0, windowAbandoned: 0, limit: config.abandon.limit, windowAbandonedSd: 0 },
      dense: { dialedAt: new Float64Array(64), busyWrap: new Uint8Array(64), busySince: new Float64Array(64), busyBridgedAt: new Float64Array(64) }
    },
    capsUnlimited: Compliance.unlimited(config.caps),
    wakeAt: Infinity,
    stats: {
      dials: 0, liveAnswers: 0, bridged: 0, abandoned: 0, machines: 0, noAnswers: 0, busy: 0, failed: 0, cancelled: 0,
      blockedByWindow: 0, blockedByDnc: 0, blockedByCaps: 0, blockedByLockout: 0
    },
    aiChannels: 0,
    transferShare: { asked: 0, total: 0 }
  }
  state.snapshot.busyAgents = state.busy
  state.snapshot.dialsInFlight = state.inFlight
  if (config.mode._tag === "agentless") setAiChannels(state, config.mode.aiChannels, now)
  return state
}

// ---------------------------------------------------------------------------
// Agents

const newAgent = (id: string, ai: boolean, now: number): AgentRecord => ({
  id, status: "loggedOut", phase: "talk", since: now, bridgedAt: now, readyAt: now, callId: undefined, busyIndex: -1,
  readyEpoch: 0, ai, preview: undefined, group: undefined, pauseCode: undefined
})

const counted = (s: AgentStatus): boolean => s !== "loggedOut" && s !== "paused"

const setStatus = (st: SessionState, a: AgentRecord, status: AgentStatus, now: number): void => {
  const before = a.status
  if (before === status) return
  if (!a.ai) {
    if (counted(before) && !counted(status)) st.loggedIn--
    if (!counted(before) && counted(status)) st.loggedIn++
  }
  if (before === "ready") {
    st.readyCount--
    a.readyEpoch++
  }
  const wasBusy = before === "talk" || before === "wrap"
  const isBusy = status === "talk" || status === "wrap"
  if (wasBusy && !isBusy) {
    const i = a.busyIndex
    const last = st.busy.pop()!
    if (last !== a) {
      st.busy[i] = last
      last.busyIndex = i
      denseBusy(st, last)
    }
    a.busyIndex = -1
  } else if (!wasBusy && isBusy) {
    a.busyIndex = st.busy.length
    st.busy.push(a)
    growDense(st.snapshot.dense, 0, st.busy.length)
  }
  a.status = status
  a.since = now
  if (status === "talk" || status === "wrap") {
    a.phase = status
    denseBusy(st, a)
  }
  if (status === "ready") {
    st.readyCount++
    a.readyAt = now
    st.readyQueue.push(a)
    st.readyEpochs.push(a.readyEpoch)
  }
}

/** The agent ready longest, removed from the ready queue (undefined if none). */
const takeReady = (st: SessionState, human: boolean | undefined): AgentRecord | undefined => {
  const q = st.readyQueue
  for (let i = st.readyHead; i < q.length; i++) {
    const a = q[i]!
    if (a.status !== "ready" || a.readyEpoch !== st.readyEpochs[i]) {
      if (i === st.readyHead) st.readyHead++
      continue
    }
    if (human !== undefined && a.ai === human) continue
    if (i === st.readyHead) st.readyHead++
    else a.readyEpoch++ // invalidates this entry; setStatus below bumps again harmlessly
    compactReady(st)
    return a
  }
  compactReady(st)
  return undefined
}

const compactReady = (st: SessionState): void => {
  if (st.readyHead > 256 && st.readyHead * 2 > st.readyQueue.length) {
    st.readyQueue = st.readyQueue.slice(st.readyHead)
    st.readyEpochs = st.readyEpochs.slice(st.readyHead)
    st.readyHead = 0
  }
}

const setAiChannels = (st: SessionState, n: number, now: number): void => {
  for (let i = st.aiChannels; i < n; i++) {
    const a = newAgent(`ai:${i}`, true, now)
    st.agents.set(a.id, a)
    setStatus(st, a, "ready", now)
  }
  st.aiChannels = Math.max(st.aiChannels, n)
}

// ---------------------------------------------------------------------------
// Calls

const removeInFlight = (st: SessionState, c: CallRecord): void => {
  const i = c.flightIndex
  if (i < 0) return
  const last = st.inFlight.pop()!
  if (last !== c) {
    st.inFlight[i] = last
    last.flightIndex = i
    st.snapshot.dense.dialedAt[i] = last.dialedAt
  }
  c.flightIndex = -1
}

const observe = (st: SessionState, o: PacingObservation): void => {
  st.pacerState = st.pacer.observe(st.pacerState, o)
}

const bridge = (st: SessionState, c: CallRecord, a: AgentRecord, now: number, out: Array<SessionCommand>): void => {
  const w = st.waiting.indexOf(c)
  if (w >= 0) st.waiting.splice(w, 1)
  c.status = "bridged"
  c.agentId = a.id
  a.callId = c.callId
  a.bridgedAt = now
  const agentWait = (now - a.readyAt) / 1000
  setStatus(st, a, "talk", now)
  st.stats.bridged++
  if (!a.ai || c.verdict !== undefined) {
    const v = c.verdict === "unknown" ? "unknown" : "human"
    st.ledger.bridged(now, v, (c.answeredAt - c.dialedAt) / 1000)
    c.unknownBridged = v === "unknown"
  }
  out.push({ _tag: "Bridge", callId: c.callId, agentId: a.id })
  observe(st, { _tag: "Bridged", at: now, customerWaitSeconds: (now - c.answeredAt) / 1000, agentWaitSeconds: agentWait })
  finishContact(st, c.entry, "connected", out)
}

const abandon = (st: SessionState, c: CallRecord, now: number, out: Array<SessionCommand>): void => {
  const w = st.waiting.indexOf(c)
  if (w >= 0) st.waiting.splice(w, 1)
  c.status = "released"
  st.stats.abandoned++
  st.ledger.abandon(now, c.verdict === "unknown" ? "unknown" : "human", (c.answeredAt - c.dialedAt) / 1000)
  out.push({ _tag: "PlaySafeHarbourAndRelease", callId: c.callId, message: st.config.safeHarbourMessage })
  observe(st, { _tag: "Abandoned", at: now })
  const lock = st.config.abandon.lockoutHours
  if (lock > 0) st.lockouts.lock(c.number, now + lock * 3600_000)
  // An abandoned person was reached: the contact is retried later like a no-answer, within its caps.
  retryOrFinish(st, c.entry, "noAnswer", now, out)
  st.calls.delete(c.callId)
}

const finishContact = (
  st: SessionState, e: QueueEntry, reason: "connected" | "dnc" | "attemptsExhausted" | "noDialableNumber" | "retriesExhausted",
  out: Array<SessionCommand>
): void => {
  st.queue.finish(e)
  out.push({ _tag: "MarkContactDone", contactId: e.contact.id, reason })
}

const retryOrFinish = (st: SessionState, e: QueueEntry, outcome: Config.Outcome, now: number, out: Array<SessionCommand>): void => {
  if (e.status !== "held") return
  if (e.streakOutcome === outcome) e.streak++
  else {
    e.streakOutcome = outcome
    e.streak = 1
  }
  const rule = st.config.retry[outcome]
  // Alternate numbers: a failed or fax number moves on to the next one at once.
  if ((outcome === "failed" || outcome === "fax" || outcome === "busy") && e.contact.numbers.length > 1) {
    e.nextNumber = (e.nextNumber + 1) % e.contact.numbers.length
  }
  if (rule === undefined || e.streak >= rule.maxAttempts || e.attempts >= st.config.caps.perContactLifetime) {
    finishContact(st, e, rule === undefined ? "retriesExhausted" : e.attempts >= st.config.caps.perContactLifetime ? "attemptsExhausted" : "retriesExhausted", out)
    return
  }
  const at = now + rule.delayMinutes * 60_000
  st.queue.release(e, now, at)
  out.push({ _tag: "ScheduleRetry", contactId: e.contact.id, at, outcome })
}

const agentFreed = (st: SessionState, agentId: string | undefined, now: number, out: Array<SessionCommand>): void => {
  if (agentId === undefined) return
  const a = st.agents.get(agentId)
  if (a === undefined) return
  if (a.status === "previewing" && a.preview === undefined) {
    setStatus(st, a, "ready", now)
    onReady(st, a, now, out)
  }
}

/** A dial resolved without a live answer. */
const resolvedNoLive = (
  st: SessionState, c: CallRecord, outcome: "machine" | "noAnswer" | "busy" | "failed" | "fax", censored: boolean,
  now: number, out: Array<SessionCommand>
): void => {
  removeInFlight(st, c)
  c.status = "released"
  st.calls.delete(c.callId)
  observe(st, {
    _tag: "DialResolved", at: now, outcome: outcome === "fax" ? "failed" : outcome,
    secondsToOutcome: (now - c.dialedAt) / 1000, censored
  })
  retryOrFinish(st, c.entry, outcome, now, out)
  if (c.boundAgent !== undefined) {
    const a = st.agents.get(c.boundAgent)
    if (a !== undefined && a.status === "parallel" && a.group !== undefined) {
      const g = a.group
      const i = g.indexOf(c)
      if (i >= 0) g.splice(i, 1)
      if (g.length === 0) {
        a.group = undefined
        setStatus(st, a, "ready", now)
        onReady(st, a, now, out)
      }
    } else agentFreed(st, c.boundAgent, now, out)
  }
}

const liveAnswer = (st: SessionState, c: CallRecord, verdict: AnswerVerdict, greetingEndedAt: number | undefined, now: number, out: Array<SessionCommand>): void => {
  c.verdict = verdict
  st.stats.liveAnswers++
  c.deadline = Math.max(now, (greetingEndedAt ?? now) + st.config.abandon.connectThresholdSeconds * 1000)
  // An agent waiting for exactly this call gets it.
  const boundId = c.boundAgent
  if (boundId !== undefined) {
    const a = st.agents.get(boundId)
    if (a !== undefined && (a.status === "previewing" || (a.status === "parallel" && a.group !== undefined))) {
      const losers = a.status === "parallel" ? a.group ?? [] : []
      a.group = undefined
      bridge(st, c, a, now, out)
      for (const l of losers) if (l !== c) markLoser(st, l, now)
      return
    }
  }
  c.status = "waiting"
  st.waiting.push(c)
}

/** A parallel line that lost: it rings out its minimum ring time, then is cancelled. */
const markLoser = (st: SessionState, c: CallRecord, now: number): void => {
  c.boundAgent = undefined
  if (c.answered || c.status !== "dialling") return
  c.cancelAt = st.config.minRingExempt ? now : Math.max(now, c.dialedAt + st.config.minRingSeconds * 1000)
}

// ---------------------------------------------------------------------------
// Contact selection and compliance

type Blocked = "window" | "dnc" | "caps" | "lockout" | "capsLifetime" | "reserved"

interface Dialable {
  readonly number: string
  readonly index: number
  readonly zone: string | undefined
  readonly region: string | undefined
}

const numberRecord = (st: SessionState, number: string): Compliance.AttemptRecord => {
  let r = st.numberAttempts.get(number)
  if (r === undefined) {
    r = { lifetime: 0, recent: [] }
    st.numberAttempts.set(number, r)
  }
  return r
}

/** The first number of the contact that may be dialled now, or why none can. */
const dialable = (st: SessionState, e: QueueEntry, now: number, agentGuaranteed: boolean): Dialable | { blocked: Blocked; nextOpen?: number } => {
  const c = e.contact
  const cfg = st.config
  if (c.reservedBy !== undefined && c.reservedBy !== cfg.sessionId) return { blocked: "reserved" }
  if (c.doNotCall === true) return { blocked: "dnc" }
  const n = c.numbers.length
  let worst: Blocked = "dnc"
  let nextOpen: number | undefined
  for (let k = 0; k < n; k++) {
    const index = (e.nextNumber + k) % n
    const number = c.numbers[index]!.number
    if (st.dnc.has(number)) continue
    if (!agentGuaranteed && st.lockouts.locked(number, now)) {
      worst = "lockout"
      continue
    }
    const inf = TimeZone.forContact(c.timezone, c.region, number)
    const region = inf.region
    const win = CallingWindow.check(cfg.callingHours, inf, now)
    if (!win.open) {
      worst = worst === "dnc" || worst === "lockout" ? "window" : worst
      const no = CallingWindow.nextOpen(cfg.callingHours, inf, now)
      if (no !== undefined) nextOpen = nextOpen === undefined ? no : Math.min(nextOpen, no)
      continue
    }
    const zone = inf.zones[0] ?? cfg.callingHours.fallbackZone
    if (!st.capsUnlimited) {
      const caps = cfg.caps
      const cr = contactRecord(e)
      const cc = Compliance.capReached(cr, now, zone, caps.perContactLifetime, caps.perContactPerDay, caps.perContactRolling24h)
      if (cc !== undefined) return { blocked: cc === "lifetime" ? "capsLifetime" : "caps" }
      const nc = Compliance.capReached(numberRecord(st, number), now, zone, caps.perNumberLifetime, caps.perNumberPerDay, caps.perNumberRolling24h)
      if (nc !== undefined) {
        worst = "caps"
        continue
      }
    }
    return { number, index, zone, region }
  }
  return nextOpen !== undefined ? { blocked: worst, nextOpen } : { blocked: worst }
}

const contactRecords = new WeakMap<QueueEntry, Compliance.AttemptRecord>()
const contactRecord = (e: QueueEntry): Compliance.AttemptRecord => {
  let r = contactRecords.get(e)
  if (r === undefined) {
    const zone = e.contact.timezone ?? TimeZone.inferFromNumber(e.contact.numbers[0]?.number ?? "").zones[0]
    r = Compliance.fromHistory(e.contact.attemptHistory ?? [], e.contact.priorAttempts ?? 0, zone)
    contactRecords.set(e, r)
  }
  return r
}

/** Handles a contact that cannot be dialled now. Returns false when dialling should stop this round. */
const blocked = (st: SessionState, e: QueueEntry, b: { blocked: Blocked; nextOpen?: number }, now: number, out: Array<SessionCommand>): void => {
  switch (b.blocked) {
    case "dnc":
      st.stats.blockedByDnc++
      finishContact(st, e, "dnc", out)
      return
    case "capsLifetime":
      st.stats.blockedByCaps++
      finishContact(st, e, "attemptsExhausted", out)
      return
    case "caps":
      st.stats.blockedByCaps++
      st.queue.release(e, now, now + 3600_000)
      return
    case "lockout":
      st.stats.blockedByLockout++
      st.queue.release(e, now, now + 3600_000)
      return
    case "window":
      st.stats.blockedByWindow++
      if (b.nextOpen === undefined) finishContact(st, e, "noDialableNumber", out)
      else st.queue.release(e, now, b.nextOpen)
      return
    case "reserved":
      st.queue.release(e, now, now + 60_000)
      return
  }
}

/** Places one dial for a held contact; false if the caller-ID pool is out of capacity. */
const placeDial = (st: SessionState, e: QueueEntry, d: Dialable, now: number, agentId: string | undefined, out: Array<SessionCommand>): CallRecord | undefined => {
  const cfg = st.config
  const callerId = st.callerIds.take(d.number, d.region, now)
  if (callerId === undefined) {
    st.queue.release(e, now)
    const slot = st.callerIds.nextSlot(now)
    if (slot !== undefined) st.wakeAt = Math.min(st.wakeAt, slot)
    return undefined
  }
  const callId = `${cfg.sessionId}:${st.nextCall++}`
  e.attempts++
  e.nextNumber = d.index
  if (!st.capsUnlimited) {
    Compliance.record(contactRecord(e), now, d.zone)
    Compliance.record(numberRecord(st, d.number), now, d.zone)
  }
  const c: CallRecord = {
    callId, entry: e, number: d.number, zone: d.zone, dialedAt: now, answered: false, status: "dialling", verdict: undefined,
    answeredAt: 0, deadline: Infinity, agentId: undefined, boundAgent: agentId, flightIndex: st.inFlight.length,
    cancelAt: Infinity, cancelSent: false, unknownBridged: false, transferWaiting: false
  }
  st.inFlight.push(c)
  growDense(st.snapshot.dense, st.inFlight.length, 0)
  st.snapshot.dense.dialedAt[c.flightIndex] = now
  st.calls.set(callId, c)
  st.stats.dials++
  out.push(agentId === undefined
    ? { _tag: "Dial", callId, contactId: e.contact.id, number: d.number, callerId, ringTimeoutSeconds: Math.max(cfg.ringTimeoutSeconds, cfg.minRingSeconds), amd: cfg.amd }
    : { _tag: "Dial", callId, contactId: e.contact.id, number: d.number, callerId, ringTimeoutSeconds: Math.max(cfg.ringTimeoutSeconds, cfg.minRingSeconds), amd: cfg.amd, agentId })
  return c
}

/** Takes the next dialable contact from the queue (handling the ones that are blocked). */
const nextDialable = (st: SessionState, now: number, agentGuaranteed: boolean, out: Array<SessionCommand>): { e: QueueEntry; d: Dialable } | undefined => {
  for (let tries = 0; tries < 64; tries++) {
    const e = st.queue.take(now)
    if (e === undefined) return undefined
    const d = dialable(st, e, now, agentGuaranteed)
    if ("blocked" in d) {
      blocked(st, e, d, now, out)
      continue
    }
    return { e, d }
  }
  return undefined
}

// ---------------------------------------------------------------------------
// Modes

/** Called when an agent becomes ready: owned callbacks, previews and parallel lines are per agent. */
const onReady = (st: SessionState, a: AgentRecord, now: number, out: Array<SessionCommand>): void => {
  if (a.ai) return
  const owned = st.queue.takeOwned(a.id, now)
  if (owned !== undefined) {
    const d = dialable(st, owned, now, true)
    if ("blocked" in d) blocked(st, owned, d, now, out)
    else {
      setStatus(st, a, "previewing", now)
      a.preview = undefined
      if (placeDial(st, owned, d, now, a.id, out) === undefined) setStatus(st, a, "ready", now)
      return
    }
  }
  const mode = st.config.mode
  if (mode._tag === "preview") {
    const next = nextDialable(st, now, true, out)
    if (next === undefined) return
    setStatus(st, a, "previewing", now)
    const autoDialAt = mode.autoDialSeconds === undefined ? undefined : now + mode.autoDialSeconds * 1000
    a.preview = { entry: next.e, autoDialAt }
    out.push(autoDialAt === undefined
      ? { _tag: "OfferPreview", agentId: a.id, contactId: next.e.contact.id }
      : { _tag: "OfferPreview", agentId: a.id, contactId: next.e.contact.id, autoDialAt })
  } else if (mode._tag === "parallel") {
    // Waiting customers first: a free rep takes a stray live answer before dialling.
    if (st.waiting.length > 0) return
    const room = maxDials(st) - st.inFlight.length
    const lines = Math.min(mode.linesPerAgent, room)
    const group: Array<CallRecord> = []
    for (let i = 0; i < lines; i++) {
      const next = nextDialable(st, now, true, out)
      if (next === undefined) break
      const c = placeDial(st, next.e, next.d, now, a.id, out)
      if (c === undefined) break
      group.push(c)
    }
    if (group.length > 0) {
      setStatus(st, a, "parallel", now)
      a.group = group
    }
  }
}

const takePreview = (st: SessionState, a: AgentRecord, now: number, out: Array<SessionCommand>): void => {
  const p = a.preview
  if (p === undefined) return
  a.preview = undefined
  const d = dialable(st, p.entry, now, true)
  if ("blocked" in d) {
    blocked(st, p.entry, d, now, out)
    setStatus(st, a, "ready", now)
    onReady(st, a, now, out)
    return
  }
  if (placeDial(st, p.entry, d, now, a.id, out) === undefined) {
    setStatus(st, a, "ready", now)
  }
}

const maxDials = (st: SessionState): number => {
  const agents = st.config.mode._tag === "agentless" ? st.aiChannels : st.loggedIn
  return Math.floor(st.config.maxLinesPerAgent * agents)
}

/** Pool dials from the pacer (predictive, progressive, agentless). */
const pace = (st: SessionState, now: number, out: Array<SessionCommand>): void => {
  const mode = st.config.mode
  if (mode._tag === "preview" || mode._tag === "parallel") return
  const agentless = mode._tag === "agentless"
  const snap = st.snapshot
  snap.now = now
  let ready = st.readyCount
  let logged = st.loggedIn
  if (agentless) {
    // Only AI channels take answers; keep enough human agents free for the expected transfers.
    let readyHumans = 0
    for (let i = st.readyHead; i < st.readyQueue.length; i++) {
      const a = st.readyQueue[i]!
      if (!a.ai && a.status === "ready" && a.readyEpoch === st.readyEpochs[i]) readyHumans++
    }
    const share = (st.transferShare.asked + mode.transferShare * 20) / (st.transferShare.total + 20)
    const aiBusy = st.busy.length - countHumanBusy(st)
    const usable = share > 0 ? Math.min(st.aiChannels, Math.floor((readyHumans + 1) / share)) : st.aiChannels
    logged = usable
    ready = Math.max(0, Math.min(st.readyCount - readyHumans, usable - aiBusy))
  }
  snap.agentsLoggedIn = logged
  snap.agentsReady = ready
  snap.customersWaiting = st.waiting.length
  const cap = agentless ? Math.floor(logged * mode.linesPerChannel) : maxDials(st)
  snap.maxDialsInFlight = cap
  const ab = snap.abandon
  ab.windowLiveAnswers = st.ledger.windowLive(now)
  ab.windowAbandoned = st.ledger.windowAbandoned(now)
  ab.limit = st.config.abandon.limit
  ab.windowAbandonedSd = st.ledger.abandonedSd(now)
  const decision = st.pacer.decide(st.pacerState, snap)
  st.pacerState = decision.state
  let n = Math.floor(decision.dials)
  // Compliance after the pacer: the line cap ...
  n = Math.min(n, cap - st.inFlight.length)
  // ... and the abandon gate: over the limit, no more than one line per free agent.
  if (ab.windowAbandoned > ab.limit * ab.windowLiveAnswers && ab.windowAbandoned > 0) {
    n = Math.min(n, ready - st.inFlight.length - st.waiting.length)
  }
  for (let i = 0; i < n; i++) {
    const next = nextDialable(st, now, false, out)
    if (next === undefined) break
    if (placeDial(st, next.e, next.d, now, undefined, out) === undefined) break
  }
}

const countHumanBusy = (st: SessionState): number => {
  let n = 0
  for (const a of st.busy) if (!a.ai) n++
  return n
}

/** Abandons past their deadline, parallel losers due for cancel, preview auto-dials. */
const expire = (st: SessionState, now: number, out: Array<SessionCommand>): void => {
  for (let i = 0; i < st.waiting.length;) {
    const c = st.waiting[i]!
    if (c.deadline <= now && !c.transferWaiting) abandon(st, c, now, out)
    else i++
  }
  if (st.config.mode._tag === "parallel") {
    for (const c of st.inFlight) {
      if (c.cancelAt <= now && !c.cancelSent && !c.answered) {
        c.cancelSent = true
        out.push({ _tag: "Cancel", callId: c.callId, reason: "parallelLoser" })
      }
    }
  }
  if (st.config.mode._tag === "preview") {
    for (const a of st.agents.values()) {
      if (a.status === "previewing" && a.preview?.autoDialAt !== undefined && a.preview.autoDialAt <= now) takePreview(st, a, now, out)
    }
  }
}

/** Hands waiting live answers to ready agents, oldest answer to longest-ready agent. */
const route = (st: SessionState, now: number, out: Array<SessionCommand>): void => {
  while (st.waiting.length > 0) {
    const c = st.waiting[0]!
    const agentless = st.config.mode._tag === "agentless"
    let a = takeReady(st, agentless ? (c.transferWaiting ? true : false) : undefined)
    if (a === undefined && st.config.mode._tag === "parallel") a = stealParallelRep(st)
    if (a === undefined) return
    if (a.status === "parallel") {
      const losers = a.group ?? []
      a.group = undefined
      for (const l of losers) markLoser(st, l, now)
    }
    if (c.transferWaiting) {
      c.transferWaiting = false
      st.waiting.shift()
      const ai = c.agentId === undefined ? undefined : st.agents.get(c.agentId)
      if (ai !== undefined && ai.status === "talk") setStatus(st, ai, "ready", now)
      c.agentId = a.id
      a.callId = c.callId
      a.bridgedAt = now
      setStatus(st, a, "talk", now)
      out.push({ _tag: "Bridge", callId: c.callId, agentId: a.id })
      continue
    }
    bridge(st, c, a, now, out)
  }
}

/** Parallel mode: a rep still waiting on its own lines can take a stray live answer. */
const stealParallelRep = (st: SessionState): AgentRecord | undefined => {
  let best: AgentRecord | undefined
  for (const a of st.agents.values()) if (a.status === "parallel" && (best === undefined || a.since < best.since)) best = a
  return best
}

// ---------------------------------------------------------------------------
// Events

const agentOf = (st: SessionState, id: string, now: number): AgentRecord => {
  let a = st.agents.get(id)
  if (a === undefined) {
    a = newAgent(id, false, now)
    st.agents.set(id, a)
  }
  return a
}

/** An agent leaves the floor (pause, logout, outside work): release what was bound to it. */
const agentAway = (st: SessionState, a: AgentRecord, status: AgentStatus, now: number, out: Array<SessionCommand>): void => {
  if (a.preview !== undefined) {
    st.queue.release(a.preview.entry, now)
    a.preview = undefined
  }
  if (a.group !== undefined) {
    for (const c of a.group) c.boundAgent = undefined
    a.group = undefined
  }
  if (a.status === "previewing") for (const c of st.inFlight) if (c.boundAgent === a.id) c.boundAgent = undefined
  setStatus(st, a, status, now)
  void out
}

const apply = (st: SessionState, ev: SessionEvent, out: Array<SessionCommand>): void => {
  const now = ev.at
  switch (ev._tag) {
    case "AgentLoggedIn": {
      const a = agentOf(st, ev.agentId, now)
      if (a.status === "loggedOut") setStatus(st, a, "paused", now)
      return
    }
    case "AgentReady": {
      const a = agentOf(st, ev.agentId, now)
      if (a.status === "ready" || a.status === "previewing" || a.status === "parallel") return
      if (a.status === "wrap") {
        observe(st, { _tag: "WrapEnded", at: now, wrapSeconds: (now - a.since) / 1000, handleSeconds: (now - a.bridgedAt) / 1000 })
      }
      if (a.status === "talk" && a.callId !== undefined) return // still on a call: ignore
      a.callId = undefined
      setStatus(st, a, "ready", now)
      onReady(st, a, now, out)
      return
    }
    case "AgentReserved":
    case "AgentOnCall": {
      const a = agentOf(st, ev.agentId, now)
      if (a.status === "talk" || a.status === "wrap") return
      agentAway(st, a, "reserved", now, out)
      return
    }
    case "AgentWrapUp": {
      const a = agentOf(st, ev.agentId, now)
      if (a.status === "talk") {
        observe(st, { _tag: "TalkEnded", at: now, talkSeconds: (now - a.bridgedAt) / 1000 })
        setStatus(st, a, "wrap", now)
      }
      return
    }
    case "AgentPaused": {
      const a = agentOf(st, ev.agentId, now)
      a.pauseCode = ev.code
      agentAway(st, a, "paused", now, out)
      return
    }
    case "AgentLoggedOut": {
      const a = agentOf(st, ev.agentId, now)
      agentAway(st, a, "loggedOut", now, out)
      return
    }
    case "CallDialled":
    case "CallRinging":
      return
    case "CallAnswered": {
      const c = st.calls.get(ev.callId)
      if (c === undefined || c.status !== "dialling") return
      removeInFlight(st, c)
      c.answered = true
      c.answeredAt = now
      const human = ev.verdict === "human" || ev.verdict === "unknown"
      observe(st, { _tag: "DialResolved", at: now, outcome: human ? "human" : ev.verdict === "machine" ? "machine" : "failed", secondsToOutcome: (now - c.dialedAt) / 1000, censored: false })
      if (human) {
        liveAnswer(st, c, ev.verdict, ev.greetingEndedAt, now, out)
        return
      }
      c.status = "released"
      st.calls.delete(c.callId)
      if (ev.verdict === "machine") {
        st.stats.machines++
        const vm = st.config.voicemailMessage
        out.push(st.config.amd === "detectAndDropVoicemail" && vm !== undefined
          ? { _tag: "DropVoicemail", callId: c.callId, message: vm }
          : { _tag: "HangUp", callId: c.callId, reason: "machine" })
      } else out.push({ _tag: "HangUp", callId: c.callId, reason: "fax" })
      retryOrFinish(st, c.entry, ev.verdict === "machine" ? "machine" : "fax", now, out)
      if (c.boundAgent !== undefined) {
        const a = st.agents.get(c.boundAgent)
        if (a !== undefined && a.status === "parallel" && a.group !== undefined) {
          const i = a.group.indexOf(c)
          if (i >= 0) a.group.splice(i, 1)
          if (a.group.length === 0) {
            a.group = undefined
            setStatus(st, a, "ready", now)
            onReady(st, a, now, out)
          }
        } else agentFreed(st, c.boundAgent, now, out)
      }
      return
    }
    case "CallNoAnswer":
    case "CallBusy":
    case "CallFailed":
    case "CallCancelled": {
      const c = st.calls.get(ev.callId)
      if (c === undefined) return
      if (c.status === "waiting") {
        // The far end hung up before an agent took it: the session counts it as abandoned.
        abandon(st, c, now, out)
        return
      }
      if (c.status !== "dialling") return
      const outcome = ev._tag === "CallBusy" ? "busy" : ev._tag === "CallFailed" ? "failed" : "noAnswer"
      if (outcome === "busy") st.stats.busy++
      else if (outcome === "failed") st.stats.failed++
      else if (ev._tag === "CallCancelled") st.stats.cancelled++
      else st.stats.noAnswers++
      // A ring cut by the timeout, or cancelled, is a censored ring time; a no-answer the
      // network reported earlier is a resolution in its own right.
      const censored = ev._tag === "CallCancelled" || (outcome === "noAnswer" && now - c.dialedAt >= st.config.ringTimeoutSeconds * 1000 - 500)
      resolvedNoLive(st, c, outcome, censored, now, out)
      return
    }
    case "CallEnded": {
      const c = st.calls.get(ev.callId)
      if (c === undefined) return
      st.calls.delete(c.callId)
      if (c.status === "waiting") {
        abandon(st, c, now, out)
        return
      }
      if (c.status === "dialling") {
        resolvedNoLive(st, c, "failed", false, now, out)
        return
      }
      if (c.status !== "bridged") return
      c.status = "released"
      if (ev.disposition === "machine") {
        st.ledger.bridgedWasMachine(now, c.unknownBridged ? "unknown" : "human", (c.answeredAt - c.dialedAt) / 1000)
        observe(st, { _tag: "AgentMissedMachine", at: now, agentSeconds: (now - c.answeredAt) / 1000 })
      }
      const a = c.agentId === undefined ? undefined : st.agents.get(c.agentId)
      if (a !== undefined && a.callId === c.callId && a.status === "talk") {
        a.callId = undefined
        if (ev.disposition !== "machine") observe(st, { _tag: "TalkEnded", at: now, talkSeconds: (now - a.bridgedAt) / 1000 })
        if (a.ai) {
          st.transferShare.total++
          setStatus(st, a, "ready", now)
        } else setStatus(st, a, "wrap", now)
      }
      return
    }
    case "TransferRequested": {
      const c = st.calls.get(ev.callId)
      if (c === undefined || c.status !== "bridged") return
      st.transferShare.asked++
      c.transferWaiting = true
      st.waiting.push(c)
      return
    }
    case "ContactAdded":
    case "ContactUpdated":
      upsertContact(st, ev.contact, now)
      return
    case "ContactsAdded":
      for (const c of ev.contacts) upsertContact(st, c, now)
      return
    case "DncAdded":
      st.dnc.add(ev.number, ev.scope)
      return
    case "ConfigChanged": {
      const next = Config.make({ ...st.config, ...ev.config, abandon: { ...st.config.abandon, ...ev.config.abandon } })
      st.config = next
      st.ledger.setPolicy(next.abandon)
      st.capsUnlimited = Compliance.unlimited(next.caps)
      if (ev.config.callerIds !== undefined) st.callerIds = new CallerIds(next.callerIds)
      if (next.mode._tag === "agentless") setAiChannels(st, next.mode.aiChannels, now)
      return
    }
    case "PreviewTaken": {
      const a = st.agents.get(ev.agentId)
      if (a === undefined || a.status !== "previewing" || a.preview?.entry.contact.id !== ev.contactId) return
      takePreview(st, a, now, out)
      return
    }
    case "PreviewSkipped": {
      const a = st.agents.get(ev.agentId)
      if (a === undefined || a.status !== "previewing" || a.preview?.entry.contact.id !== ev.contactId) return
      const e = a.preview.entry
      a.preview = undefined
      setStatus(st, a, "ready", now)
      onReady(st, a, now, out)
      st.queue.release(e, now, now + 60_000)
      return
    }
    case "Tick":
      return
  }
}

const upsertContact = (st: SessionState, contact: Contact, now: number): void => {
  st.queue.upsert(contact, now)
}

/** Folds one event into the session; returns the commands to execute, in order. */
export const step = (st: SessionState, ev: SessionEvent): StepResult => {
  const now = Math.max(st.now, ev.at)
  st.now = now
  const out: Array<SessionCommand> = []
  st.wakeAt = Infinity
  apply(st, ev, out)
  // Route before expiring: a live answer whose deadline is now still gets an agent free now.
  route(st, now, out)
  expire(st, now, out)
  route(st, now, out)
  // Freed agents in modes with per-agent dialling get their next preview or lines.
  pace(st, now, out)
  return { state: st, commands: out }
}

/** A timer tick at `now`: deadlines, auto-dials and pacing. */
export const decide = (st: SessionState, now: number): StepResult => step(st, { _tag: "Tick", at: now })

/**
 * The next instant the host must call `decide` even if no event arrives (an
 * abandon deadline, a parallel cancel, a preview auto-dial, a due retry, a
 * caller-ID slot). Undefined when nothing is pending.
 */
export const nextWakeAt = (st: SessionState): number | undefined => {
  let t = st.wakeAt
  for (const c of st.waiting) if (!c.transferWaiting) t = Math.min(t, c.deadline)
  if (st.config.mode._tag === "parallel") for (const c of st.inFlight) if (!c.cancelSent) t = Math.min(t, c.cancelAt)
  if (st.config.mode._tag === "preview") {
    for (const a of st.agents.values()) if (a.preview?.autoDialAt !== undefined) t = Math.min(t, a.preview.autoDialAt)
  }
  const due = st.queue.nextDue()
  if (due !== undefined) t = Math.min(t, due)
  return t === Infinity ? undefined : Math.max(t, st.now)
}

/** Read-only views for hosts and dashboards. */
export const view = (st: SessionState) => ({
  now: st.now,
  agentsLoggedIn: st.loggedIn,
  agentsReady: st.readyCount,
  dialsInFlight: st.inFlight.length,
  customersWaiting: st.waiting.length,
  contactsQueued: st.queue.queued,
  windowLiveAnswers: st.ledger.windowLive(st.now),
  windowAbandoned: st.ledger.windowAbandoned(st.now),
  stats: { ...st.stats }
})

export type { SessionEvent } from "./Event.ts"
export type { SessionCommand } from "./Command.ts"
