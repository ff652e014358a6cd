/**
 * The lean path for carrier webhooks: a `node:http` listener step in front of
 * the Effect router that answers `POST /webhooks/{twilio|plivo}/{kind}` itself
 * and hands every other request to the app unchanged.
 *
 * Why: a webhook does little work of its own (verify, decode, queue for the
 * group commit), so the generic HTTP stack (router, middleware chain, request
 * and response wrappers) was a large share of its CPU. Here the body is read
 * straight from the socket and `Webhooks.respond` (the very handler the routes
 * run, so signatures, decoding, storage, error statuses and metrics are the
 * same) runs on the services captured once when the server's layer is built.
 * Until then (and for any other path or method) requests go to the router,
 * which still carries the webhook routes.
 */
import { Effect, Layer } from "effect"
import { HttpServerResponse } from "effect/http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import * as Webhooks from "../Webhooks.ts"

/** Largest body accepted (carrier callbacks are a few KB); a larger one is a 413. */
export const maxBodyBytes = 1024 * 1024

type Listener = (request: IncomingMessage, response: ServerResponse) => void

/** `/webhooks/{provider}/{kind}` (a query string may follow) to its parts; `undefined` for any other path. */
export const match = (url: string): { readonly provider: Webhooks.Provider; readonly kind: string } | undefined => {
  if (!url.startsWith("/webhooks/")) return undefined
  const end = url.indexOf("?")
  const path = end === -1 ? url : url.slice(0, end)
  const provider = path.startsWith("/webhooks/twilio/") ? "twilio" : path.startsWith("/webhooks/plivo/") ? "plivo" : undefined
  if (provider === undefined) return undefined
  const kind = path.slice(`/webhooks/${provider}/`.length)
  // The router's `:kind` is one non-empty segment; anything else is the router's to answer (404).
  return kind === "" || kind.includes("/") ? undefined : { provider, kind }
}

const write = (res: ServerResponse, response: HttpServerResponse.HttpServerResponse) => {
  const headers: Record<string, string> = { ...response.headers }
  const body = response.body
  if (body._tag === "Uint8Array") {
    headers["content-type"] = body.contentType
    headers["content-length"] = String(body.body.length)
    res.writeHead(response.status, headers)
    res.end(body.body)
  } else if (body._tag === "Raw" && typeof body.body === "string") {
    if (body.contentType !== undefined) headers["content-type"] = body.contentType
    res.writeHead(response.status, headers)
    res.end(body.body)
  } else {
    res.writeHead(response.status, headers)
    res.end()
  }
}

const fail = (res: ServerResponse, status: number, tag: string, message: string) => {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify({ _tag: tag, message })
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) })
  res.end(body)
}

export interface LeanPath {
  /** Builds the handler from the layer's services; until it is built, every request goes to the router. */
  readonly install: Layer.Layer<never, never, Webhooks.Requirements>
  /** Wraps the server so that its `request` listener (the Effect app's) sees only what the lean path does not take. */
  readonly wrap: (server: Server) => Server
}

export const make = (): LeanPath => {
  let handle: ((provider: Webhooks.Provider, kind: string, req: IncomingMessage, res: ServerResponse) => void) | undefined

  const install = Layer.effectDiscard(Effect.gen(function*() {
    const context = yield* Effect.context<Webhooks.Requirements>()
    const run = Effect.runForkWith(context)
    handle = (provider, kind, req, res) => {
      const chunks: Array<Buffer> = []
      let size = 0
      let refused = false
      req.on("data", (chunk: Buffer) => {
        if (refused) return
        size += chunk.length
        if (size > maxBodyBytes) {
          refused = true
          fail(res, 413, "PayloadTooLarge", `webhook body larger than ${maxBodyBytes} bytes`)
          return
        }
        chunks.push(chunk)
      })
      req.on("error", () => res.destroy())
      req.on("end", () => {
        if (refused) return
        const body = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")
        const fiber = run(Webhooks.respond(provider, kind, {
          method: "POST",
          url: req.url ?? "/",
          headers: req.headers as Readonly<Record<string, string | undefined>>,
          body
        }))
        fiber.addObserver((exit) => {
          if (exit._tag === "Success") return write(res, exit.value)
          run(Effect.logError("webhook failed unexpectedly; answered 500", exit.cause))
          // The cause is logged, not sent: the carrier only needs to know to deliver the event again.
          fail(res, 500, "InternalError", "the webhook could not be handled; deliver it again")
        })
      })
    }
    yield* Effect.addFinalizer(() => Effect.sync(() => { handle = undefined }))
  }))

  const wrap = (server: Server): Server => {
    const on = server.on.bind(server)
    const off = server.off.bind(server)
    const wrapped = new Map<Listener, Listener>()
    // Only `request` listeners are wrapped (and unwrapped on `off`); the app's other listeners are untouched.
    server.on = ((event: string, listener: (...args: Array<unknown>) => void) => {
      if (event !== "request") return on(event, listener)
      const app = listener as unknown as Listener
      const step: Listener = (req, res) => {
        const target = handle !== undefined && req.method === "POST" && req.url !== undefined ? match(req.url) : undefined
        if (target === undefined || handle === undefined) return app(req, res)
        handle(target.provider, target.kind, req, res)
      }
      wrapped.set(app, step)
      return on("request", step)
    }) as Server["on"]
    server.off = ((event: string, listener: (...args: Array<unknown>) => void) => {
      const step = event === "request" ? wrapped.get(listener as unknown as Listener) : undefined
      if (step === undefined) return off(event, listener)
      wrapped.delete(listener as unknown as Listener)
      return off("request", step)
    }) as Server["off"]
    return server
  }

  return { install, wrap }
}
