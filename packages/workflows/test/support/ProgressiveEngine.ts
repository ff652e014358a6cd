/**
 * A small progressive engine behind the `SessionEngine` port, for the session
 * tests until `@autodialer/dialer-engine` exports its session state machine.
 * Pure: time is an input and call ids are minted from the session id.
 *
 * Rules: at most `maxLinesPerAgent` dials in flight per ready agent; a human
 * answer goes to a ready agent or gets the safe-harbour message (an abandon);
 * a machine is hung up; anything but a connected human is retried after
 * `retryDelayMs` until `maxAttempts`. When the abandon rate of the window is
 * at or over the limit it dials one line per ready agent only.
 */
import { Layer } from "effect"
import { SessionEngine, type EngineCommand, type EngineContact, type EngineStep, type RestoreInput, type SessionEngineService, type AttemptOutcome } from "../../src/SessionEngine.ts"

interface Call {
  readonly contactId: string
  readonly attempt: number
  readonly status: "dialing" | "ringing" | "answered" | "bridged"
  readonly agentId?: string
  readonly outcome?: AttemptOutcome
}

export interface State {
  readonly input: RestoreInput
  readonly seq: number
  readonly agents: ReadonlyMap<string, { readonly ready: boolean }>
  readonly calls: ReadonlyMap<string, Call>
  readonly queue: ReadonlyArray<EngineContact>
  readonly liveAnswers: number
  readonly abandoned: number
}

const readyAgents = (s: State): Array<string> => [...s.agents].filter(([, a]) => a.ready).map(([id]) => id)

const restore = (input: RestoreInput): State => {
  const agents = new Map<string, { ready: boolean }>()
  for (const a of input.agents) if (a.state !== "loggedOut") agents.set(a.agentId, { ready: a.state === "ready" })
  const calls = new Map<string, Call>()
  for (const c of input.calls) {
    calls.set(c.callId, { contactId: c.contactId, attempt: c.attempt, status: c.status, ...(c.agentId === undefined ? {} : { agentId: c.agentId }) })
    if (c.agentId !== undefined && agents.has(c.agentId)) agents.set(c.agentId, { ready: false })
  }
  return { input, seq: 0, agents, calls, queue: [], liveAnswers: input.abandon.liveAnswers, abandoned: input.abandon.abandoned }
}

const settle = (s: State, callId: string, at: number, fallback: AttemptOutcome): EngineStep<State> => {
  const call = s.calls.get(callId)
  if (call === undefined) return { state: s, commands: [] }
  const calls = new Map(s.calls)
  calls.delete(callId)
  const agents = new Map(s.agents)
  // The agent wraps up; the host makes it ready again (AgentReady).
  if (call.agentId !== undefined && agents.has(call.agentId)) agents.set(call.agentId, { ready: false })
  const outcome = call.outcome ?? (call.status === "bridged" ? "human_answered" : fallback)
  const command: EngineCommand = outcome === "human_answered"
    ? { _tag: "MarkContactDone", contactId: call.contactId, callId, outcome, reason: "connected" }
    : call.attempt >= s.input.maxAttempts
      ? { _tag: "MarkContactDone", contactId: call.contactId, callId, outcome, reason: "attemptsExhausted" }
      : { _tag: "ScheduleRetry", contactId: call.contactId, callId, at: at + s.input.retryDelayMs, outcome }
  return { state: { ...s, calls, agents }, commands: [command] }
}

