/**
 * The dialing session: the real-time loop behind the `runDialingSession`
 * activity, as an Effect over four ports (SessionStore, EventBus, Telephony,
 * SessionEngine). It holds no decision logic: the engine decides, this loop
 * stores and executes.
 *
 * Order of work, which is what makes a restart safe:
 * 1. subscribe to the campaign's events, then rebuild from Postgres (agents,
 *    calls in flight, their stored events, the abandon budget spent in the
 *    regulatory window) and give back reservations of dead attempts;
 * 2. re-issue the originate of any call that was recorded but never
 *    acknowledged, with the same idempotency key (contact + attempt), so the
 *    carrier returns the first call instead of dialling again;
 * 3. then loop: reserve due contacts (SKIP LOCKED) whose local calling window
 *    is open (others go back to the queue, due at their window's opening), ask
 *    the engine, store each command before executing it, store each carrier
 *    event before applying it, heartbeat.
 * On cancellation or when the window closes it places no new dials, gives back
 * the contacts it has not dialled, lets the calls in flight finish and returns.
 *
 * Agents: after a connected call the agent is in wrap-up until it says it is
 * done (an `AgentAction` on the bus, or a "ready"), or until the wrap-up
 * timeout; agents restored in wrap-up get a fresh timeout. Preview mode offers
 * a reserved contact to an agent, who takes it (dial), skips it (back to the
 * queue) or lets the countdown dial it. A machine answer gets the campaign's
 * voicemail message when its policy says so. Everything an agent desk or a
 * supervisor needs to see is published on the `SessionObserver` port.
 */
import { Cause, Clock, Effect, Option, Queue } from "effect"
import { CallEvent as CallEvents, Telephony, type TelephonyError } from "@autodialer/telephony"
import type { SqlError } from "effect/sql/SqlError"
import type { SessionInput } from "../CampaignActivities.ts"
import type { SessionReport } from "../CampaignStatus.ts"
import { isOpen, nextOpenAt } from "../CallingWindow.ts"
import { type BusEvent, EventBus, type EventBusDisconnected } from "../EventBus.ts"
import {
  type EngineCommand,
  type EngineContact,
  type EngineEvent,
  type InFlightStatus,
  SessionEngine
} from "../SessionEngine.ts"
import { type AgentCounts, type ObservedAgentState, SessionObserver } from "../SessionObserver.ts"
import { type CallPatch, SessionStore } from "../SessionStore.ts"

type CallEvent = CallEvents.CallEvent

export interface SessionOptions {
  /** Caller id presented when the campaign's caller-ID strategy finds no number of the organization (E.164). */
  readonly callerId: string
  readonly ringTimeoutSec: number
  /** The safe-harbour message played to an answered call no agent can take. */
  readonly safeHarbourMessage: string
  /** Compliance floor on ring time (FCC: 15 s); tests lower it to run fast. */
  readonly minRingSeconds: number
  /** Longest wait for a carrier event before the engine gets a Tick. */
  readonly tickMs: number
  /** How long a reservation lasts without renewal (a dead session's rows come back after it). */
  readonly leaseMs: number
  /** A session with nothing due for longer than this returns `idle` so the workflow sleeps on a timer. */
  readonly idleExitMs: number
  /** How long an agent may stay in wrap-up before the session makes it ready again. */
  readonly wrapUpTimeoutMs: number
  /** How often the campaign's stats snapshot is published to observers. */
  readonly statsEveryMs: number
  /** Preview mode: the countdown after which an offered contact is dialled anyway. */
  readonly previewAutoDialSeconds: number
}

export const defaultSessionOptions: SessionOptions = {
  callerId: "+14155550100",
  ringTimeoutSec: 25,
  minRingSeconds: 15,
  safeHarbourMessage: "Sorry we missed you. This call was from Autodialer; to opt out, call +14155550100.",
  tickMs: 250,
  leaseMs: 60_000,
  idleExitMs: 5_000,
  wrapUpTimeoutMs: 120_000,
  statsEveryMs: 2_000,
  previewAutoDialSeconds: 15
}

