/**
 * Boots what the browser tests need: the pages built by Vite into a temporary
 * folder, the real reference server (HttpApi, realtime channels, static files)
 * on a fresh, migrated Postgres database and a free loopback port, the
 * workflows package's dialing sessions driven in process as the embedded
 * default does without Temporal (each running campaign gets one), dialling
 * through the simulated carrier (seeded; every call answered by a person after
 * about a second, so a ready agent gets a bridged call at once) with their
 * events on the realtime channels and agent changes on the in-process event
 * bus, and a TCP proxy in front of it. The browser talks only to the proxy, so a test can cut
 * every open connection (the realtime streams included) the way a flaky
 * network or a restarting load balancer would, and let the browser reconnect.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, connect, type Server as NetServer, type Socket } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Fiber, Layer, ManagedRuntime, Option } from "effect"
import { HttpServer } from "effect/http"
import type { SqlClient } from "effect/sql"
import * as TestDatabase from "@autodialer/domain/TestDatabase"
import { CampaignControl } from "@autodialer/server/CampaignControl"
import * as InProcessSessions from "@autodialer/server/embedded/InProcessSessions"
import * as SessionEvents from "@autodialer/server/realtime/SessionEvents"
import { SimulatedCarrier } from "@autodialer/telephony"
import * as CarrierIngress from "@autodialer/workflows/CarrierIngress"
import * as DialerEngineAdapter from "@autodialer/workflows/DialerEngineAdapter"
import { EventBus } from "@autodialer/workflows/EventBus"
import { SessionStore } from "@autodialer/workflows/SessionStore"
import * as Provisioning from "@autodialer/server/Provisioning"
import { Realtime } from "@autodialer/server/realtime/Realtime"
import * as Server from "@autodialer/server/Server"
import type { ServerConfig } from "@autodialer/server/ServerConfig"
import { ServerConfigService } from "@autodialer/server/ServerContext"
import { build } from "vite"

export const webRoot = join(import.meta.dirname, "..", "..")

/** Builds the pages with the package's own Vite config into `outDir`. */
export const buildPages = async (outDir: string): Promise<void> => {
  await build({ configFile: join(webRoot, "vite.config.ts"), root: webRoot, logLevel: "warn", build: { outDir, emptyOutDir: true, sourcemap: false } })
}

export interface Proxy {
  readonly port: number
  /** Destroys every open connection; with `refuseMs`, also refuses new ones for that long. */
  readonly drop: (refuseMs?: number) => void
  readonly close: () => Promise<void>
}

export const startProxy = async (targetPort: number): Promise<Proxy> => {
  const sockets = new Set<Socket>()
  let refuseUntil = 0
  const server: NetServer = createServer((client) => {
    if (Date.now() < refuseUntil) {
      client.destroy()
      return
    }
    const upstream = connect(targetPort, "127.0.0.1")
    sockets.add(client)
    sockets.add(upstream)
    const end = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on("error", end).on("close", end)
    upstream.on("error", end).on("close", end)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("proxy: expected a TCP address")
  return {
    port: address.port,
    drop: (refuseMs = 0) => {
      refuseUntil = Date.now() + refuseMs
      for (const s of sockets) s.destroy()
      sockets.clear()
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  }
}

export interface ConsoleServer {
  /** The proxy's URL: what the browser opens. */
  readonly url: string
  /** The server's own URL, for setting up data over the API without the proxy. */
  readonly directUrl: string
  readonly proxy: Proxy
  readonly run: <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient | Realtime>) => Promise<A>
  readonly close: () => Promise<void>
}

export const password = "correct horse battery"

/** Everyone answers, in person, after about a second, and talks for about five seconds (the carrier's minimum). */
export const carrierProfile: Partial<SimulatedCarrier.Profile> = {
  busy: 0, failed: 0, answer: 1, machine: 0, ringMedianMs: 1_000, talkMeanMs: 1_000
}

export const start = async (options: { readonly databaseUrl: string; readonly label: string }): Promise<ConsoleServer> => {
  let stopRunner: () => Promise<unknown> = async () => undefined
  const webDir = mkdtempSync(join(tmpdir(), "autodialer-web-"))
  await buildPages(webDir)
  const config: ServerConfig = {
    port: 0, host: "127.0.0.1", publicUrl: "http://127.0.0.1", databaseUrl: Option.none(), dataDir: "", secretKey: Option.none(),
    temporalAddress: Option.none(), temporalNamespace: "default", temporalCliPath: Option.none(),
    twilioAccountSid: Option.none(), twilioAuthToken: Option.none(), plivoAuthToken: Option.none(), webDir
  }
  const deps = Layer.mergeAll(
    Realtime.layerMemory,
    EventBus.layerMemory,
    CampaignControl.layerInProcess,
    Layer.succeed(ServerConfigService, config)
  ).pipe(Layer.provideMerge(TestDatabase.layerPg(options.databaseUrl, options.label)))
  const runtime = ManagedRuntime.make(Server.layer({ port: 0, host: "127.0.0.1" }).pipe(Layer.provideMerge(deps)))
  // The sessions run for the runtime's life (over its database, bus and realtime channels) and are interrupted by dispose().
  const sessions = Layer.mergeAll(
    SessionStore.layer,
    SimulatedCarrier.layer({ seed: 11, profile: carrierProfile }),
    DialerEngineAdapter.layer,
    SessionEvents.layer({ wrapUpSeconds: 120 })
  )
  const dialing = Effect.gen(function*() {
    const context = yield* Layer.build(sessions)
    yield* Effect.forkScoped(CarrierIngress.forward.pipe(Effect.provideContext(context)))
    return yield* InProcessSessions.run({ pollMs: 500, session: { tickMs: 200, wrapUpTimeoutMs: 120_000 } }).pipe(Effect.provideContext(context))
  })
  await runtime.runPromise(Effect.forkDetach(Effect.scoped(dialing)).pipe(
    Effect.tap((fiber) => Effect.sync(() => { stopRunner = () => runtime.runPromise(Fiber.interrupt(fiber)) }))
  ))
  const address = await runtime.runPromise(Effect.map(HttpServer.HttpServer, (s) => s.address))
  if (address._tag !== "InetAddressV4" && address._tag !== "InetAddressV6") throw new Error("expected a TCP address")
  const proxy = await startProxy(address.port)
  return {
    url: `http://127.0.0.1:${proxy.port}`,
    directUrl: `http://127.0.0.1:${address.port}`,
    proxy,
    run: (effect) => runtime.runPromise(effect),
    close: async () => {
      await stopRunner()
      await proxy.close()
      await runtime.dispose()
      rmSync(webDir, { recursive: true, force: true })
    }
  }
}

export const provision = (server: ConsoleServer, slug: string) =>
  server.run(Provisioning.createOrganization({
    name: `Org ${slug}`, slug, admin: { email: `admin@${slug}.test`, fullName: "Ada Admin", password }
  }))

export const addUser = (server: ConsoleServer, orgId: string, role: "admin" | "manager" | "agent", email: string, fullName: string) =>
  server.run(Provisioning.addUser(orgId, { email, fullName, role, password }))

/** A JSON client of the server with a bearer token, for test setup and for checking what the pages did. */
export const client = (base: string, token: string) =>
  async <A = unknown>(method: string, path: string, body?: unknown): Promise<A> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`)
    return (text === "" ? undefined : JSON.parse(text)) as A
  }