const step = (s: State, e: Parameters<SessionEngineService<State>["step"]>[1]): EngineStep<State> => {
  const update = (callId: string, patch: Partial<Call>): State => {
    const c = s.calls.get(callId)
    return c === undefined ? s : { ...s, calls: new Map(s.calls).set(callId, { ...c, ...patch }) }
  }
  switch (e._tag) {
    case "ContactAdded": return { state: { ...s, queue: [...s.queue, e.contact] }, commands: [] }
    case "AgentReady": return { state: { ...s, agents: new Map(s.agents).set(e.agentId, { ready: true }) }, commands: [] }
    case "AgentPaused":
    case "AgentLoggedOut": {
      const agents = new Map(s.agents)
      agents.delete(e.agentId)
      return { state: { ...s, agents }, commands: [] }
    }
    case "CallDialled": return { state: s, commands: [] }
    case "CallRinging": return { state: update(e.callId, { status: "ringing" }), commands: [] }
    case "CallBridged": return { state: s, commands: [] }
    case "CallAnswered": {
      const call = s.calls.get(e.callId)
      if (call === undefined) return { state: s, commands: [] }
      if (e.verdict === "machine") {
        return { state: update(e.callId, { status: "answered", outcome: "answering_machine" }), commands: [{ _tag: "HangUp", callId: e.callId, reason: "answering machine" }] }
      }
      const agent = readyAgents(s)[0]
      const counted = { ...s, liveAnswers: s.liveAnswers + 1 }
      if (agent === undefined) {
        return {
          state: { ...counted, abandoned: s.abandoned + 1, calls: new Map(s.calls).set(e.callId, { ...call, status: "answered", outcome: "abandoned" }) },
          commands: [{ _tag: "PlaySafeHarbourAndRelease", callId: e.callId }]
        }
      }
      return {
        state: {
          ...counted,
          agents: new Map(s.agents).set(agent, { ready: false }),
          calls: new Map(s.calls).set(e.callId, { ...call, status: "bridged", agentId: agent })
        },
        commands: [{ _tag: "Bridge", callId: e.callId, agentId: agent }]
      }
    }
    case "CallEnded": return settle(s, e.callId, e.at, "human_answered")
    case "CallNoAnswer": return settle(s, e.callId, e.at, "no_answer")
    case "CallBusy": return settle(s, e.callId, e.at, "busy")
    case "CallFailed": return settle(s, e.callId, e.at, "failed")
    case "CallCancelled": return settle(s, e.callId, e.at, "failed")
    case "AgentWrapUp":
    case "PreviewTaken":
    case "PreviewSkipped":
    case "Tick": return { state: s, commands: [] }
  }
}

const linesPerAgent = (s: State): number =>
  s.liveAnswers > 0 && s.abandoned / s.liveAnswers >= s.input.abandonLimit ? 1 : s.input.maxLinesPerAgent

const decide = (s: State, _now: number): EngineStep<State> => {
  const dialling = [...s.calls.values()].filter((c) => c.status === "dialing" || c.status === "ringing").length
  const capacity = Math.floor(readyAgents(s).length * linesPerAgent(s)) - dialling
  const n = Math.max(0, Math.min(capacity, s.queue.length))
  if (n === 0) return { state: s, commands: [] }
  const calls = new Map(s.calls)
  const commands: Array<EngineCommand> = []
  let seq = s.seq
  for (const contact of s.queue.slice(0, n)) {
    const callId = `${s.input.sessionId}:${++seq}`
    calls.set(callId, { contactId: contact.contactId, attempt: contact.attempt, status: "dialing" })
    commands.push({ _tag: "Dial", callId, contactId: contact.contactId, number: contact.number })
  }
  return { state: { ...s, seq, calls, queue: s.queue.slice(n) }, commands }
}

export const progressiveEngine: SessionEngineService<State> = {
  restore,
  step,
  decide,
  // A test engine of the session's mechanics: it applies no legal calling hours of its own.
  lawfulHours: () => ({ open: true }),
  queuedContacts: (s) => s.queue.map((c) => c.contactId),
  callsInFlight: (s) => s.calls.size,
  wantedContacts: (s) => Math.max(0, readyAgents(s).length * s.input.maxLinesPerAgent * 2),
  abandon: (s) => ({ liveAnswers: s.liveAnswers, abandoned: s.abandoned }),
  agentStates: (s) => new Map([...s.agents].map(([id, a]) => [id, a.ready ? "ready" as const : "busy" as const]))
}

export const layer: Layer.Layer<SessionEngine> = Layer.succeed(SessionEngine, progressiveEngine as unknown as SessionEngineService)
