/**
 * The session-observer port: what a dialing session tells the outside world
 * as it happens (agent desks, supervisor dashboards). The session publishes;
 * the host decides where it goes: the reference server turns each event into
 * its realtime channels (with the screen-pop it looks up), a worker with no
 * listeners drops them.
 *
 * Events carry ids only (campaign, call, queue entry, agent): the session does
 * not read contacts or scripts, and a subscriber that needs them reads them
 * in its own tenant context. Publishing never fails the session: an observer
 * that cannot deliver logs and drops, since nothing durable depends on it.
 */
import { Context, Effect, Layer, PubSub, type Scope, Stream } from "effect"

/** An agent state as the product shows it (the domain's `agent_state_log` states). */
export type ObservedAgentState = "available" | "reserved" | "on_call" | "wrap_up" | "paused" | "offline"

export interface AgentCounts {
  readonly available: number
  readonly reserved: number
  readonly on_call: number
  readonly wrap_up: number
  readonly paused: number
  readonly offline: number
}

export type SessionEvent =
  /** A live answer is being bridged to the agent. `contactId` is the queue entry (campaign_contacts.id). */
  | { readonly _tag: "CallOffered"; readonly at: number; readonly campaignId: string; readonly callId: string; readonly contactId: string; readonly agentId: string }
  /** The agent is talking to the contact. */
  | { readonly _tag: "CallConnected"; readonly at: number; readonly campaignId: string; readonly callId: string; readonly contactId: string; readonly agentId: string }
  | {
      readonly _tag: "CallEnded"
      readonly at: number
      readonly campaignId: string
      readonly callId: string
      readonly contactId: string
      readonly agentId?: string
      readonly outcome?: string
    }
  /** The agent is in wrap-up until it ends it, or until `deadline` (epoch ms). `callId` is "" for a wrap-up restored without its call. */
  | { readonly _tag: "WrapUpStarted"; readonly at: number; readonly campaignId: string; readonly agentId: string; readonly callId: string; readonly deadline: number }
  /** The session changed the agent's state (a call, wrap-up, its end). */
  | {
      readonly _tag: "AgentStateChanged"
      readonly at: number
      readonly campaignId: string
      readonly agentId: string
      readonly state: ObservedAgentState
      readonly callId?: string
      readonly reason?: string
    }
  /** Preview mode: the contact is shown to the agent, dialled when taken or at `autoDialAt`. */
  | { readonly _tag: "PreviewOffered"; readonly at: number; readonly campaignId: string; readonly agentId: string; readonly contactId: string; readonly autoDialAt?: number }
  /** A periodic snapshot for supervisors. */
  | {
      readonly _tag: "CampaignStats"
      readonly at: number
      readonly campaignId: string
      /** Dials in flight per agent logged in (not paused or offline). */
      readonly dialLevel: number
      readonly callsInFlight: number
      readonly agents: AgentCounts
      /** Abandoned / live answers in the regulatory window, and the policy's limit. */
      readonly abandonRate: number
      readonly abandonLimit: number
      readonly liveAnswers: number
      readonly abandoned: number
    }

export interface SessionObserverService {
  readonly publish: (event: SessionEvent) => Effect.Effect<void>
}

/** The events a `layerTest` observer has seen, for assertions. */
export interface RecordedEvents {
  readonly all: () => ReadonlyArray<SessionEvent>
  /** Events from now on, until the scope closes. */
  readonly subscribe: Effect.Effect<Stream.Stream<SessionEvent>, never, Scope.Scope>
}

export class ObservedEvents extends Context.Service<ObservedEvents, RecordedEvents>()("@autodialer/workflows/SessionObserver/ObservedEvents") {}

export class SessionObserver extends Context.Service<SessionObserver, SessionObserverService>()("@autodialer/workflows/SessionObserver") {
  /** No listeners (a worker process on its own): events are dropped. */
  static readonly layer: Layer.Layer<SessionObserver> = Layer.succeed(SessionObserver, SessionObserver.of({ publish: () => Effect.void }))

  /** Records every event and fans it out in process; tests read `ObservedEvents`. */
  static readonly layerTest: Layer.Layer<SessionObserver | ObservedEvents> = Layer.effectContext(
    Effect.gen(function*() {
      const seen: Array<SessionEvent> = []
      const hub = yield* PubSub.unbounded<SessionEvent>()
      const observer = SessionObserver.of({
        publish: (event) => Effect.suspend(() => {
          seen.push(event)
          return PubSub.publish(hub, event)
        }).pipe(Effect.asVoid)
      })
      const recorded = ObservedEvents.of({
        all: () => seen.slice(),
        subscribe: Effect.map(PubSub.subscribe(hub), (sub) => Stream.fromSubscription(sub))
      })
      return Context.make(SessionObserver, observer).pipe(Context.add(ObservedEvents, recorded))
    })
  )
}
