/**
 * The HTTP server, composed: the HttpApi routes (and `/openapi.json`), the
 * self-contained Scalar docs page at `/docs` (its script is bundled in
 * `effect`, nothing is fetched from the internet), provider webhooks,
 * realtime channels and the web console's static files from
 * `packages/server/web/dist` at `/` when they have been built.
 *
 * Requires: SqlClient, CampaignControl, Realtime, ServerConfigService
 * (and, optionally, the workflows' EventBus for webhook events and the
 * CrmIntegration; without it the CRM endpoints answer 503).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiError, HttpApiScalar } from "effect/http-api"
import { existsSync, readFileSync, statSync } from "node:fs"
import { createServer } from "node:http"
import { extname, join, normalize, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Api } from "./api/Api.ts"
import * as Authentication from "./http/Authentication.ts"
import * as AgentHandlers from "./http/AgentHandlers.ts"
import * as CampaignHandlers from "./http/CampaignHandlers.ts"
import * as CatalogHandlers from "./http/CatalogHandlers.ts"
import * as ContactHandlers from "./http/ContactHandlers.ts"
import * as CrmHandlers from "./http/CrmHandlers.ts"
import * as IdentityHandlers from "./http/IdentityHandlers.ts"
import * as PreviewHandlers from "./http/PreviewHandlers.ts"
import * as Metrics from "./Metrics.ts"
import * as Channels from "./realtime/Channels.ts"
import { ServerConfigService } from "./ServerContext.ts"
import * as Webhooks from "./Webhooks.ts"
import { CallEventBatcher } from "./webhooks/CallEventBatcher.ts"
import * as LeanPath from "./webhooks/LeanPath.ts"

const handlers = Layer.mergeAll(
  IdentityHandlers.layer,
  ContactHandlers.layer,
  CatalogHandlers.layer,
  CampaignHandlers.layer,
  AgentHandlers.layer,
  PreviewHandlers.layer,
  CrmHandlers.layer
).pipe(Layer.provide(Authentication.layer))

const apiRoutes = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(Layer.provide(handlers))

/**
 * A request that fails schema decoding is answered 400 with the issue, which
 * names the field, the value and what was expected (the default is an empty 400).
 */
const schemaErrors = HttpRouter.middleware((app) =>
  Effect.catchDefect(app, (defect) =>
    HttpApiError.HttpApiSchemaError.is(defect)
      ? Effect.succeed(HttpServerResponse.jsonUnsafe({
        _tag: "InvalidRequest",
        field: defect.kind.toLowerCase(),
        message: `invalid ${defect.kind.toLowerCase()}: ${defect.cause.message}`
      }, { status: defect.kind === "Body" ? 500 : 400 }))
      : Effect.die(defect)), { global: true })

const defaultWebDir = fileURLToPath(new URL("../web/dist", import.meta.url))

const contentTypes: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".woff2": "font/woff2", ".map": "application/json"
}

const landing = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Autodialer</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .25rem}</style>
</head><body><h1>Autodialer</h1><p>The server is running.</p><ul>
<li><a href="/docs">API reference</a> (interactive)</li><li><a href="/openapi.json">OpenAPI document</a></li>
<li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a></li></ul>
<p>The web console is served here once <code>packages/server/web/dist</code> has been built.</p></body></html>`

/** Serves `web/dist` (single-page app: unknown paths get index.html), or a landing page. */
const staticFiles = Layer.unwrap(Effect.gen(function*() {
  const config = yield* ServerConfigService
  const root = resolve(config.webDir === "" ? defaultWebDir : config.webDir)
  const serve = Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname)
    const index = join(root, "index.html")
    if (!existsSync(index)) return HttpServerResponse.html(landing)
    const file = normalize(join(root, path))
    const target = file.startsWith(root) && existsSync(file) && statSync(file).isFile() ? file : index
    return HttpServerResponse.uint8Array(new Uint8Array(readFileSync(target)), {
      contentType: contentTypes[extname(target)] ?? "application/octet-stream"
    })
  })
  return Layer.mergeAll(HttpRouter.add("GET", "/", serve), HttpRouter.add("GET", "/*", serve))
}))

/** Every route of the server, before it is bound to a port. */
export const routes = Layer.mergeAll(
  apiRoutes,
  HttpApiScalar.layer(Api, { path: "/docs" }),
  Webhooks.layer,
  Channels.layer,
  Metrics.route,
  staticFiles,
  schemaErrors
)

/**
 * The routes served on `port` (0 picks a free one) of `host`. Carrier
 * webhooks (`POST /webhooks/*`) are answered by a lean listener step in front
 * of the router (`webhooks/LeanPath.ts`: same handler, same services, without
 * the generic HTTP stack's per-request cost); everything else reaches the router.
 */
export const layer = (options: { readonly port: number; readonly host: string }) => {
  const lean = LeanPath.make()
  return Layer.mergeAll(HttpRouter.serve(routes, { disableLogger: true }), lean.install).pipe(
    Layer.provide(Metrics.Metrics.layer),
    Layer.provide(CallEventBatcher.layer()),
    Layer.provideMerge(NodeHttpServer.layer(() => lean.wrap(createServer()), { port: options.port, host: options.host }))
  )
}
