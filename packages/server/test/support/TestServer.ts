/**
 * Boots the real server for integration tests: a fresh, migrated database
 * (unique per test file, dropped afterwards) on the Postgres at DATABASE_URL,
 * the HTTP server on a free loopback port, the in-memory realtime bus, and a
 * campaign control (and optionally CRM sync) of the caller's choice.
 */
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { HttpServer } from "effect/http"
import { SqlClient } from "effect/sql"
import * as TestDatabase from "@autodialer/domain/TestDatabase"
import { CampaignControl } from "../../src/CampaignControl.ts"
import type { CrmIntegration } from "../../src/CrmIntegration.ts"
import * as Provisioning from "../../src/Provisioning.ts"
import { Realtime } from "../../src/realtime/Realtime.ts"
import * as Server from "../../src/Server.ts"
import type { ServerConfig } from "../../src/ServerConfig.ts"
import { ServerConfigService } from "../../src/ServerContext.ts"

export interface TestServer<R = never> {
  readonly url: string
  readonly run: <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Realtime | R>) => Promise<A>
  /** Runs an effect in the background until `close`. */
  readonly fork: <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Realtime | R>) => void
  readonly provision: (slug: string) => Promise<Provisioning.Provisioned>
  readonly addUser: (orgId: string, role: "admin" | "manager" | "agent", email: string) => Promise<{ userId: string; apiKey: string }>
  readonly close: () => Promise<void>
}

export const twilioAuthToken = "test-twilio-auth-token-0123456789ab"
export const twilioAccountSid = `AC${"1".repeat(32)}`
export const plivoAuthToken = "test-plivo-auth-token-0123456789"

export const start = async <R = never>(options: {
  readonly databaseUrl: string
  readonly label: string
  readonly control?: Layer.Layer<CampaignControl>
  readonly database?: Layer.Layer<SqlClient.SqlClient, unknown>
  /** CRM sync (without it the CRM endpoints answer 503). */
  readonly crm?: Layer.Layer<CrmIntegration, never, SqlClient.SqlClient>
  /** More services for the server and the test, e.g. the in-process `EventBus` of the dialing sessions. */
  readonly services?: Layer.Layer<R, never, SqlClient.SqlClient>
}): Promise<TestServer<R>> => {
  const database = options.database ?? TestDatabase.layerPg(options.databaseUrl, options.label)
  let url = ""
  const config = (port: number): ServerConfig => ({
    port, host: "127.0.0.1", publicUrl: "", databaseUrl: Option.none(), dataDir: "", secretKey: Option.none(),
    temporalAddress: Option.none(), temporalNamespace: "default", temporalCliPath: Option.none(),
    twilioAccountSid: Option.some(twilioAccountSid), twilioAuthToken: Option.some(Redacted.make(twilioAuthToken)),
    plivoAuthToken: Option.some(Redacted.make(plivoAuthToken)), webDir: "/nonexistent"
  })
  // The public URL must be known before the port is: a mutable config read per request.
  const cfg = { ...config(0) }
  const deps = Layer.mergeAll(
    Realtime.layerMemory,
    options.control ?? CampaignControl.layerInProcess,
    options.crm ?? Layer.empty,
    options.services ?? Layer.empty,
    Layer.succeed(ServerConfigService, new Proxy(cfg, { get: (t, k) => k === "publicUrl" ? url : t[k as keyof ServerConfig] }))
  ).pipe(Layer.provideMerge(database))
  const runtime = ManagedRuntime.make(Server.layer({ port: 0, host: "127.0.0.1" }).pipe(Layer.provideMerge(deps)))
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (address._tag !== "InetAddressV4" && address._tag !== "InetAddressV6") throw new Error("expected a TCP address")
  url = `http://127.0.0.1:${address.port}`
  const run: TestServer<R>["run"] = (effect) => runtime.runPromise(effect)
  return {
    url,
    run,
    fork: (effect) => void runtime.runFork(effect),
    provision: (slug) =>
      run(Provisioning.createOrganization({ name: `Org ${slug}`, slug, admin: { email: `admin@${slug}.test`, fullName: `Admin ${slug}`, password: "correct horse battery" } })),
    addUser: (orgId, role, email) => run(Provisioning.addUser(orgId, { email, fullName: email, role, password: "correct horse battery" })),
    close: () => runtime.dispose()
  }
}

/** fetch with a bearer token and JSON. */
export const api = (base: string, token?: string) =>
  async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined || typeof body === "string" ? {} : { "content-type": "application/json" }),
        ...headers
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
    const text = await response.text()
    let json: any
    try {
      json = text === "" ? undefined : JSON.parse(text)
    } catch {
      json = text
    }
    return { status: response.status, body: json, text }
  }
