/**
 * The Plivo adapter of the `Telephony` port, built on the official `plivo`
 * SDK: the Make Call API (`answer_url`, `ring_url`, `hangup_url`,
 * `ring_timeout`, `machine_detection` with `machine_detection_url`), Plivo XML
 * for every call-control document, V3-signed webhooks (see `PlivoWebhook`),
 * and the Transfer API for mid-call actions.
 *
 * Plivo fetches call-control XML from a URL, so a mid-call action stores its
 * document under a fresh token and transfers the call to
 * `{webhookBaseUrl}/action?callId=…&token=…`; `handleWebhook` serves it.
 * `request_uuid` (from Make Call) cancels a call before answer; `CallUUID`
 * (from the callbacks) hangs up and transfers a live one.
 */
import { Clock, Effect, Layer, Option, Redacted, Ref } from "effect"
import { type CallEvent, isTerminal } from "./CallEvent.ts"
import * as CallState from "./CallState.ts"
import { CallStore } from "./CallStore.ts"
import * as Ledger from "./internal/Ledger.ts"
import * as PlivoSdk from "./internal/PlivoSdk.ts"
import * as PlivoWebhook from "./PlivoWebhook.ts"
import {
  type AgentEndpoint,
  decodeEndpoint,
  decodeMediaStream,
  decodeOriginate,
  decodePrompt,
  decodeTransfer,
  type Prompt,
  Telephony,
  type TelephonyService,
  type WebhookReply
} from "./Telephony.ts"
import {
  CarrierRateLimited,
  CarrierRejected,
  CarrierUnavailable,
  InvalidCallState,
  MalformedWebhook,
  type TelephonyError
} from "./TelephonyError.ts"

export interface PlivoConfig {
  readonly authId: string
  readonly authToken: Redacted.Redacted<string>
  /** Public base URL the server routes to `handleWebhook`, e.g. https://dialer.example.com/webhooks/plivo */
  readonly webhookBaseUrl: string
  /** Send API requests to this origin instead of https://api.plivo.com (a loopback fake in tests). */
  readonly apiBaseUrl?: string
  /** Seconds an answered call waits in silence for the engine's next command. */
  readonly holdSeconds?: number
}

const toError = (error: unknown): TelephonyError => {
  const e = error as PlivoSdk.PlivoHttpError | undefined
  const status = typeof e?.status === "number" ? e.status : undefined
  const message = `Plivo${status !== undefined ? ` HTTP ${status}` : ""}: ${e?.message ?? String(error)}`
  if (status === undefined) return new CarrierUnavailable({ provider: "plivo", message })
  if (status === 429) {
    return new CarrierRateLimited({ provider: "plivo", message, ...(e?.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) })
  }
  if (status >= 500) return new CarrierUnavailable({ provider: "plivo", message, httpStatus: status })
  return new CarrierRejected({ provider: "plivo", code: String(status), message, httpStatus: status })
}

const addPrompt = (r: PlivoSdk.PlivoXmlResponse, prompt: Prompt) => {
  if (prompt._tag === "Audio") r.addPlay(prompt.url)
  else r.addSpeak(prompt.text)
}

const addTarget = (dial: PlivoSdk.PlivoXmlElement, endpoint: AgentEndpoint) => {
  switch (endpoint._tag) {
    case "Phone": dial.addNumber(endpoint.number.replace(/^\+/, "")); break
    case "Sip": dial.addUser(endpoint.uri); break
    // Plivo reaches browser/app clients as SIP endpoints.
    case "Client": dial.addUser(`sip:${endpoint.identity}@phone.plivo.com`); break
  }
}

/** The Plivo XML documents this adapter serves. */
export const PlivoXml = {
  hold: (seconds: number): string => {
    const r = PlivoSdk.xmlResponse()
    r.addWait({ length: seconds })
    return r.toXML()
  },
  bridge: (endpoint: AgentEndpoint, callbackUrl: string, callerId?: string): string => {
    const r = PlivoSdk.xmlResponse()
    addTarget(r.addDial({ callbackUrl, callbackMethod: "POST", ...(callerId !== undefined ? { callerId: callerId.replace(/^\+/, "") } : {}) }), endpoint)
    return r.toXML()
  },
  playAndHangUp: (prompt: Prompt): string => {
    const r = PlivoSdk.xmlResponse()
    addPrompt(r, prompt)
    r.addHangup()
    return r.toXML()
  },
  conference: (room: string): string => {
    const r = PlivoSdk.xmlResponse()
    r.addConference(room, { startConferenceOnEnter: true, endConferenceOnExit: false })
    return r.toXML()
  },
  stream: (url: string, extraHeaders: Readonly<Record<string, string>>): string => {
    const r = PlivoSdk.xmlResponse()
    const headers = Object.entries(extraHeaders).map(([k, v]) => `${k}=${v}`).join(",")
    r.addStream(url, { bidirectional: true, keepCallAlive: true, contentType: "audio/x-mulaw;rate=8000", ...(headers !== "" ? { extraHeaders: headers } : {}) })
    return r.toXML()
  }
}