/** The Temporal side of a session, as seen from the loop. */
export interface SessionControl {
  /** Temporal's attempt number: each attempt is a distinct session id. */
  readonly attempt: number
  readonly heartbeat: (details: SessionProgress) => void
  /** True once the workflow has asked the session to stop (pause, stop, drain, new config). */
  readonly cancelRequested: () => boolean
  /**
   * True once this attempt is known to be replaced (Temporal timed it out or
   * no longer knows it): a newer attempt has taken the campaign's calls in
   * flight over, so this one must stop acting at once rather than wind down.
   */
  readonly superseded?: () => boolean
}

export interface SessionProgress {
  readonly sessionId: string
  readonly dialsPlaced: number
  readonly callsFinished: number
  readonly callsInFlight: number
  readonly winding: boolean
}

export type SessionError = SqlError | TelephonyError | EventBusDisconnected

interface TrackedCall {
  readonly contactId: string
  readonly attempt: number
  rank: number
  carrierCallId?: string
  agentId?: string
}

const rankOf = (s: InFlightStatus): number => ({ dialing: 1, ringing: 2, answered: 3, bridged: 4 })[s]

/** The engine event a carrier event means, and its place in the call's forward order. */
const toEngineEvent = (callId: string, e: CallEvent): { readonly event: EngineEvent; readonly rank: number } | undefined => {
  switch (e._tag) {
    case "Initiated": return undefined
    case "Ringing": return { event: { _tag: "CallRinging", at: e.at, callId }, rank: 2 }
    case "Answered":
      if (e.answeredBy === "machine_end_beep") return undefined
      return {
        event: {
          _tag: "CallAnswered", at: e.at, callId,
          verdict: e.answeredBy === "human" ? "human" : e.answeredBy === "machine_start" || e.answeredBy === "fax" ? "machine" : "unknown"
        },
        rank: 3
      }
    case "Bridged": return { event: { _tag: "CallBridged", at: e.at, callId }, rank: 4 }
    case "Completed": return { event: { _tag: "CallEnded", at: e.at, callId }, rank: 5 }
    case "Busy": return { event: { _tag: "CallBusy", at: e.at, callId }, rank: 5 }
    case "NoAnswer": return { event: { _tag: "CallNoAnswer", at: e.at, callId }, rank: 5 }
    case "Failed": return { event: { _tag: "CallFailed", at: e.at, callId, reason: e.reason }, rank: 5 }
    case "Canceled": return { event: { _tag: "CallCancelled", at: e.at, callId }, rank: 5 }
  }
}

const callPatchOf = (e: CallEvent): CallPatch | undefined => {
  switch (e._tag) {
    case "Ringing": return { status: "ringing" }
    case "Answered": return { status: "answered", answeredBy: e.answeredBy, answeredAt: e.at }
    case "Bridged": return { status: "bridged" }
    case "Completed": return { status: "completed", endedAt: e.at }
    case "Busy": return { status: "busy", endedAt: e.at }
    case "NoAnswer": return { status: "no_answer", endedAt: e.at }
    case "Failed": return { status: "failed", endedAt: e.at }
    case "Canceled": return { status: "canceled", endedAt: e.at }
    default: return undefined
  }
}

