/**
 * The SIP adapter of the `Telephony` port: sip.js running in Node as a user
 * agent over WebSocket to a SIP proxy or PBX (Kamailio, Asterisk, FreeSWITCH).
 *
 * It owns signalling only: INVITE (with a ring timeout that CANCELs), CANCEL,
 * BYE, REFER for bridging and transfers, and optional REGISTER with digest
 * authentication. Media stays with the far end: Node has no WebRTC, so the
 * session description handler offers a static SDP (see internal/StaticSdp).
 * Operations that need our own media (prompts, voicemail, media streams) are
 * `UnsupportedOperation` here; route such campaigns through a PBX that plays
 * them, or through Twilio/Plivo.
 *
 * Final responses map to outcomes: 486/600 busy; 408/480/487 no answer;
 * 404/484/604 invalid number; 503 carrier unavailable; 603 declined; other
 * 4xx-6xx failed; 200 answered. Provisional 180/183 are ringing (183 is early
 * media). Reason headers are kept in the failure detail.
 */
import { Clock, Duration, Effect, Fiber, Layer, Queue, Redacted, Stream } from "effect"
import { Inviter, type InviterInviteOptions, Registerer, SessionState, URI, UserAgent, type UserAgentOptions } from "sip.js"
import type { IncomingResponse } from "sip.js/lib/core/messages/incoming-response.js"
import type { CallEvent, FailureReason } from "./CallEvent.ts"
import * as CallState from "./CallState.ts"
import { CallStore } from "./CallStore.ts"
import * as Ledger from "./internal/Ledger.ts"
import * as StaticSdp from "./internal/StaticSdp.ts"
import {
  type AgentEndpoint,
  decodeEndpoint,
  decodeOriginate,
  decodeTransfer,
  describeEndpoint,
  Telephony,
  type TelephonyService
} from "./Telephony.ts"
import { CarrierRejected, CarrierUnavailable, InvalidCallRequest, UnsupportedOperation } from "./TelephonyError.ts"

export interface SipConfig {
  /** WebSocket URL of the proxy or PBX, e.g. wss://pbx.example.com:8089/ws */
  readonly server: string
  /** Domain used in request URIs (sip:+1415…@domain) and in our address of record. */
  readonly domain: string
  /** Our user part: sip:user@domain. */
  readonly user: string
  /** Digest credentials; with them the adapter REGISTERs before dialling. */
  readonly auth?: { readonly username: string; readonly password: Redacted.Redacted<string> }
  /** Address and port advertised in the static SDP. */
  readonly mediaHost?: string
  readonly mediaPort?: number
  /** sip.js console logging; off unless set. */
  readonly logLevel?: "error" | "warn" | "log" | "debug"
  /** How long to wait for the WebSocket connection. */
  readonly connectTimeout?: Duration.Input
}

export type SipOutcome =
  | { readonly _tag: "Busy" }
  | { readonly _tag: "NoAnswer" }
  | { readonly _tag: "Failed"; readonly reason: FailureReason }

/** Map a final non-2xx SIP status to an outcome. Pure. */
export const outcomeOf = (status: number): SipOutcome => {
  switch (status) {
    case 486:
    case 600:
      return { _tag: "Busy" }
    case 408:
    case 480:
    case 487:
      return { _tag: "NoAnswer" }
    case 404:
    case 484:
    case 604:
      return { _tag: "Failed", reason: "invalid_number" }
    case 503:
      return { _tag: "Failed", reason: "carrier_unavailable" }
    case 603:
      return { _tag: "Failed", reason: "declined" }
    default:
      return { _tag: "Failed", reason: status === 403 ? "rejected" : "network" }
  }
}

interface Live {
  readonly inviter: Inviter
  readonly sipCallId: string
  /** Why we are ending an unanswered call: it decides Canceled versus NoAnswer. */
  ending?: "cancel" | "timeout"
  answeredAt?: number
  /** A final response was reported; the termination must not report another outcome. */
  finalSeen?: boolean
  ringTimer?: Fiber.Fiber<void>
}

const targetUri = (endpoint: AgentEndpoint, domain: string): string => {
  switch (endpoint._tag) {
    case "Phone": return `sip:${endpoint.number}@${domain}`
    case "Sip": return endpoint.uri
    case "Client": return `sip:${endpoint.identity}@${domain}`
  }
}

