/**
 * Carrier webhooks: `POST /webhooks/twilio/{status|amd|voice}` and
 * `POST /webhooks/plivo/{ring|answer|hangup|machine}`.
 *
 * Each request is verified against the provider's signature (the telephony
 * package's `TwilioWebhook.verify` / `PlivoWebhook.verify`, over the public
 * URL the provider called), decoded, stored once in `call_events` by the
 * group-commit `CallEventBatcher` (answered only after its batch has
 * committed), and then published to the session that owns the campaign (the
 * workflows' `EventBus`). The answer follows the commit: 204 for status
 * callbacks, TwiML / Plivo XML for the documents a live call needs next (hold
 * until the engine bridges it, or bridge to its agent). A forged request is
 * a 403 and writes nothing; a batch that could not be committed is a 503
 * (with Retry-After), so the carrier delivers the event again.
 */
import { Clock, Duration, Effect, Layer, LogLevel, Option, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { SqlClient } from "effect/sql"
import { CallEvent as CallEvents, PlivoAdapter, PlivoWebhook, TwilioAdapter, TwilioWebhook, type WebhookRequest } from "@autodialer/telephony"
import * as CallEventStore from "./CallEventStore.ts"
import { Metrics } from "./Metrics.ts"
import { ServerConfigService } from "./ServerContext.ts"
import { CallEventBatcher } from "./webhooks/CallEventBatcher.ts"

type CallEvent = CallEvents.CallEvent

const problem = (status: number, error: string, message: string) =>
  HttpServerResponse.jsonUnsafe({ _tag: error, message }, { status })

/** A webhook as it arrived: the path and query (`url`) the server saw, before the public URL is prefixed. */
export interface Incoming {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
}

const toWebhookRequest = (incoming: Incoming, publicUrl: string): WebhookRequest => ({
  method: incoming.method === "GET" ? "GET" : "POST",
  url: `${publicUrl}${incoming.url}`,
  headers: incoming.headers,
  body: incoming.body
})

/** Stored with the next batch (and published after its commit); `undefined` when the call is not ours. */
const ingest = (event: CallEvent, payload: unknown, callIdHint: string | undefined) =>
  Effect.gen(function*() {
    const batcher = yield* CallEventBatcher
    const stored = yield* batcher.submit({ event, payload, callIdHint })
    // The per-event line is built only when Debug is on: under load this runs for every webhook.
    if (stored !== undefined && (yield* LogLevel.isEnabled("Debug"))) {
      yield* Effect.logDebug(`webhook ${event._tag} ${stored.inserted ? "stored" : "duplicate"}`).pipe(
        Effect.annotateLogs({ callId: stored.call.id, campaignId: stored.call.campaignId ?? "none", provider: event.provider, eventKey: event.eventKey })
      )
    }
    return stored
  })

const replyStored = (stored: CallEventStore.Stored | undefined, event: CallEvent) =>
  stored === undefined
    ? Effect.as(
      Effect.logWarning(`webhook for an unknown call ${event.provider}:${event.providerCallId ?? "?"}; not stored`),
      HttpServerResponse.empty({ status: 202 })
    )
    : Effect.succeed(HttpServerResponse.empty({ status: 204 }))

const twilio = (kind: string, incoming: Incoming) =>
  Effect.gen(function*() {
    const config = yield* ServerConfigService
    if (Option.isNone(config.twilioAuthToken)) {
      return problem(404, "NotConfigured", "Twilio webhooks are not configured on this server: set TWILIO_AUTH_TOKEN and TWILIO_ACCOUNT_SID")
    }
    const hook = toWebhookRequest(incoming, config.publicUrl)
    const params = yield* TwilioWebhook.verify(Redacted.value(config.twilioAuthToken.value), hook)
    if (Option.isSome(config.twilioAccountSid) && params["AccountSid"] !== config.twilioAccountSid.value) {
      return problem(403, "InvalidWebhookSignature", `AccountSid '${params["AccountSid"] ?? ""}' is not this server's account`)
    }
    const callIdHint = new URL(hook.url).searchParams.get("callId") ?? undefined
    const now = yield* Clock.currentTimeMillis
    if (kind === "status") {
      const event = TwilioWebhook.statusToEvent(callIdHint ?? "", yield* TwilioWebhook.decodeStatus(params), now)
      return yield* replyStored(yield* ingest(event, params, callIdHint), event)
    }
    if (kind === "amd") {
      const event = TwilioWebhook.amdToEvent(callIdHint ?? "", yield* TwilioWebhook.decodeAmd(params), now)
      return yield* replyStored(yield* ingest(event, params, callIdHint), event)
    }
    if (kind === "voice") {
      // The answer URL: bridge to the call's agent when one is assigned, otherwise hold for the engine.
      const call = yield* CallEventStore.findCall("twilio", params["CallSid"], callIdHint)
      const twiml = call?.agentId
        ? TwilioAdapter.Twiml.bridge({ _tag: "Client", identity: `agent-${call.agentId}` })
        : TwilioAdapter.Twiml.hold(30)
      return HttpServerResponse.text(twiml, { contentType: "text/xml" })
    }
    return problem(404, "UnknownWebhook", `unknown Twilio webhook '${kind}' (expected status, amd or voice)`)
  })

const plivo = (kind: string, incoming: Incoming) =>
  Effect.gen(function*() {
    const config = yield* ServerConfigService
    if (Option.isNone(config.plivoAuthToken)) {
      return problem(404, "NotConfigured", "Plivo webhooks are not configured on this server: set PLIVO_AUTH_TOKEN")
    }
    const hook = toWebhookRequest(incoming, config.publicUrl)
    const params = yield* PlivoWebhook.verify(Redacted.value(config.plivoAuthToken.value), hook)
    const callIdHint = new URL(hook.url).searchParams.get("callId") ?? undefined
    const now = yield* Clock.currentTimeMillis
    if (kind === "ring" || kind === "answer" || kind === "hangup") {
      const event = PlivoWebhook.callToEvent(callIdHint ?? "", yield* PlivoWebhook.decodeCall(params), now)
      const stored = yield* ingest(event, params, callIdHint)
      if (kind !== "answer") return yield* replyStored(stored, event)
      const xml = stored?.call.agentId
        ? PlivoAdapter.PlivoXml.bridge({ _tag: "Client", identity: `agent-${stored.call.agentId}` }, `${config.publicUrl}/webhooks/plivo/dial`)
        : PlivoAdapter.PlivoXml.hold(30)
      return HttpServerResponse.text(xml, { contentType: "application/xml" })
    }
    if (kind === "machine") {
      const event = PlivoWebhook.machineToEvent(callIdHint ?? "", yield* PlivoWebhook.decodeMachine(params), now)
      return yield* replyStored(yield* ingest(event, params, callIdHint), event)
    }
    return problem(404, "UnknownWebhook", `unknown Plivo webhook '${kind}' (expected ring, answer, hangup or machine)`)
  })

/** What answering a webhook needs from the server. */
export type Requirements = ServerConfigService | SqlClient.SqlClient | CallEventBatcher | Metrics

const providers = {
  twilio,
  plivo
} satisfies Record<string, (kind: string, incoming: Incoming) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, Requirements>>

export type Provider = keyof typeof providers

/**
 * Answers one webhook of `provider` (the `kind` is the last path segment):
 * verified, decoded, stored, and its latency recorded in the metrics. Shared by
 * the router's routes and the lean listener step (`webhooks/LeanPath.ts`).
 */
export const respond = (provider: Provider, kind: string, incoming: Incoming) =>
  providers[provider](kind, incoming).pipe(
    Effect.catch((error: unknown) => {
      const e = error as { readonly _tag?: string; readonly message?: string }
      if (e._tag === "InvalidWebhookSignature") return Effect.succeed(problem(403, e._tag, e.message ?? "signature mismatch"))
      if (e._tag === "MalformedWebhook") return Effect.succeed(problem(400, e._tag, e.message ?? "malformed webhook"))
      if (e._tag === "EventStoreUnavailable") {
        return Effect.succeed(problem(503, e._tag, e.message ?? "event store unavailable").pipe(HttpServerResponse.setHeader("retry-after", "1")))
      }
      return Effect.die(error)
    }),
    Effect.timed,
    Effect.flatMap(([elapsed, response]) =>
      Effect.map(Metrics, (m) => {
        m.webhook(provider, response.status, Duration.toMillis(elapsed) / 1000)
        return response
      }))
  )

const handle = (provider: Provider) =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    const request = yield* HttpServerRequest.HttpServerRequest
    const body = yield* request.text
    return yield* respond(provider, params["kind"] ?? "", { method: request.method, url: request.url, headers: request.headers, body })
  }).pipe(
    Effect.catchTag("HttpServerError", (error) => Effect.succeed(problem(400, "MalformedWebhook", `could not read the request body: ${error.message}`)))
  )

/** The routes (the lean listener step answers most webhooks before they reach the router; see `Server.ts`). */
export const layer = Layer.mergeAll(
  HttpRouter.add("POST", "/webhooks/twilio/:kind", handle("twilio")),
  HttpRouter.add("POST", "/webhooks/plivo/:kind", handle("plivo"))
)
