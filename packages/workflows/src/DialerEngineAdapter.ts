/**
 * The `SessionEngine` port implemented by `@autodialer/dialer-engine`'s
 * session state machine: the production engine of the dialing session.
 *
 * Translation only; every decision (pacing, the abandon gate, retries, caps,
 * legal calling hours per contact, caller ids) is the engine's. Two things the
 * engine has no notion of are handled here:
 * - restore: the engine starts empty, so the abandon budget already spent in
 *   the window goes in as `abandon.windowSoFar`, agents log in, and calls a
 *   dead attempt left in flight are "adopted": their agents are on a call the
 *   session did not place, and when such a call resolves the contact is
 *   settled by the attempt rules (retry after the delay, or done);
 * - wrap-up: the engine puts an agent in wrap when its call ends; the host
 *   ends it (`AgentReady`) when the agent is done or its wrap-up times out,
 *   and an agent restored in wrap-up stays unavailable until then;
 * - a skipped preview goes back to the queue in Postgres (`ReleaseContact`),
 *   not to the engine's own calendar, like a retry.
 */
import { Layer } from "effect"
import { CallingWindow, Command, Config, Event, Session, TimeZone } from "@autodialer/dialer-engine"
import {
  type AgentState,
  type AttemptOutcome,
  type EngineCommand,
  type EngineEvent,
  type EngineStep,
  type LawfulHours,
  type RestoreInput,
  SessionEngine,
  type SessionEngineService
} from "./SessionEngine.ts"

interface Adopted {
  readonly contactId: string
  readonly attempt: number
  status: "dialing" | "ringing" | "answered" | "bridged"
  readonly agentId?: string
}

export interface AdapterState {
  readonly input: RestoreInput
  readonly session: Session.SessionState
  /** Calls of a previous attempt, resolved outside the engine. */
  readonly adopted: Map<string, Adopted>
  /** Contacts handed to the engine and not yet dialled or settled. */
  readonly queued: Set<string>
  readonly callOfContact: Map<string, string>
  /** What each call came to, from its events, for the contact's last outcome. */
  readonly outcomes: Map<string, AttemptOutcome>
  readonly agentOfCall: Map<string, string>
  /** The contacts as given to the engine, to hand a retry back to the queue in Postgres. */
  readonly contacts: Map<string, import("@autodialer/dialer-engine").Contact.Contact>
  /** Agents restored in wrap-up: unavailable to the engine until the host ends their wrap-up. */
  readonly wrapping: Set<string>
  /** Live answers and abandons of adopted calls (the engine did not see them). */
  adoptedLive: number
  adoptedAbandoned: number
}

const outcomeOf = (o: Config.Outcome): AttemptOutcome => {
  switch (o) {
    case "busy": return "busy"
    case "noAnswer": return "no_answer"
    case "machine": return "answering_machine"
    case "failed":
    case "fax": return "failed"
  }
}

/**
 * The engine's caller-ID pool from the numbers the campaign's strategy
 * allows. For local presence each number says where it is local: its NANP
 * area code and the state that code is in (the engine prefers a number from
 * the contact's area code, then from its state, then any).
 */
export const callerIdConfig = (input: RestoreInput): Config.CallerIdConfig => {
  const numbers = input.callerIds !== undefined && input.callerIds.length > 0 ? input.callerIds : [input.callerId]
  const localPresence = input.localPresence === true
  const pool = [...new Set(numbers)].map((number): Config.CallerIdEntry => {
    if (!localPresence || !number.startsWith("+1") || number.length !== 12) return { number }
    const region = TimeZone.inferFromNumber(number).region
    return { number, areaCodes: [number.slice(2, 5)], ...(region === undefined ? {} : { regions: [region] }) }
  })
  return { pool, localPresence }
}

const engineConfig = (input: RestoreInput): Config.SessionConfig => {
  const rule = { delayMinutes: input.retryDelayMs / 60_000, maxAttempts: input.maxAttempts }
  const mode: Config.DialingMode = input.pacing === "predictive"
    ? { _tag: "predictive" }
    : input.pacing === "preview"
    ? { _tag: "preview", ...(input.previewAutoDialSeconds === undefined ? {} : { autoDialSeconds: input.previewAutoDialSeconds }) }
    : { _tag: "progressive", linesPerAgent: 1 }
  return Config.make({
    sessionId: input.sessionId,
    campaignId: input.campaignId,
    mode,
    abandon: { limit: input.abandonLimit, windowSoFar: input.abandon },
    ringTimeoutSeconds: input.ringTimeoutSeconds,
    minRingSeconds: input.minRingSeconds,
    amd: input.amd === false ? "off" : input.voicemailMessage === undefined ? "detect" : "detectAndDropVoicemail",
    ...(input.voicemailMessage === undefined ? {} : { voicemailMessage: input.voicemailMessage }),
    maxLinesPerAgent: input.maxLinesPerAgent,
    retry: { busy: rule, noAnswer: rule, machine: rule, failed: rule, fax: rule },
    caps: {
      perContactLifetime: input.maxAttempts, perContactPerDay: input.maxAttempts, perContactRolling24h: input.maxAttempts,
      perNumberLifetime: input.maxAttempts, perNumberPerDay: input.maxAttempts, perNumberRolling24h: input.maxAttempts
    },
    // The legal default hours per contact's zone; the campaign's own windows are applied by the host.
    callingHours: { window: { start: "08:00", end: "21:00" }, fallbackZone: input.timeZone },
    callerIds: callerIdConfig(input),
    safeHarbourMessage: input.safeHarbourMessage
  })
}