export const make = (config: SipConfig) =>
  Effect.gen(function*() {
    const ledger = yield* Ledger.make("sip", Effect.sync(() => crypto.randomUUID()))
    // sip.js calls back outside Effect: read the Effect clock directly so times stay injectable.
    const clock = yield* Clock.Clock
    const now = () => clock.currentTimeMillisUnsafe()
    const lives = new Map<string, Live>()
    // sip.js calls back outside Effect; events go through one queue so they are stored in arrival order.
    const inbox = yield* Queue.unbounded<CallEvent>()
    yield* Stream.fromQueue(inbox).pipe(
      Stream.runForEach((event) => ledger.ingest(event).pipe(Effect.ignore)),
      Effect.forkScoped
    )
    const push = (event: CallEvent) => {
      Queue.offerUnsafe(inbox, event)
    }

    const aor = UserAgent.makeURI(`sip:${config.user}@${config.domain}`)
    if (aor === undefined) return yield* Effect.die(new Error(`invalid SIP address of record sip:${config.user}@${config.domain}`))
    const options: UserAgentOptions = {
      uri: aor,
      transportOptions: { server: config.server, connectionTimeout: 5 },
      sessionDescriptionHandlerFactory: StaticSdp.factory(config.mediaHost, config.mediaPort),
      logLevel: config.logLevel ?? "error",
      logBuiltinEnabled: config.logLevel !== undefined,
      ...(config.auth !== undefined
        ? { authorizationUsername: config.auth.username, authorizationPassword: Redacted.value(config.auth.password) }
        : {})
    }
    const ua = new UserAgent(options)
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => ua.start(),
        catch: (e) => new CarrierUnavailable({ provider: "sip", message: `cannot connect to ${config.server}: ${String(e)}` })
      }).pipe(
        Effect.timeoutOrElse({
          duration: config.connectTimeout ?? "5 seconds",
          orElse: () => Effect.fail(new CarrierUnavailable({ provider: "sip", message: `no WebSocket connection to ${config.server} within the connect timeout` }))
        })
      ),
      () => Effect.promise(() => ua.stop()).pipe(Effect.ignore)
    )
    if (config.auth !== undefined) {
      const registerer = new Registerer(ua)
      // sip.js answers the digest challenge itself; the delegate sees the final outcome.
      yield* Effect.acquireRelease(
        Effect.callback<void, CarrierRejected>((resume) => {
          registerer.register({
            requestDelegate: {
              onAccept: () => resume(Effect.void),
              onReject: (response) =>
                resume(Effect.fail(new CarrierRejected({
                  provider: "sip",
                  code: String(response.message.statusCode ?? 0),
                  message: `REGISTER as ${config.auth?.username ?? ""} rejected: ${response.message.statusCode ?? ""} ${response.message.reasonPhrase ?? ""}`.trim()
                })))
            }
          }).catch((e: unknown) => resume(Effect.fail(new CarrierRejected({ provider: "sip", code: "transport", message: `REGISTER could not be sent: ${String(e)}` }))))
        }).pipe(Effect.timeoutOrElse({
          duration: "10 seconds",
          orElse: () => Effect.fail(new CarrierRejected({ provider: "sip", code: "timeout", message: "REGISTER got no final response" }))
        })),
        () => Effect.promise(() => registerer.unregister()).pipe(Effect.ignore)
      )
    }
    const scope = yield* Effect.scope

    const common = (callId: string, sipCallId: string, key: string) => ({
      callId,
      provider: "sip" as const,
      providerCallId: sipCallId,
      eventKey: `sip:${sipCallId}:${key}`,
      at: now()
    })

    const reasonOf = (response: IncomingResponse): string => {
      const m = response.message
      const reason = m.getHeader("Reason")
      return `SIP ${m.statusCode ?? "?"} ${m.reasonPhrase ?? ""}`.trim() + (reason !== undefined ? ` (${reason})` : "")
    }

    const onFinal = (callId: string, live: Live, response: IncomingResponse) => {
      const status = response.message.statusCode ?? 500
      live.finalSeen = true
      const base = common(callId, live.sipCallId, `final:${status}`)
      if (status === 487 && live.ending === "cancel") return push({ _tag: "Canceled", ...base })
      if (status === 487 && live.ending === "timeout") return push({ _tag: "NoAnswer", ...base, sipCode: status })
      const outcome = outcomeOf(status)
      switch (outcome._tag) {
        case "Busy": return push({ _tag: "Busy", ...base, sipCode: status })
        case "NoAnswer": return push({ _tag: "NoAnswer", ...base, sipCode: status })
        case "Failed": return push({ _tag: "Failed", ...base, sipCode: status, reason: outcome.reason, detail: reasonOf(response) })
      }
    }

    const dial = (callId: string, to: string, from: string, ringTimeoutSec: number) =>
      Effect.gen(function*() {
        const target = UserAgent.makeURI(`sip:${to}@${config.domain}`)
        if (target === undefined) return yield* new InvalidCallRequest({ message: `cannot build a SIP URI for '${to}' at '${config.domain}'` })
        const inviter = new Inviter(ua, target, {
          earlyMedia: true,
          extraHeaders: [`P-Asserted-Identity: <sip:${from}@${config.domain}>`, `X-Autodialer-Call-Id: ${callId}`]
        })
        const sipCallId = inviter.request.callId
        const live: Live = { inviter, sipCallId }
        lives.set(callId, live)
        inviter.stateChange.addListener((state) => {
          if (state === SessionState.Terminated) {
            lives.delete(callId)
            if (live.ringTimer !== undefined) Effect.runFork(Fiber.interrupt(live.ringTimer))
            if (live.answeredAt !== undefined) {
              push({
                _tag: "Completed",
                ...common(callId, sipCallId, "completed"),
                durationSec: Math.round((now() - live.answeredAt) / 1000)
              })
            } else {
              // sip.js does not hand the 487 of a CANCELled INVITE to the delegate, and it moves to
              // Terminated before calling onReject: decide after the current callbacks have run.
              setTimeout(() => {
                if (live.finalSeen === true) return
                const base = common(callId, sipCallId, "terminated")
                if (live.ending === "timeout") push({ _tag: "NoAnswer", ...base })
                else if (live.ending === "cancel") push({ _tag: "Canceled", ...base })
                else push({ _tag: "Failed", ...base, reason: "network", detail: "the INVITE ended without a final response (transport error or timeout)" })
              }, 0)
            }
          }
        })
        const invite: InviterInviteOptions = {
          requestDelegate: {
            onTrying: () => push({ _tag: "Initiated", ...common(callId, sipCallId, "trying") }),
            onProgress: (response) => {
              const code = response.message.statusCode ?? 0
              if (code === 180 || code === 183) {
                const earlyMedia = code === 183 && (response.message.getHeader("Content-Type") ?? "").includes("application/sdp")
                push({ _tag: "Ringing", ...common(callId, sipCallId, "ringing"), ...(earlyMedia ? { earlyMedia } : {}) })
              }
            },
            onAccept: () => {
              live.answeredAt = now()
              if (live.ringTimer !== undefined) Effect.runFork(Fiber.interrupt(live.ringTimer))
              // SIP cannot tell a person from a machine; AMD belongs to the PBX or the media server.
              push({ _tag: "Answered", ...common(callId, sipCallId, "answered"), answeredBy: "unknown" })
            },
            onReject: (response) => {
              if (live.ringTimer !== undefined) Effect.runFork(Fiber.interrupt(live.ringTimer))
              onFinal(callId, live, response)
            },
            onRedirect: (response) => onFinal(callId, live, response)
          }
        }
        push({ _tag: "Initiated", ...common(callId, sipCallId, "invite") })
        yield* Effect.tryPromise({
          try: () => inviter.invite(invite),
          catch: (e) => new CarrierUnavailable({ provider: "sip", message: `INVITE could not be sent: ${String(e)}` })
        })
        // Ring timeout: CANCEL and report no answer.
        live.ringTimer = yield* Effect.sleep(Duration.seconds(ringTimeoutSec)).pipe(
          Effect.andThen(
            Effect.sync(() => {
              if (live.answeredAt === undefined && inviter.state === SessionState.Establishing) {
                live.ending = "timeout"
                void inviter.cancel().catch(() => undefined)
              }
            })
          ),
          Effect.forkIn(scope)
        )
        return sipCallId
      })

    const originate: TelephonyService["originate"] = (input) =>
      Effect.gen(function*() {
        const request = yield* decodeOriginate(input)
        return yield* ledger.originateOnce(request.idempotencyKey, (callId) => dial(callId, request.to, request.from, request.ringTimeoutSec), {
          releaseOn: () => false,
          failureEvent: (callId, error): CallEvent => ({
            _tag: "Failed",
            callId,
            provider: "sip",
            eventKey: `sip:${callId}:invite-failed`,
            at: now(),
            reason: error._tag === "InvalidCallRequest" ? "invalid_number" : "network",
            detail: error.message
          })
        })
      })

    const liveOf = (callId: string, operation: string, allowed: ReadonlyArray<CallState.Status>) =>
      ledger.requireStatus(callId, operation, allowed).pipe(
        Effect.flatMap((record) => {
          const live = lives.get(callId)
          return live === undefined
            ? Effect.fail(new UnsupportedOperation({ provider: "sip", operation: `${operation} (the SIP session of call ${callId} is not in this process; status ${record.state.status})` }))
            : Effect.succeed(live)
        })
      )

    const sipCall = (what: string, f: () => Promise<unknown>) =>
      Effect.tryPromise({ try: f, catch: (e) => new CarrierUnavailable({ provider: "sip", message: `${what} failed: ${String(e)}` }) }).pipe(Effect.asVoid)

    const cancel: TelephonyService["cancel"] = (callId) =>
      Effect.gen(function*() {
        const live = yield* liveOf(callId, "cancel", CallState.unanswered)
        live.ending = "cancel"
        yield* sipCall("CANCEL", () => live.inviter.cancel())
      })

    const hangUp: TelephonyService["hangUp"] = (callId) =>
      Effect.gen(function*() {
        const live = yield* liveOf(callId, "hang up", CallState.live)
        if (live.inviter.state === SessionState.Established) return yield* sipCall("BYE", () => live.inviter.bye())
        live.ending = "cancel"
        yield* sipCall("CANCEL", () => live.inviter.cancel())
      })

    const refer = (callId: string, operation: string, endpoint: AgentEndpoint) =>
      Effect.gen(function*() {
        const live = yield* liveOf(callId, operation, CallState.connected)
        const uri = UserAgent.makeURI(targetUri(endpoint, config.domain))
        if (uri === undefined) return yield* new InvalidCallRequest({ message: `cannot build a SIP URI for ${describeEndpoint(endpoint)}` })
        yield* sipCall("REFER", () => live.inviter.refer(uri as URI))
        push({ _tag: "Bridged", ...common(callId, live.sipCallId, `refer:${uri.toString()}`), endpoint: describeEndpoint(endpoint) })
      })

    const bridge: TelephonyService["bridge"] = (callId, input) =>
      decodeEndpoint(input).pipe(Effect.flatMap((endpoint) => refer(callId, "bridge", endpoint)))

    const transfer: TelephonyService["transfer"] = (callId, input) =>
      Effect.gen(function*() {
        const request = yield* decodeTransfer(input)
        if (request.mode === "warm") return yield* new UnsupportedOperation({ provider: "sip", operation: "warm transfer (needs a conference bridge on the PBX)" })
        yield* refer(callId, "cold transfer", request.to)
      })

    const unsupported = (operation: string) => () => Effect.fail(new UnsupportedOperation({ provider: "sip", operation }))

    return Telephony.of({
      provider: "sip",
      originate,
      cancel,
      hangUp,
      bridge,
      playAndRelease: unsupported("playing a prompt (no media in the SIP signalling adapter)"),
      dropVoicemail: unsupported("dropping a voicemail (no media in the SIP signalling adapter)"),
      transfer,
      connectMediaStream: unsupported("media streams (no media in the SIP signalling adapter)"),
      handleWebhook: unsupported("webhooks"),
      state: (callId) => ledger.record(callId).pipe(Effect.map((r) => r.state)),
      events: ledger.events
    })
  })

/** Connecting (and registering, with `auth`) happens when the layer is built; failures are typed. */
export const layerWithStore = (config: SipConfig): Layer.Layer<Telephony, CarrierUnavailable | CarrierRejected, CallStore> =>
  Layer.effect(Telephony, make(config))

export const layer = (config: SipConfig): Layer.Layer<Telephony, CarrierUnavailable | CarrierRejected> =>
  layerWithStore(config).pipe(Layer.provide(CallStore.layerMemory))
