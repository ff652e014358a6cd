/**
 * The Twilio adapter of the `Telephony` port, built on the official `twilio`
 * SDK: the Calls API (Timeout, MachineDetection with AsyncAmd and
 * AsyncAmdStatusCallback, StatusCallback + StatusCallbackEvent, Record), TwiML
 * through `VoiceResponse` for every mid-call action (live call update), and
 * signed webhooks (see `TwilioWebhook`).
 *
 * Our call id travels in the callback URLs' query string, so a status
 * callback that overtakes the Calls API response still finds its call.
 * SDK types never leave this module.
 */
import { Clock, Effect, Layer, Option, Redacted, Ref } from "effect"
import twilio from "twilio"
import { type CallEvent, isTerminal } from "./CallEvent.ts"
import * as CallState from "./CallState.ts"
import { CallStore } from "./CallStore.ts"
import * as Ledger from "./internal/Ledger.ts"
import {
  type AgentEndpoint,
  decodeEndpoint,
  decodeMediaStream,
  decodeOriginate,
  decodePrompt,
  decodeTransfer,
  describeEndpoint,
  type Prompt,
  Telephony,
  type TelephonyService,
  type WebhookReply
} from "./Telephony.ts"
import {
  CarrierRateLimited,
  CarrierRejected,
  CarrierUnavailable,
  CallNotFound,
  InvalidCallRequest,
  MalformedWebhook,
  type TelephonyError
} from "./TelephonyError.ts"
import * as TwilioWebhook from "./TwilioWebhook.ts"

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>

export interface TwilioConfig {
  readonly accountSid: string
  readonly authToken: Redacted.Redacted<string>
  /** Public base URL where the server routes Twilio webhooks to `handleWebhook`, e.g. https://dialer.example.com/webhooks/twilio */
  readonly webhookBaseUrl: string
  /** Send API requests to this origin instead of https://api.twilio.com (a loopback fake in tests). */
  readonly apiBaseUrl?: string
  /** Seconds an answered call waits in silence for the engine's next command. */
  readonly holdSeconds?: number
  /** Let the SDK retry HTTP 429 with backoff before we see CarrierRateLimited. */
  readonly autoRetry?: boolean
}

/**
 * The SDK's RequestClient with two additions: it can send every request to
 * another origin (the SDK builds absolute URLs for api.twilio.com; a loopback
 * fake in tests), and it keeps `Retry-After` of a 429, which the SDK's
 * RestException otherwise drops, as `details.retryAfterSeconds`.
 */
class AdapterRequestClient extends twilio.RequestClient {
  readonly #origin: URL | undefined
  constructor(origin: string | undefined, options: ConstructorParameters<typeof twilio.RequestClient>[0]) {
    super(options)
    this.#origin = origin === undefined ? undefined : new URL(origin)
  }
  override async request<TData>(opts: Parameters<typeof twilio.RequestClient.prototype.request<TData>>[0]) {
    const target = new URL(opts.uri)
    if (this.#origin !== undefined) {
      target.protocol = this.#origin.protocol
      target.host = this.#origin.host
    }
    const response = await super.request<TData>({ ...opts, uri: target.href })
    const retryAfter = response.statusCode === 429 ? (response.headers as Record<string, unknown> | undefined)?.["retry-after"] : undefined
    if (retryAfter !== undefined) {
      const body = (typeof response.body === "string" ? JSON.parse(response.body) : response.body) as Record<string, unknown>
      const details = (body["details"] ?? {}) as Record<string, unknown>
      return { ...response, body: { ...body, details: { ...details, retryAfterSeconds: Number(retryAfter) } } as TData }
    }
    return response
  }
}