const restore = (input: RestoreInput): AdapterState => {
  let session = Session.make(engineConfig(input), { now: input.now })
  const feed = (ev: Event.SessionEvent) => {
    session = Session.step(session, ev).state
  }
  const adopted = new Map<string, Adopted>()
  for (const c of input.calls) {
    adopted.set(c.callId, { contactId: c.contactId, attempt: c.attempt, status: c.status, ...(c.agentId === undefined ? {} : { agentId: c.agentId }) })
  }
  const busyAgents = new Set([...adopted.values()].flatMap((c) => (c.agentId === undefined ? [] : [c.agentId])))
  const wrapping = new Set<string>()
  for (const a of input.agents) {
    if (a.state === "loggedOut") continue
    // Logged in = paused in the engine until it hears otherwise.
    feed({ _tag: "AgentLoggedIn", at: input.now, agentId: a.agentId })
    if (busyAgents.has(a.agentId)) feed({ _tag: "AgentOnCall", at: input.now, agentId: a.agentId })
    else if (a.state === "wrapUp" || a.state === "busy") wrapping.add(a.agentId) // the host re-arms its wrap-up
    else if (a.state === "ready") feed({ _tag: "AgentReady", at: input.now, agentId: a.agentId })
  }
  return {
    input, session, adopted, queued: new Set(), callOfContact: new Map(), outcomes: new Map(), agentOfCall: new Map(), contacts: new Map(),
    wrapping, adoptedLive: 0, adoptedAbandoned: 0
  }
}

/** Engine commands in the port's terms; bookkeeping for queued contacts and outcomes. */
const translate = (s: AdapterState, commands: ReadonlyArray<Command.SessionCommand>): Array<EngineCommand> => {
  const out: Array<EngineCommand> = []
  for (const c of commands) {
    switch (c._tag) {
      case "Dial":
        s.queued.delete(c.contactId)
        s.callOfContact.set(c.contactId, c.callId)
        out.push({ _tag: "Dial", callId: c.callId, contactId: c.contactId, number: c.number, callerId: c.callerId, ringTimeoutSeconds: c.ringTimeoutSeconds, amd: c.amd })
        break
      case "Bridge":
        s.agentOfCall.set(c.callId, c.agentId)
        s.outcomes.set(c.callId, "human_answered")
        out.push(c)
        break
      case "PlaySafeHarbourAndRelease":
        s.outcomes.set(c.callId, "abandoned")
        out.push({ _tag: "PlaySafeHarbourAndRelease", callId: c.callId })
        break
      case "Cancel":
        out.push({ _tag: "HangUp", callId: c.callId, reason: c.reason })
        break
      case "DropVoicemail":
        s.outcomes.set(c.callId, "answering_machine")
        out.push({ _tag: "DropVoicemail", callId: c.callId, message: c.message })
        break
      case "HangUp":
        out.push(c)
        break
      case "ScheduleRetry": {
        const callId = s.callOfContact.get(c.contactId)
        s.queued.delete(c.contactId)
        s.callOfContact.delete(c.contactId)
        out.push({ _tag: "ScheduleRetry", contactId: c.contactId, at: c.at, outcome: outcomeOf(c.outcome), ...(callId === undefined ? {} : { callId }) })
        break
      }
      case "MarkContactDone": {
        const callId = s.callOfContact.get(c.contactId)
        s.queued.delete(c.contactId)
        s.callOfContact.delete(c.contactId)
        const outcome: AttemptOutcome = c.reason === "connected" ? "human_answered" : (callId === undefined ? undefined : s.outcomes.get(callId)) ?? "failed"
        const reason = c.reason === "connected" ? "connected" : c.reason === "dnc" || c.reason === "noDialableNumber" ? "blocked" : "attemptsExhausted"
        out.push({ _tag: "MarkContactDone", contactId: c.contactId, outcome, reason, ...(callId === undefined ? {} : { callId }) })
        break
      }
      case "OfferPreview":
        out.push(c.autoDialAt === undefined
          ? { _tag: "OfferPreview", agentId: c.agentId, contactId: c.contactId }
          : { _tag: "OfferPreview", agentId: c.agentId, contactId: c.contactId, autoDialAt: c.autoDialAt })
        break
    }
  }
  return out
}