export const runSession = (
  input: SessionInput,
  control: SessionControl,
  options: SessionOptions = defaultSessionOptions
): Effect.Effect<SessionReport, SessionError, SessionStore | EventBus | Telephony | SessionEngine | SessionObserver> =>
  Effect.scoped(Effect.gen(function*() {
    const store = yield* SessionStore
    const bus = yield* EventBus
    const telephony = yield* Telephony
    const engine = yield* SessionEngine
    const observer = yield* SessionObserver
    const { campaignId, config } = input
    const sessionId = `${input.sessionKey}#${control.attempt}`
    const firstAttempts = !input.draining

    const events = yield* bus.subscribe(campaignId)
    yield* store.releaseForeignReservations(campaignId, sessionId)
    const policy = yield* store.policy(campaignId)
    const start = yield* Clock.currentTimeMillis
    // The abandon budget is counted over the campaign's own regulatory window.
    const snap = yield* store.snapshot(campaignId, start - policy.abandonWindowDays * 86_400_000)
    let state = engine.restore({
      sessionId, campaignId, pacing: config.pacing, timeZone: config.timeZone, callerId: options.callerId,
      callerIds: policy.callerIds, localPresence: policy.localPresence,
      ringTimeoutSeconds: options.ringTimeoutSec, minRingSeconds: options.minRingSeconds,
      safeHarbourMessage: options.safeHarbourMessage, now: start, agents: snap.agents, calls: snap.calls, abandon: snap.abandon,
      maxAttempts: config.maxAttempts, retryDelayMs: config.retryDelaySeconds * 1000,
      abandonLimit: config.abandonLimit, maxLinesPerAgent: config.maxLinesPerAgent,
      previewAutoDialSeconds: options.previewAutoDialSeconds, amd: policy.amd,
      ...(policy.voicemail === undefined ? {} : { voicemailMessage: policy.voicemail._tag === "Audio" ? policy.voicemail.url : policy.voicemail.text })
    })

    const calls = new Map<string, TrackedCall>()
    const byCarrier = new Map<string, string>()
    const contacts = new Map<string, EngineContact>()
    const seen = new Set<string>()
    /** Each contact's zone, from reservation until its attempt is settled. */
    const zones = new Map<string, string>()
    /** Agents in wrap-up: the call they wrap and when the session ends it for them. */
    const wraps = new Map<string, { readonly callId: string; readonly deadline: number }>()
    /** Pause or log-out asked by an agent on a call: applied when its wrap-up ends. */
    const afterCall = new Map<string, "paused" | "loggedOut">()
    /** What each call came to, from the engine's settle command, for the observers' call-ended event. */
    const outcomes = new Map<string, string>()
    let dialsPlaced = 0
    let callsFinished = 0
    for (const c of snap.calls) {
      const tracked: TrackedCall = { contactId: c.contactId, attempt: c.attempt, rank: rankOf(c.status) }
      if (c.agentId !== undefined) tracked.agentId = c.agentId
      if (c.carrierCallId !== undefined) {
        tracked.carrierCallId = c.carrierCallId
        byCarrier.set(c.carrierCallId, c.callId)
      }
      calls.set(c.callId, tracked)
      zones.set(c.contactId, c.timeZone === "" ? config.timeZone : c.timeZone)
    }

    const zoneOf = (contact: EngineContact): string => contact.timeZone === "" ? config.timeZone : contact.timeZone

    const publish = observer.publish
    const agentState = (agentId: string, observed: ObservedAgentState, at: number, extra: { callId?: string; reason?: string } = {}) =>
      publish({ _tag: "AgentStateChanged", at, campaignId, agentId, state: observed, ...extra })

    /** The agent's call ended: it wraps up until it is done or the timeout. */
    const startWrapUp = (agentId: string, callId: string, at: number) =>
      Effect.gen(function*() {
        const deadline = at + options.wrapUpTimeoutMs
        wraps.set(agentId, { callId, deadline })
        yield* store.setAgent(campaignId, agentId, "wrapUp", callId)
        yield* agentState(agentId, "wrap_up", at, { callId })
        yield* publish({ _tag: "WrapUpStarted", at, campaignId, agentId, callId, deadline })
      })

    /** Ends an agent's wrap-up (done at the desk, or timed out): stored, then the engine hears the agent is ready (or what it asked for meanwhile). */
    const endWrapUp = (agentId: string, at: number, reason: string, winding: boolean): Effect.Effect<void, SessionError> =>
      Effect.suspend(() => {
        if (!wraps.delete(agentId)) return Effect.void
        const asked = afterCall.get(agentId)
        if (asked !== undefined) {
          afterCall.delete(agentId)
          return agentChanged(agentId, asked, at, winding)
        }
        return store.setAgent(campaignId, agentId, "ready", null).pipe(
          Effect.andThen(agentState(agentId, "available", at, { reason })),
          Effect.andThen(apply({ _tag: "AgentReady", at, agentId }, winding))
        )
      })

    const counts = (): AgentCounts => {
      const c = { available: 0, reserved: 0, on_call: 0, wrap_up: 0, paused: 0, offline: 0 }
      for (const [agentId, s] of engine.agentStates(state)) {
        if (wraps.has(agentId)) c.wrap_up++
        else if (s === "ready") c.available++
        else if (s === "busy") c.on_call++
        else if (s === "wrapUp") c.wrap_up++
        else if (s === "paused") c.paused++
        else if (s === "reserved") c.reserved++
        else c.offline++
      }
      return c
    }
    const publishStats = (at: number) => {
      const agents = counts()
      const working = agents.available + agents.reserved + agents.on_call + agents.wrap_up
      const inFlight = engine.callsInFlight(state)
      const { liveAnswers, abandoned } = engine.abandon(state)
      return publish({
        _tag: "CampaignStats", at, campaignId, dialLevel: working === 0 ? 0 : inFlight / working, callsInFlight: inFlight, agents,
        abandonRate: liveAnswers === 0 ? 0 : abandoned / liveAnswers, abandonLimit: config.abandonLimit, liveAnswers, abandoned
      })
    }

    const originate = (callId: string, contact: EngineContact, chosen: { callerId?: string; ringTimeoutSeconds?: number } = {}) =>
      telephony.originate({
        to: contact.number, from: chosen.callerId ?? options.callerId,
        // Detection (the beep is the carrier's business when a voicemail is dropped) or none, per the campaign's policy.
        ringTimeoutSec: chosen.ringTimeoutSeconds ?? options.ringTimeoutSec, amd: policy.amd ? "detect" : "off", record: false,
        // One key per contact and attempt: a re-issued originate can never dial the attempt twice.
        idempotencyKey: `${contact.contactId}:${contact.attempt}`
      }).pipe(
        Effect.tap((handle) => Effect.sync(() => {
          byCarrier.set(handle.callId, callId)
          const t = calls.get(callId)
          if (t !== undefined) t.carrierCallId = handle.callId
        })),
        Effect.tap((handle) => Effect.flatMap(Clock.currentTimeMillis, (at) => store.attachCarrierCall(campaignId, callId, {
          carrierCallId: handle.callId, at, ...(handle.providerCallId === undefined ? {} : { providerCallId: handle.providerCallId })
        })))
      )

    /** Executes engine commands; each is stored before it runs. */
    const execute = (commands: ReadonlyArray<EngineCommand>, winding: boolean): Effect.Effect<void, SessionError> =>
      Effect.forEach(commands, (command) => Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (command._tag === "Dial" && winding) {
          // Winding down: no new dial. The engine already counts this one as dialling, so it is told
          // the dial never happened, or the session would wait for it forever. The contact's row was
          // given back to the queue, so the engine's retry or done for it changes nothing in Postgres.
          const contact = contacts.get(command.contactId)
          contacts.delete(command.contactId)
          if (contact !== undefined) yield* store.release(campaignId, sessionId, [contact.contactId])
          return yield* apply({ _tag: "CallCancelled", at: now, callId: command.callId }, winding)
        }
        yield* store.recordCommand(campaignId, sessionId, command, now)
        switch (command._tag) {
          case "Dial": {
            const contact = contacts.get(command.contactId)
            if (contact === undefined) {
              // Not reserved by this session (any more): never dial it; the engine frees the line.
              yield* Effect.logWarning(`engine asked to dial ${command.contactId}, which this session does not hold; skipped`)
              return yield* apply({ _tag: "CallCancelled", at: now, callId: command.callId }, winding)
            }
            const owned = yield* store.recordDial({
              campaignId, sessionKey: sessionId, callId: command.callId, contact, from: command.callerId ?? options.callerId,
              provider: telephony.provider, at: now
            })
            contacts.delete(command.contactId)
            if (!owned) {
              // Another session took the row (we were presumed dead), or the number went on a DNC list: never dial it.
              yield* Effect.logWarning(`contact ${contact.contactId} is no longer reserved by ${sessionId} or is on a DNC list; not dialling`)
              return yield* apply({ _tag: "CallCancelled", at: now, callId: command.callId }, winding)
            }
            calls.set(command.callId, { contactId: contact.contactId, attempt: contact.attempt, rank: 1 })
            dialsPlaced++
            const placed = yield* Effect.result(originate(command.callId, contact, {
              ...(command.callerId === undefined ? {} : { callerId: command.callerId }),
              ...(command.ringTimeoutSeconds === undefined ? {} : { ringTimeoutSeconds: command.ringTimeoutSeconds })
            }))
            if (placed._tag === "Failure") {
              const error = placed.failure
              if (error._tag === "SqlError") return yield* Effect.fail(error)
              // The carrier refused the dial: the call is over (it was never placed), so the
              // session must stop counting it in flight or it never sees its queue exhausted.
              calls.delete(command.callId)
              callsFinished++
              yield* store.updateCall(campaignId, command.callId, { status: "failed", endedAt: now })
              return yield* apply({ _tag: "CallFailed", at: now, callId: command.callId, reason: error.message }, winding)
            }
            return yield* apply({ _tag: "CallDialled", at: now, callId: command.callId }, winding)
          }
          case "Bridge": {
            const call = calls.get(command.callId)
            if (call?.carrierCallId === undefined) return
            call.agentId = command.agentId
            yield* store.setAgent(campaignId, command.agentId, "busy", command.callId)
            yield* store.updateCall(campaignId, command.callId, { status: "bridged", agentId: command.agentId })
            const ids = { campaignId, callId: command.callId, contactId: call.contactId, agentId: command.agentId }
            yield* publish({ _tag: "CallOffered", at: now, ...ids })
            const bridged = yield* Effect.result(telephony.bridge(call.carrierCallId, { _tag: "Client", identity: command.agentId }))
            if (bridged._tag === "Failure") return yield* Effect.logWarning(`bridge of ${command.callId} failed: ${bridged.failure.message}`)
            yield* agentState(command.agentId, "on_call", now, { callId: command.callId })
            yield* publish({ _tag: "CallConnected", at: yield* Clock.currentTimeMillis, ...ids })
            return
          }
          case "DropVoicemail": {
            const call = calls.get(command.callId)
            if (call?.carrierCallId === undefined) return
            const carrierCallId = call.carrierCallId
            // The campaign's own message (recording or text); the engine only says that one is due.
            const prompt = policy.voicemail ?? { _tag: "Speech" as const, text: command.message }
            yield* telephony.dropVoicemail(carrierCallId, prompt).pipe(
              Effect.catch((e) =>
                Effect.logWarning(`voicemail drop on ${command.callId} failed (${e.message}); hanging up`).pipe(
                  Effect.andThen(telephony.hangUp(carrierCallId)),
                  Effect.catch((h) => Effect.logWarning(`hang-up of ${command.callId} failed: ${h.message}`))
                ))
            )
            return
          }
          case "OfferPreview": {
            if (!contacts.has(command.contactId)) {
              // Not ours any more: the engine must not wait for an answer on it.
              yield* Effect.logWarning(`engine offered ${command.contactId}, which this session does not hold; skipped`)
              return yield* apply({ _tag: "PreviewSkipped", at: now, agentId: command.agentId, contactId: command.contactId }, winding)
            }
            yield* agentState(command.agentId, "reserved", now, { reason: "preview" })
            yield* publish({
              _tag: "PreviewOffered", at: now, campaignId, agentId: command.agentId, contactId: command.contactId,
              ...(command.autoDialAt === undefined ? {} : { autoDialAt: command.autoDialAt })
            })
            return
          }
          case "ReleaseContact": {
            contacts.delete(command.contactId)
            zones.delete(command.contactId)
            yield* store.release(campaignId, sessionId, [command.contactId], command.at)
            return
          }
          case "PlaySafeHarbourAndRelease": {
            const call = calls.get(command.callId)
            yield* store.updateCall(campaignId, command.callId, { status: "answered", outcome: "abandoned" })
            if (call?.carrierCallId === undefined) return
            yield* telephony.playAndRelease(call.carrierCallId, { _tag: "Speech", text: options.safeHarbourMessage }).pipe(
              Effect.catch((e) => Effect.logWarning(`safe-harbour message on ${command.callId} failed: ${e.message}`))
            )
            return
          }
          case "HangUp": {
            const call = calls.get(command.callId)
            if (call?.carrierCallId === undefined) return
            yield* telephony.hangUp(call.carrierCallId).pipe(
              Effect.catch((e) => Effect.logWarning(`hang-up of ${command.callId} failed: ${e.message}`))
            )
            return
          }
          case "ScheduleRetry": {
            if (command.callId === undefined) {
              // Never dialled (deferred by the engine): back to the queue until then.
              contacts.delete(command.contactId)
              zones.delete(command.contactId)
              yield* store.release(campaignId, sessionId, [command.contactId], command.at)
              return
            }
            outcomes.set(command.callId, command.outcome)
            yield* store.updateCall(campaignId, command.callId, { outcome: command.outcome })
            // A retry falls due no earlier than the contact's window opens; the
            // window is checked again when it is reserved, since it may move.
            const zone = zones.get(command.contactId) ?? config.timeZone
            zones.delete(command.contactId)
            const at = nextOpenAt(config.windows, zone, command.at) ?? command.at
            yield* store.finishContact(campaignId, command.contactId, { _tag: "Retry", at, outcome: command.outcome }, now)
            return
          }
          case "MarkContactDone": {
            zones.delete(command.contactId)
            contacts.delete(command.contactId)
            if (command.callId !== undefined) {
              outcomes.set(command.callId, command.outcome)
              yield* store.updateCall(campaignId, command.callId, { outcome: command.outcome })
            }
            yield* store.finishContact(campaignId, command.contactId, {
              _tag: "Done", status: command.reason === "connected" ? "completed" : command.reason === "blocked" ? "removed" : "exhausted",
              outcome: command.outcome
            }, now)
            return
          }
        }
      }), { discard: true })

    const apply = (event: EngineEvent, winding: boolean): Effect.Effect<void, SessionError> =>
      Effect.suspend(() => {
        const r = engine.step(state, event)
        state = r.state
        return execute(r.commands, winding)
      })

    /** Stores a carrier event (idempotent), then applies it if it moves the call forward. */
    const onCarrierEvent = (e: CallEvent, winding: boolean): Effect.Effect<void, SessionError> =>
      Effect.gen(function*() {
        const callId = byCarrier.get(e.callId)
        if (callId === undefined || seen.has(e.eventKey)) return
        seen.add(e.eventKey)
        yield* store.recordEvent(campaignId, callId, e)
        const call = calls.get(callId)
        const mapped = toEngineEvent(callId, e)
        if (call === undefined || mapped === undefined || mapped.rank <= call.rank) return
        call.rank = mapped.rank
        const patch = callPatchOf(e)
        if (patch !== undefined) yield* store.updateCall(campaignId, callId, patch)
        if (mapped.rank === 5) {
          callsFinished++
          calls.delete(callId)
          if (call.agentId !== undefined) yield* startWrapUp(call.agentId, callId, e.at)
        }
        yield* apply(mapped.event, winding)
        if (mapped.rank === 5) {
          const outcome = outcomes.get(callId)
          outcomes.delete(callId)
          yield* publish({
            _tag: "CallEnded", at: e.at, campaignId, callId, contactId: call.contactId,
            ...(call.agentId === undefined ? {} : { agentId: call.agentId }), ...(outcome === undefined ? {} : { outcome })
          })
        }
      })

    const onCall = (agentId: string): boolean => [...calls.values()].some((c) => c.agentId === agentId)

    const agentChanged = (agentId: string, to: "ready" | "paused" | "loggedOut", at: number, winding: boolean): Effect.Effect<void, SessionError> =>
      store.agentChanged(campaignId, agentId, to).pipe(
        Effect.andThen(apply(
          to === "ready" ? { _tag: "AgentReady", at, agentId }
            : to === "paused" ? { _tag: "AgentPaused", at, agentId, code: "paused" }
            : { _tag: "AgentLoggedOut", at, agentId },
          winding
        ))
      )

    /** Stores an agent's new state (or acts on its desk action), then tells the engine. */
    const onBusEvent = (e: BusEvent, winding: boolean): Effect.Effect<void, SessionError> => {
      if (e._tag === "AgentAction") {
        switch (e.action) {
          case "wrapUpDone": return endWrapUp(e.agentId, e.at, "wrap-up done", winding)
          case "previewTake":
          case "previewSkip":
            if (e.contactId === undefined) return Effect.logWarning(`agent ${e.agentId}: ${e.action} without a contact id; ignored`)
            return apply({ _tag: e.action === "previewTake" ? "PreviewTaken" : "PreviewSkipped", at: e.at, agentId: e.agentId, contactId: e.contactId }, winding)
        }
      }
      if (e._tag !== "AgentStateChanged") return onCarrierEvent(e, winding)
      if (onCall(e.agentId)) {
        // A ready while talking means nothing; a pause or log-out takes effect once the call and its wrap-up are over.
        if (e.state !== "ready") afterCall.set(e.agentId, e.state)
        return Effect.logInfo(`agent ${e.agentId} is on a call; its change to ${e.state} ${e.state === "ready" ? "is ignored" : "waits for the call to end"}`)
      }
      wraps.delete(e.agentId)
      afterCall.delete(e.agentId)
      return agentChanged(e.agentId, e.state, e.at, winding)
    }

    // Agents the last session left in wrap-up (or on a call that is over) get a fresh wrap-up
    // timeout, and their desks hear of it: a "done" sent while no session listened is not lost.
    for (const a of snap.agents) {
      if (a.state === "wrapUp" || (a.state === "busy" && !snap.calls.some((c) => c.agentId === a.agentId))) {
        const w = { callId: a.callId ?? "", deadline: start + options.wrapUpTimeoutMs }
        wraps.set(a.agentId, w)
        yield* publish({ _tag: "WrapUpStarted", at: start, campaignId, agentId: a.agentId, ...w })
      }
    }

    // Events stored while no session ran (or before this one subscribed).
    for (const e of snap.events) yield* onCarrierEvent(e, false)
    // Calls the carrier no longer knows (it restarted with the worker that died,
    // or they ended while nobody listened and the event is lost) are settled now:
    // their attempt is spent, so the contact is retried as a new attempt, never
    // redialled as the same one.
    for (const c of snap.calls) {
      const t = calls.get(c.callId)
      if (t?.carrierCallId === undefined) continue
      const known = yield* Effect.result(telephony.state(t.carrierCallId))
      const now = yield* Clock.currentTimeMillis
      if (known._tag === "Failure" && known.failure._tag === "CallNotFound") {
        yield* Effect.logWarning(`call ${c.callId} is unknown to the carrier after a restart; settling it as failed`)
        yield* store.updateCall(campaignId, c.callId, { status: "failed", endedAt: now })
        calls.delete(c.callId)
        callsFinished++
        if (t.agentId !== undefined) yield* store.setAgent(campaignId, t.agentId, "ready", null)
        yield* apply({ _tag: "CallFailed", at: now, callId: c.callId, reason: "unknown to the carrier after a restart" }, false)
      }
    }
    // Dials recorded but never acknowledged: re-issue with the same idempotency key and the caller id chosen
    // then (the campaign's strategy picked it; this session's fallback number is not what the call row says).
    for (const c of snap.calls) {
      const t = calls.get(c.callId)
      if (t === undefined || t.carrierCallId !== undefined) continue
      const contact: EngineContact = { contactId: c.contactId, number: c.number, attempt: c.attempt, timeZone: c.timeZone }
      const placed = yield* Effect.result(originate(c.callId, contact, { callerId: c.from }))
      if (placed._tag === "Failure") {
        if (placed.failure._tag === "SqlError") return yield* Effect.fail(placed.failure)
        const now = yield* Clock.currentTimeMillis
        yield* store.updateCall(campaignId, c.callId, { status: "failed", endedAt: now })
        calls.delete(c.callId)
        yield* apply({ _tag: "CallFailed", at: now, callId: c.callId, reason: placed.failure.message }, false)
      }
    }

    let winding = false
    let lastStats = 0
    let lastRenew = start
    let lastBacklogCheck = 0
    let idleSince: number | undefined
    const report = (outcome: SessionReport["outcome"], remaining: number, nextDueAt?: number): SessionReport => ({
      outcome, dialsPlaced, callsFinished, contactsRemaining: remaining, abandon: engine.abandon(state),
      ...(nextDueAt === undefined ? {} : { nextDueAt })
    })

    for (;;) {
      const now = yield* Clock.currentTimeMillis
      if (control.superseded?.() === true) {
        // Finishing our calls would race the attempt that adopted them: leave them all to it.
        yield* Effect.logWarning(`session ${sessionId} was replaced by a newer attempt; it stops without winding down`)
        return report("cancelled", engine.queuedContacts(state).length + calls.size)
      }
      if (!winding && (control.cancelRequested() || now >= input.windowClosesAt)) {
        winding = true
        yield* store.release(campaignId, sessionId, engine.queuedContacts(state))
        for (const id of engine.queuedContacts(state)) contacts.delete(id)
      }
      if (!winding) {
        const want = engine.wantedContacts(state) - engine.queuedContacts(state).length
        if (want > 0) {
          const reserved = yield* store.reserveDue({ campaignId, sessionKey: sessionId, limit: want, now, leaseMs: options.leaseMs, firstAttempts })
          for (const contact of reserved) {
            const zone = zoneOf(contact)
            if (!isOpen(config.windows, zone, now)) {
              // Due, but not a lawful hour where the contact is: back to the queue until its window opens.
              yield* store.release(campaignId, sessionId, [contact.contactId], nextOpenAt(config.windows, zone, now))
              continue
            }
            const lawful = engine.lawfulHours(state, contact, now)
            if (!lawful.open && lawful.opensAt !== undefined) {
              // The campaign's window is open but the law's is not where the number is (the engine
              // would hold the contact, and the session its reservation, until it opens): back to
              // the queue, due when it opens, so an idle session can end and the workflow sleep.
              yield* store.release(campaignId, sessionId, [contact.contactId], lawful.opensAt)
              continue
            }
            contacts.set(contact.contactId, contact)
            zones.set(contact.contactId, zone)
            yield* apply({ _tag: "ContactAdded", at: now, contact }, winding)
          }
        }
        const decided = engine.decide(state, now)
        state = decided.state
        yield* execute(decided.commands, winding)
      }
      for (const [agentId, w] of wraps) {
        if (w.deadline <= now) yield* endWrapUp(agentId, now, "wrap-up timed out", winding)
      }
      if (now - lastStats >= options.statsEveryMs) {
        lastStats = now
        yield* publishStats(now)
      }
      if (now - lastRenew > options.leaseMs / 3) {
        lastRenew = now
        yield* store.renewReservations(campaignId, sessionId, now + options.leaseMs)
      }
      control.heartbeat({ sessionId, dialsPlaced, callsFinished, callsInFlight: engine.callsInFlight(state), winding })

      const inFlight = engine.callsInFlight(state)
      // A wrap-up is the end of its call: the session owns the agent until it is over.
      if (inFlight === 0 && calls.size === 0 && wraps.size === 0) {
        if (winding) {
          const b = yield* store.backlog(campaignId, now, firstAttempts)
          return report(now >= input.windowClosesAt ? "windowClosed" : "cancelled", b.remaining)
        }
        if (engine.queuedContacts(state).length === 0 && now - lastBacklogCheck >= options.tickMs) {
          lastBacklogCheck = now
          const b = yield* store.backlog(campaignId, now, firstAttempts)
          if (b.remaining === 0) return report("exhausted", 0)
          if (b.dueNow === 0) {
            idleSince ??= now
            const soon = b.nextDueAt !== undefined && b.nextDueAt - now < options.idleExitMs
            // Rows held by another session (a zombie's reservation, a call row) come
            // back when their lease expires: never report idle with no wake-up time.
            if (!soon && now - idleSince >= Math.min(options.idleExitMs, 1_000)) {
              return report("idle", b.remaining, b.nextDueAt ?? now + options.leaseMs)
            }
          } else {
            idleSince = undefined
          }
        }
      } else {
        idleSince = undefined
      }

      const next = yield* Queue.take(events).pipe(Effect.timeoutOption(options.tickMs))
      if (Option.isSome(next)) {
        yield* onBusEvent(next.value, winding)
        let more = yield* Queue.poll(events)
        while (Option.isSome(more)) {
          yield* onBusEvent(more.value, winding)
          more = yield* Queue.poll(events)
        }
      } else {
        yield* apply({ _tag: "Tick", at: yield* Clock.currentTimeMillis }, winding)
      }
    }
  })).pipe(Effect.tapCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.void : Effect.logError("dialing session failed", cause)))