const toError = (error: unknown): TelephonyError => {
  if (error instanceof twilio.RestException) {
    const message = `Twilio ${error.status}${error.code !== undefined ? ` error ${error.code}` : ""}: ${error.message}${error.moreInfo ? ` (${error.moreInfo})` : ""}`
    if (error.status === 429) {
      const seconds = (error.details as { readonly retryAfterSeconds?: number } | undefined)?.retryAfterSeconds
      return new CarrierRateLimited({ provider: "twilio", message, ...(seconds !== undefined && Number.isFinite(seconds) ? { retryAfterMs: seconds * 1000 } : {}) })
    }
    if (error.status >= 500) return new CarrierUnavailable({ provider: "twilio", message, httpStatus: error.status })
    return new CarrierRejected({ provider: "twilio", code: String(error.code ?? error.status), message, httpStatus: error.status })
  }
  return new CarrierUnavailable({ provider: "twilio", message: `Twilio request failed: ${String(error instanceof Error ? error.message : error)}` })
}

const say = (response: VoiceResponse, prompt: Prompt) => {
  if (prompt._tag === "Audio") response.play(prompt.url)
  else response.say(prompt.text)
}

const dialInto = (dial: ReturnType<VoiceResponse["dial"]>, endpoint: AgentEndpoint) => {
  switch (endpoint._tag) {
    case "Phone": dial.number(endpoint.number); break
    case "Sip": dial.sip(endpoint.uri); break
    case "Client": dial.client(endpoint.identity); break
  }
}

/** The TwiML documents this adapter sends. Exported for tests and for the README. */
export const Twiml = {
  hold: (seconds: number): string => {
    const r = new twilio.twiml.VoiceResponse()
    r.pause({ length: seconds })
    return r.toString()
  },
  bridge: (endpoint: AgentEndpoint, callerId?: string): string => {
    const r = new twilio.twiml.VoiceResponse()
    dialInto(r.dial({ answerOnBridge: true, ...(callerId !== undefined ? { callerId } : {}) }), endpoint)
    return r.toString()
  },
  playAndHangUp: (prompt: Prompt): string => {
    const r = new twilio.twiml.VoiceResponse()
    say(r, prompt)
    r.hangup()
    return r.toString()
  },
  conference: (room: string): string => {
    const r = new twilio.twiml.VoiceResponse()
    r.dial().conference({ endConferenceOnExit: false, startConferenceOnEnter: true }, room)
    return r.toString()
  },
  stream: (url: string, parameters: Readonly<Record<string, string>>): string => {
    const r = new twilio.twiml.VoiceResponse()
    const stream = r.connect().stream({ url })
    for (const [name, value] of Object.entries(parameters)) stream.parameter({ name, value })
    return r.toString()
  }
}