/** Marks the engine's reservation holder as "the queue": the engine keeps the entry but never dials it. */
const queueOwned = "postgres-queue"

/** A skipped preview is due again after this long (the engine's own hold for a skip). */
export const skipDelayMs = 60_000

const engineAgentState = (status: Session.AgentStatus): AgentState | "reserved" => {
  switch (status) {
    case "ready": return "ready"
    case "talk": return "busy"
    case "wrap": return "wrapUp"
    case "paused": return "paused"
    case "loggedOut": return "loggedOut"
    case "reserved":
    case "previewing":
    case "parallel": return "reserved"
  }
}

/**
 * Preview mode: the engine offers a contact only when an agent becomes ready,
 * so an agent that went ready while the queue was empty would wait forever
 * once contacts arrive. Such agents are made ready again (through a pause, the
 * engine's public events) so each gets its offer.
 */
const offerToIdle = (session: Session.SessionState, at: number): { session: Session.SessionState; commands: Array<Command.SessionCommand> } => {
  const commands: Array<Command.SessionCommand> = []
  for (const a of [...session.agents.values()]) {
    if (a.ai || a.status !== "ready") continue
    if (session.queue.queued === 0) break
    session = Session.step(session, { _tag: "AgentPaused", at, agentId: a.id, code: "preview-refresh" }).state
    const r = Session.step(session, { _tag: "AgentReady", at, agentId: a.id })
    session = r.state
    commands.push(...r.commands)
    if (!r.commands.some((c) => c._tag === "OfferPreview")) break
  }
  return { session, commands }
}

const run = (s: AdapterState, ev: Event.SessionEvent): EngineStep<AdapterState> => {
  const r = Session.step(s.session, ev)
  let next: AdapterState = { ...s, session: r.state }
  const raw = [...r.commands]
  if (next.session.config.mode._tag === "preview" && (ev._tag === "ContactAdded" || ev._tag === "Tick")) {
    const offered = offerToIdle(next.session, ev.at)
    next = { ...next, session: offered.session }
    raw.push(...offered.commands)
  }
  const commands = translate(next, raw)
  // A retry is owned by the queue in Postgres (it must survive this session and
  // respect the contact's window when due), not by the engine's own calendar:
  // the host re-adds the contact when it falls due.
  for (const c of raw) {
    if (c._tag !== "ScheduleRetry") continue
    const contact = s.contacts.get(c.contactId)
    if (contact === undefined) continue
    const held = Session.step(next.session, { _tag: "ContactUpdated", at: ev.at, contact: { ...contact, reservedBy: queueOwned } })
    next = { ...next, session: held.state }
    commands.push(...translate(next, held.commands))
  }
  return { state: next, commands }
}

/** An adopted call resolves outside the engine: settle its contact by the attempt rules. */
const settleAdopted = (s: AdapterState, callId: string, call: Adopted, event: EngineEvent): EngineStep<AdapterState> => {
  const commands: Array<EngineCommand> = []
  if (event._tag === "CallAnswered") {
    if (call.status === "bridged" || call.status === "answered") return { state: s, commands }
    call.status = "answered"
    if (event.verdict === "machine") {
      s.outcomes.set(callId, "answering_machine")
      commands.push({ _tag: "HangUp", callId, reason: "machine" })
    } else {
      // No agent was set aside for it by this session: release it lawfully.
      s.adoptedLive++
      s.adoptedAbandoned++
      s.outcomes.set(callId, "abandoned")
      commands.push({ _tag: "PlaySafeHarbourAndRelease", callId })
    }
    return { state: s, commands }
  }
  const terminal: Partial<Record<EngineEvent["_tag"], AttemptOutcome>> = {
    CallEnded: call.status === "bridged" ? "human_answered" : "failed", CallNoAnswer: "no_answer", CallBusy: "busy",
    CallFailed: "failed", CallCancelled: "failed"
  }
  const fallback = terminal[event._tag]
  if (fallback === undefined) {
    if (event._tag === "CallRinging" && call.status === "dialing") call.status = "ringing"
    return { state: s, commands }
  }
  s.adopted.delete(callId)
  const outcome = s.outcomes.get(callId) ?? fallback
  if (outcome === "human_answered") commands.push({ _tag: "MarkContactDone", contactId: call.contactId, callId, outcome, reason: "connected" })
  else if (call.attempt >= s.input.maxAttempts) commands.push({ _tag: "MarkContactDone", contactId: call.contactId, callId, outcome, reason: "attemptsExhausted" })
  else commands.push({ _tag: "ScheduleRetry", contactId: call.contactId, callId, at: event.at + s.input.retryDelayMs, outcome })
  // The agent of an adopted call wraps it up like any other; the host ends the wrap-up.
  if (call.agentId !== undefined) s.wrapping.add(call.agentId)
  return { state: s, commands }
}