export const make = (config: PlivoConfig) =>
  Effect.gen(function*() {
    const authToken = Redacted.value(config.authToken)
    const calls = config.apiBaseUrl !== undefined
      ? PlivoSdk.callsAt(config.apiBaseUrl, config.authId, authToken)
      : PlivoSdk.calls(config.authId, authToken)
    const ledger = yield* Ledger.make("plivo", Effect.sync(() => crypto.randomUUID()))
    const holdSeconds = config.holdSeconds ?? 60
    const base = config.webhookBaseUrl.replace(/\/+$/, "")
    const url = (kind: string, callId: string, extra = "") => `${base}/${kind}?callId=${encodeURIComponent(callId)}${extra}`
    interface Meta {
      readonly requestUuid: string
      readonly from: string
    }
    const meta = yield* Ref.make<ReadonlyMap<string, Meta>>(new Map())
    // Mid-call documents waiting for Plivo to fetch them, by token.
    const documents = yield* Ref.make<ReadonlyMap<string, string>>(new Map())
    const tokens = yield* Ref.make(0)
    // Calls to record from the answer on (Plivo records through <Record recordSession>).
    const recording = yield* Ref.make<ReadonlySet<string>>(new Set())

    const call = <A>(f: () => Promise<A>) => Effect.tryPromise({ try: f, catch: toError })

    const originate: TelephonyService["originate"] = (input) =>
      Effect.gen(function*() {
        const request = yield* decodeOriginate(input)
        const handle = yield* ledger.originateOnce(
          request.idempotencyKey,
          (callId) =>
            call(() =>
              calls.create(request.from.replace(/^\+/, ""), request.to.replace(/^\+/, ""), url("answer", callId), {
                answerMethod: "POST",
                ringUrl: url("ring", callId),
                ringMethod: "POST",
                hangupUrl: url("hangup", callId),
                hangupMethod: "POST",
                ringTimeout: request.ringTimeoutSec,
                ...(request.amd === "off" ? {} : {
                  // Plivo has no end-of-greeting detection: both modes ask for asynchronous detection.
                  machineDetection: "true",
                  machineDetectionUrl: url("amd", callId),
                  machineDetectionMethod: "POST"
                })
              })
            ).pipe(
              Effect.map((created) => (Array.isArray(created.requestUuid) ? created.requestUuid[0] : created.requestUuid) as string),
              Effect.tap((requestUuid) => Ref.update(meta, (m) => new Map(m).set(callId, { requestUuid, from: request.from })))
            ),
          {
            releaseOn: (error) => error._tag === "CarrierRateLimited",
            failureEvent: (callId, error): CallEvent => ({
              _tag: "Failed",
              callId,
              provider: "plivo",
              eventKey: `plivo:${callId}:create-failed`,
              at: 0,
              reason: error._tag === "CarrierRejected" ? "rejected" : "carrier_unavailable",
              detail: error.message
            })
          }
        )
        // Recording in Plivo is an XML <Record> or the Record API after answer; we start it on answer.
        if (request.record) yield* Ref.update(recording, (s) => new Set(s).add(handle.callId))
        return handle
      })
    const metaOf = (callId: string) => Ref.get(meta).pipe(Effect.map((m) => m.get(callId)))

    const cancel: TelephonyService["cancel"] = (callId) =>
      Effect.gen(function*() {
        yield* ledger.requireStatus(callId, "cancel", CallState.unanswered)
        const m = yield* metaOf(callId)
        if (m === undefined) return yield* new InvalidCallState({ callId, operation: "cancel", status: "not yet accepted by Plivo" })
        yield* call(() => calls.cancel(m.requestUuid))
      })

    const hangUp: TelephonyService["hangUp"] = (callId) =>
      Effect.gen(function*() {
        const record = yield* ledger.requireStatus(callId, "hang up", CallState.live)
        const callUuid = record.state.providerCallId
        // Before the first callback only the request UUID is known: cancel the request instead.
        if (callUuid === undefined) return yield* cancel(callId)
        yield* call(() => calls.hangup(callUuid))
      })

    const transferTo = (callId: string, operation: string, xml: string) =>
      Effect.gen(function*() {
        const record = yield* ledger.requireStatus(callId, operation, CallState.connected)
        const callUuid = record.state.providerCallId ?? ""
        const n = yield* Ref.updateAndGet(tokens, (t) => t + 1)
        const token = `${callId}.${n}`
        yield* Ref.update(documents, (d) => new Map(d).set(token, xml))
        yield* call(() => calls.transfer(callUuid, { legs: "aleg", alegUrl: url("action", callId, `&token=${encodeURIComponent(token)}`), alegMethod: "POST" }))
        return callUuid
      })

    const emitBridged = (callId: string, callUuid: string, endpoint: string) =>
      Clock.currentTimeMillis.pipe(
        Effect.flatMap((at) =>
          ledger.ingest({ _tag: "Bridged", callId, provider: "plivo", providerCallId: callUuid, eventKey: `plivo:${callUuid}:bridge:${endpoint}`, at, endpoint })
        ),
        Effect.orDie
      )

    const bridge: TelephonyService["bridge"] = (callId, input) =>
      Effect.gen(function*() {
        const endpoint = yield* decodeEndpoint(input)
        const m = yield* metaOf(callId)
        // The Bridged event comes from the Dial callback once the agent leg answers.
        yield* transferTo(callId, "bridge", PlivoXml.bridge(endpoint, url("dial", callId), m?.from))
      })

    const playAndRelease: TelephonyService["playAndRelease"] = (callId, input) =>
      decodePrompt(input).pipe(Effect.flatMap((p) => transferTo(callId, "play safe-harbour message", PlivoXml.playAndHangUp(p))), Effect.asVoid)

    const dropVoicemail: TelephonyService["dropVoicemail"] = (callId, input) =>
      decodePrompt(input).pipe(Effect.flatMap((p) => transferTo(callId, "drop voicemail", PlivoXml.playAndHangUp(p))), Effect.asVoid)

    const transfer: TelephonyService["transfer"] = (callId, input) =>
      Effect.gen(function*() {
        const request = yield* decodeTransfer(input)
        const m = yield* metaOf(callId)
        if (request.mode === "cold") {
          yield* transferTo(callId, "cold transfer", PlivoXml.bridge(request.to, url("dial", callId), m?.from))
          return
        }
        const room = `warm-${request.department ?? "transfer"}-${callId}`
        const callUuid = yield* transferTo(callId, "warm transfer", PlivoXml.conference(room))
        if (m === undefined) return yield* new InvalidCallState({ callId, operation: "warm transfer", status: "caller id unknown to this process" })
        const n = yield* Ref.updateAndGet(tokens, (t) => t + 1)
        const token = `${callId}.${n}`
        yield* Ref.update(documents, (d) => new Map(d).set(token, PlivoXml.conference(room)))
        const to = request.to._tag === "Phone" ? request.to.number.replace(/^\+/, "") : request.to._tag === "Sip" ? request.to.uri : `sip:${request.to.identity}@phone.plivo.com`
        yield* call(() => calls.create(m.from.replace(/^\+/, ""), to, url("action", callId, `&token=${encodeURIComponent(token)}`), { answerMethod: "POST" }))
        yield* emitBridged(callId, callUuid, `conference:${room}`)
      })

    const connectMediaStream: TelephonyService["connectMediaStream"] = (callId, input) =>
      Effect.gen(function*() {
        const request = yield* decodeMediaStream(input)
        const callUuid = yield* transferTo(callId, "connect media stream", PlivoXml.stream(request.url, { callId, ...request.parameters }))
        yield* emitBridged(callId, callUuid, request.url)
      })

    const xml = (body: string, event?: CallEvent): WebhookReply => ({
      status: 200,
      contentType: "application/xml",
      body,
      ...(event !== undefined ? { event } : {})
    })
    const empty = (event?: CallEvent): WebhookReply => ({ status: 204, contentType: "text/plain", body: "", ...(event !== undefined ? { event } : {}) })

    const resolveCallId = (target: URL, callUuid: string) =>
      Effect.gen(function*() {
        const fromQuery = target.searchParams.get("callId")
        if (fromQuery !== null) {
          const found = yield* ledger.record(fromQuery).pipe(Effect.option)
          if (Option.isSome(found)) return found.value.callId
        }
        const byUuid = yield* ledger.findByProviderCallId(callUuid)
        if (Option.isSome(byUuid)) return byUuid.value.callId
        return yield* new MalformedWebhook({ provider: "plivo", message: `callback for unknown call (callId=${fromQuery ?? "none"}, CallUUID=${callUuid})` })
      })

    /** Per-call memory (request UUID, caller id, pending documents) is dropped when the call ends. */
    const forget = (callId: string) =>
      Effect.all([
        Ref.update(meta, (m) => {
          const next = new Map(m)
          next.delete(callId)
          return next
        }),
        Ref.update(recording, (r) => {
          const next = new Set(r)
          next.delete(callId)
          return next
        }),
        Ref.update(documents, (d) => new Map([...d].filter(([token]) => !token.startsWith(`${callId}.`))))
      ], { discard: true })

    const ingest = (event: CallEvent) =>
      ledger.ingest(event).pipe(
        Effect.tap((t) => (t._tag === "Applied" && isTerminal(t.event) ? forget(event.callId) : Effect.void)),
        Effect.map((t) => (t._tag === "Applied" ? t.event : undefined)),
        Effect.mapError((e) => new MalformedWebhook({ provider: "plivo", message: e.message }))
      )

    const handleWebhook: TelephonyService["handleWebhook"] = (request) =>
      Effect.gen(function*() {
        const params = yield* PlivoWebhook.verify(authToken, request)
        let target: URL
        try {
          target = new URL(request.url)
        } catch {
          return yield* new MalformedWebhook({ provider: "plivo", message: `webhook URL '${request.url}' is not an absolute URL` })
        }
        const at = yield* Clock.currentTimeMillis
        const kind = target.pathname.split("/").at(-1)
        switch (kind) {
          case "ring":
          case "answer":
          case "hangup": {
            const cb = yield* PlivoWebhook.decodeCall(params)
            const callId = yield* resolveCallId(target, cb.CallUUID)
            const event = yield* ingest(PlivoWebhook.callToEvent(callId, cb, at))
            if (kind !== "answer") return empty(event)
            // The answer_url must return XML: hold the line (recording it if asked) until the engine decides.
            const record = (yield* Ref.get(recording)).has(callId)
            const r = PlivoSdk.xmlResponse()
            if (record) r.addRecord({ action: url("recording", callId), startOnDialAnswer: false, recordSession: true, redirect: false, maxLength: 3600 })
            r.addWait({ length: holdSeconds })
            return xml(r.toXML(), event)
          }
          case "amd": {
            const cb = yield* PlivoWebhook.decodeMachine(params)
            const callId = yield* resolveCallId(target, cb.CallUUID)
            return empty(yield* ingest(PlivoWebhook.machineToEvent(callId, cb, at)))
          }
          case "dial": {
            const cb = yield* PlivoWebhook.decodeDial(params)
            const callId = yield* resolveCallId(target, cb.CallUUID)
            if (cb.DialAction !== "answer") return empty()
            const endpoint = cb.DialBLegTo ?? "agent"
            return empty(yield* ingest({ _tag: "Bridged", callId, provider: "plivo", providerCallId: cb.CallUUID, eventKey: `plivo:${cb.CallUUID}:dial-answer:${cb.DialBLegUUID ?? endpoint}`, at, endpoint }))
          }
          case "action": {
            const token = target.searchParams.get("token") ?? ""
            const doc = (yield* Ref.get(documents)).get(token)
            if (doc === undefined) return yield* new MalformedWebhook({ provider: "plivo", message: `no call-control document for token '${token}'` })
            return xml(doc)
          }
          default:
            return yield* new MalformedWebhook({ provider: "plivo", message: `unknown Plivo webhook path '${target.pathname}' (expected ring, answer, hangup, amd, dial or action)` })
        }
      })

    return Telephony.of({
      provider: "plivo",
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

export const layerWithStore = (config: PlivoConfig): Layer.Layer<Telephony, never, CallStore> => Layer.effect(Telephony, make(config))

export const layer = (config: PlivoConfig): Layer.Layer<Telephony> => layerWithStore(config).pipe(Layer.provide(CallStore.layerMemory))