export const make = (config: TwilioConfig) =>
  Effect.gen(function*() {
    const authToken = Redacted.value(config.authToken)
    const client = twilio(config.accountSid, authToken, {
      autoRetry: config.autoRetry ?? false,
      httpClient: new AdapterRequestClient(config.apiBaseUrl, { autoRetry: config.autoRetry ?? false })
    })
    const ledger = yield* Ledger.make("twilio", Effect.sync(() => crypto.randomUUID()))
    const holdSeconds = config.holdSeconds ?? 60
    // The caller id of each call, reused as caller id when we dial agents or transfer targets.
    const callerIds = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
    const base = config.webhookBaseUrl.replace(/\/+$/, "")
    const callbackUrl = (kind: "status" | "amd", callId: string) => `${base}/${kind}?callId=${encodeURIComponent(callId)}`

    const call = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: toError })

    const now = Clock.currentTimeMillis

    const originate: TelephonyService["originate"] = (input) =>
      Effect.gen(function*() {
        const request = yield* decodeOriginate(input)
        const handle = yield* ledger.originateOnce(
          request.idempotencyKey,
          (callId) =>
            call(() =>
              client.calls.create({
                to: request.to,
                from: request.from,
                twiml: Twiml.hold(holdSeconds),
                timeout: request.ringTimeoutSec,
                record: request.record,
                statusCallback: callbackUrl("status", callId),
                statusCallbackMethod: "POST",
                statusCallbackEvent: ["initiated", "ringing", "answered", "completed"],
                ...(request.amd === "off" ? {} : {
                  machineDetection: request.amd === "detect_beep" ? "DetectMessageEnd" : "Enable",
                  asyncAmd: "true",
                  asyncAmdStatusCallback: callbackUrl("amd", callId),
                  asyncAmdStatusCallbackMethod: "POST"
                })
              })
            ).pipe(Effect.map((created) => created.sid)),
          {
            // A 429 means Twilio did not create the call: the key may dial again.
            releaseOn: (error) => error._tag === "CarrierRateLimited",
            failureEvent: (callId, error): CallEvent => ({
              _tag: "Failed",
              callId,
              provider: "twilio",
              eventKey: `twilio:${callId}:create-failed`,
              at: 0,
              reason: error._tag === "CarrierRejected" ? "rejected" : "carrier_unavailable",
              detail: error.message,
              ...(error._tag === "CarrierRejected" ? { providerCode: error.code } : {})
            })
          }
        )
        yield* Ref.update(callerIds, (m) => new Map(m).set(handle.callId, request.from))
        return handle
      })

    const sidOf = (callId: string, operation: string, allowed: ReadonlyArray<CallState.Status>) =>
      ledger.requireStatus(callId, operation, allowed).pipe(
        Effect.flatMap((record) => {
          const sid = record.providerCallId ?? record.state.providerCallId
          return sid === undefined ? Effect.fail(new CallNotFound({ callId })) : Effect.succeed(sid)
        })
      )

    const updateTwiml = (callId: string, operation: string, twiml: string) =>
      Effect.gen(function*() {
        const sid = yield* sidOf(callId, operation, CallState.connected)
        yield* call(() => client.calls(sid).update({ twiml }))
        return sid
      })

    const emitBridged = (callId: string, sid: string, endpoint: string) =>
      Effect.gen(function*() {
        const at = yield* now
        yield* ledger.ingest({ _tag: "Bridged", callId, provider: "twilio", providerCallId: sid, eventKey: `twilio:${sid}:bridge:${endpoint}`, at, endpoint })
      }).pipe(Effect.orDie)

    const cancel: TelephonyService["cancel"] = (callId) =>
      sidOf(callId, "cancel", CallState.unanswered).pipe(
        Effect.flatMap((sid) => call(() => client.calls(sid).update({ status: "canceled" }))),
        Effect.asVoid
      )

    const hangUp: TelephonyService["hangUp"] = (callId) =>
      sidOf(callId, "hang up", CallState.live).pipe(
        Effect.flatMap((sid) => call(() => client.calls(sid).update({ status: "completed" }))),
        Effect.asVoid
      )

    const callerIdOf = (callId: string) => Ref.get(callerIds).pipe(Effect.map((m) => m.get(callId)))

    const bridge: TelephonyService["bridge"] = (callId, input) =>
      Effect.gen(function*() {
        const endpoint = yield* decodeEndpoint(input)
        const sid = yield* updateTwiml(callId, "bridge", Twiml.bridge(endpoint, yield* callerIdOf(callId)))
        yield* emitBridged(callId, sid, describeEndpoint(endpoint))
      })

    const playAndRelease: TelephonyService["playAndRelease"] = (callId, input) =>
      decodePrompt(input).pipe(Effect.flatMap((prompt) => updateTwiml(callId, "play safe-harbour message", Twiml.playAndHangUp(prompt))), Effect.asVoid)

    const dropVoicemail: TelephonyService["dropVoicemail"] = (callId, input) =>
      decodePrompt(input).pipe(Effect.flatMap((prompt) => updateTwiml(callId, "drop voicemail", Twiml.playAndHangUp(prompt))), Effect.asVoid)

    const transfer: TelephonyService["transfer"] = (callId, input) =>
      Effect.gen(function*() {
        const request = yield* decodeTransfer(input)
        const callerId = yield* callerIdOf(callId)
        if (request.mode === "cold") {
          const sid = yield* updateTwiml(callId, "cold transfer", Twiml.bridge(request.to, callerId))
          return yield* emitBridged(callId, sid, describeEndpoint(request.to))
        }
        // Warm: the caller waits in a conference; the target is dialled into the same room.
        const room = `warm-${request.department ?? "transfer"}-${callId}`
        if (callerId === undefined) {
          return yield* new InvalidCallRequest({ message: `warm transfer of call ${callId}: its caller id is unknown to this process` })
        }
        const to = request.to._tag === "Phone" ? request.to.number : request.to._tag === "Sip" ? request.to.uri : `client:${request.to.identity}`
        const sid = yield* updateTwiml(callId, "warm transfer", Twiml.conference(room))
        yield* call(() => client.calls.create({ to, from: callerId, twiml: Twiml.conference(room) }))
        yield* emitBridged(callId, sid, `conference:${room}`)
      })

    const connectMediaStream: TelephonyService["connectMediaStream"] = (callId, input) =>
      Effect.gen(function*() {
        const request = yield* decodeMediaStream(input)
        const sid = yield* updateTwiml(callId, "connect media stream", Twiml.stream(request.url, { callId, ...request.parameters }))
        yield* emitBridged(callId, sid, request.url)
      })

    const noContent = (event?: CallEvent): WebhookReply => ({
      status: 204,
      contentType: "text/plain",
      body: "",
      ...(event !== undefined ? { event } : {})
    })

    const resolveCallId = (url: URL, callSid: string) =>
      Effect.gen(function*() {
        const fromQuery = url.searchParams.get("callId")
        if (fromQuery !== null) {
          const found = yield* ledger.record(fromQuery).pipe(Effect.option)
          if (Option.isSome(found)) return found.value.callId
        }
        const bySid = yield* ledger.findByProviderCallId(callSid)
        if (Option.isSome(bySid)) return bySid.value.callId
        return yield* new MalformedWebhook({ provider: "twilio", message: `callback for unknown call (callId=${fromQuery ?? "none"}, CallSid=${callSid})` })
      })

    const handleWebhook: TelephonyService["handleWebhook"] = (request) =>
      Effect.gen(function*() {
        const params = yield* TwilioWebhook.verify(authToken, request)
        const url = new URL(request.url)
        if (params["AccountSid"] !== config.accountSid) {
          return yield* new MalformedWebhook({ provider: "twilio", message: `AccountSid '${params["AccountSid"] ?? ""}' is not this account (${config.accountSid})` })
        }
        const receivedAt = yield* now
        const kind = url.pathname.split("/").at(-1)
        let event: CallEvent
        if (kind === "amd") {
          const cb = yield* TwilioWebhook.decodeAmd(params)
          event = TwilioWebhook.amdToEvent(yield* resolveCallId(url, cb.CallSid), cb, receivedAt)
        } else if (kind === "status") {
          const cb = yield* TwilioWebhook.decodeStatus(params)
          event = TwilioWebhook.statusToEvent(yield* resolveCallId(url, cb.CallSid), cb, receivedAt)
        } else {
          return yield* new MalformedWebhook({ provider: "twilio", message: `unknown Twilio webhook path '${url.pathname}' (expected .../status or .../amd)` })
        }
        const t = yield* ledger.ingest(event).pipe(
          Effect.mapError((e) => new MalformedWebhook({ provider: "twilio", message: e.message }))
        )
        if (t._tag === "Applied" && isTerminal(t.event)) {
          // The caller id was kept only for mid-call dials; the call is over.
          yield* Ref.update(callerIds, (m) => {
            const next = new Map(m)
            next.delete(event.callId)
            return next
          })
        }
        return noContent(t._tag === "Applied" ? t.event : undefined)
      })

    return Telephony.of({
      provider: "twilio",
      originate,
      cancel,
      hangUp,
      bridge,
      playAndRelease,
      dropVoicemail,
      transfer,
      connectMediaStream,
      handleWebhook,
      state: (callId) => ledger.record(callId).pipe(Effect.map((r) => r.state)),
      events: ledger.events
    })
  })

/** Twilio over a call store supplied by the caller (the server's Postgres-backed one). */
export const layerWithStore = (config: TwilioConfig): Layer.Layer<Telephony, never, CallStore> => Layer.effect(Telephony, make(config))

/** Twilio with the in-memory call store. */
export const layer = (config: TwilioConfig): Layer.Layer<Telephony> =>
  layerWithStore(config).pipe(Layer.provide(CallStore.layerMemory))