const step = (s: AdapterState, e: EngineEvent): EngineStep<AdapterState> => {
  if ("callId" in e) {
    const adopted = s.adopted.get(e.callId)
    if (adopted !== undefined) return settleAdopted(s, e.callId, adopted, e)
  }
  switch (e._tag) {
    case "ContactAdded": {
      s.queued.add(e.contact.contactId)
      const contact = {
        id: e.contact.contactId, numbers: [{ number: e.contact.number }], priorAttempts: e.contact.attempt - 1,
        ...(e.contact.timeZone === "" ? {} : { timezone: e.contact.timeZone })
      }
      s.contacts.set(contact.id, contact)
      return run(s, { _tag: "ContactAdded", at: e.at, contact })
    }
    case "AgentReady":
    case "AgentLoggedOut":
    case "AgentPaused":
      s.wrapping.delete(e.agentId)
      return run(s, e)
    case "AgentWrapUp":
    case "PreviewTaken":
      return run(s, e)
    case "PreviewSkipped": {
      const r = run(s, e)
      // The engine would hold the skipped contact on its own calendar; it goes back to the queue in Postgres instead.
      const contact = s.contacts.get(e.contactId)
      if (contact === undefined || !s.queued.has(e.contactId)) return r
      s.queued.delete(e.contactId)
      const held = Session.step(r.state.session, { _tag: "ContactUpdated", at: e.at, contact: { ...contact, reservedBy: queueOwned } })
      const next = { ...r.state, session: held.state }
      return {
        state: next,
        commands: [...r.commands, ...translate(next, held.commands), { _tag: "ReleaseContact", contactId: e.contactId, at: e.at + skipDelayMs }]
      }
    }
    case "CallDialled":
    case "CallRinging":
    case "CallAnswered":
    case "CallFailed":
    case "Tick":
      if (e._tag === "CallAnswered") {
        if (e.verdict === "machine") s.outcomes.set(e.callId, "answering_machine")
        return run(s, { ...e, amdSeconds: 0 })
      }
      return run(s, e)
    case "CallBridged":
      return { state: s, commands: [] }
    case "CallNoAnswer":
    case "CallBusy":
    case "CallCancelled":
      s.outcomes.set(e.callId, e._tag === "CallBusy" ? "busy" : e._tag === "CallNoAnswer" ? "no_answer" : "failed")
      return run(s, e)
    case "CallEnded":
      // The engine puts the call's agent in wrap-up; the host ends it.
      s.agentOfCall.delete(e.callId)
      return run(s, e)
  }
}

export const dialerEngine: SessionEngineService<AdapterState> = {
  restore,
  step,
  decide: (s, now) => run(s, { _tag: "Tick", at: now }),
  lawfulHours: (s, contact, now): LawfulHours => {
    // The same inference and hours the engine applies before it dials (Session.dialable).
    const hours = s.session.config.callingHours
    const inference = TimeZone.forContact(contact.timeZone === "" ? undefined : contact.timeZone, undefined, contact.number)
    if (CallingWindow.check(hours, inference, now).open) return { open: true }
    return { open: false, opensAt: CallingWindow.nextOpen(hours, inference, now) }
  },
  queuedContacts: (s) => [...s.queued],
  callsInFlight: (s) => s.session.calls.size + s.adopted.size,
  wantedContacts: (s) => (s.session.loggedIn === 0 ? 0 : Math.max(4, Math.ceil(s.session.loggedIn * s.input.maxLinesPerAgent * 2))),
  agentStates: (s) => {
    const out = new Map<string, AgentState | "reserved">()
    for (const a of s.session.agents.values()) out.set(a.id, s.wrapping.has(a.id) ? "wrapUp" : engineAgentState(a.status))
    return out
  },
  abandon: (s) => ({
    liveAnswers: s.input.abandon.liveAnswers + s.session.stats.liveAnswers + s.adoptedLive,
    abandoned: s.input.abandon.abandoned + s.session.stats.abandoned + s.adoptedAbandoned
  })
}

/** The production engine behind the session. */
export const layer: Layer.Layer<SessionEngine> = Layer.succeed(SessionEngine, dialerEngine as unknown as SessionEngineService)
