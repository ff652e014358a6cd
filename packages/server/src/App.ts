/**
 * Booting the server process: the database (PGlite in `AUTODIALER_DATA_DIR`
 * or Postgres at `DATABASE_URL`), migrations, the realtime bus, the campaign
 * control, CRM sync when Temporal is reachable (the credential key, the
 * `CrmSyncControl` and the integrations worker), and in the embedded default
 * the demo seed and the dialing sessions of the workflows package (the one
 * dialing loop) over the simulated carrier: run by the campaign workflow's
 * worker when Temporal is there, by the in-process driver otherwise, with
 * their events on the realtime channels; then the HTTP server. `main.ts` and the
 * CLI's `serve` call `run`; tests call `start` and get the URL back.
 */
import { Config, Console, Effect, Layer, Logger, ManagedRuntime, Option, References, type Scope } from "effect"
import { HttpServer } from "effect/http"
import { SqlClient } from "effect/sql"
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { NodeHttpClient } from "@effect/platform-node"
import { Client, Connection } from "@temporalio/client"
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type WorkflowBundleWithSourceMap } from "@temporalio/worker"
import { RateLimiter } from "@autodialer/crm-sync"
import { createAnalyticsEtlActivities } from "@autodialer/workflows/activities/AnalyticsEtlActivities"
import { createCrmSyncActivities } from "@autodialer/workflows/activities/CrmSyncActivities"
import type { SettingsFor } from "@autodialer/workflows/CrmSync"
import { createIntegrationsWorker } from "@autodialer/workflows/IntegrationsWorker"
import { analyticsScheduleIdsWith, upsertAnalyticsSchedules } from "@autodialer/workflows/Schedules"
import { createCampaignWorker, workflowsPath } from "@autodialer/workflows/Worker"
import { createActivities, type SessionServices } from "@autodialer/workflows/activities/Activities"
import type { SessionOptions } from "@autodialer/workflows/activities/DialingSession"
import * as CarrierIngress from "@autodialer/workflows/CarrierIngress"
import * as DialerEngineAdapter from "@autodialer/workflows/DialerEngineAdapter"
import { SessionStore } from "@autodialer/workflows/SessionStore"
import { Database, Migrations, Tenancy } from "@autodialer/domain"
import { AnalyticsRepo } from "@autodialer/domain/AnalyticsRepo"
import { ContactRepo } from "@autodialer/domain/ContactRepo"
import { CrmConnectionRepo } from "@autodialer/domain/CrmConnectionRepo"
import { CrmSyncLogRepo } from "@autodialer/domain/CrmSyncLogRepo"
import { DncRepo } from "@autodialer/domain/DncRepo"
import { Secrets } from "@autodialer/domain/Secrets"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { SimulatedCarrier } from "@autodialer/telephony"
import { EventBus } from "@autodialer/workflows/EventBus"
import { CampaignControl } from "./CampaignControl.ts"
import * as Settings from "./CampaignSettings.ts"
import * as CrmIntegration from "./CrmIntegration.ts"
import type { CampaignStats as CampaignStatsView } from "./api/Resources.ts"
import * as CampaignStats from "./CampaignStats.ts"
import * as Demo from "./embedded/Demo.ts"
import * as InProcessSessions from "./embedded/InProcessSessions.ts"
import * as SimulatedDesks from "./embedded/SimulatedDesks.ts"
import * as TemporalDev from "./embedded/TemporalDev.ts"
import { Realtime } from "./realtime/Realtime.ts"
import * as SessionEvents from "./realtime/SessionEvents.ts"
import * as Server from "./Server.ts"
import type { ServerConfig } from "./ServerConfig.ts"
import { ServerConfigService } from "./ServerContext.ts"

export type Mode = "embedded" | "serve"

export interface Started {
  readonly url: string
  readonly runtime: "temporal" | "in-process"
  readonly campaignRuntime: CampaignRuntime
  readonly demo?: Demo.DemoInfo
  /** Live stats of the demo campaign (embedded mode). */
  readonly demoStats?: Effect.Effect<CampaignStatsView>
}

/** The demo's simulated carrier: shorter rings and talks than real life, so a minute shows a lot. */
export const demoProfile: Partial<SimulatedCarrier.Profile> = {
  ringMedianMs: 4_000, talkMeanMs: 25_000, amdMedianMs: 1_500, greetingMedianMs: 6_000, promptMs: 4_000
}

/** Postgres at DATABASE_URL, or PGlite in `<AUTODIALER_DATA_DIR>/pglite` (created if missing). */
export const databaseLayer = (config: ServerConfig) => {
  if (Option.isSome(config.databaseUrl)) return Database.layerPg(config.databaseUrl.value)
  const dataDir = resolve(config.dataDir, "pglite")
  mkdirSync(dataDir, { recursive: true })
  return Database.layerPglite({ dataDir })
}

/** How the embedded default drives campaigns: the Temporal workflow (and which server), or the in-process loop alone. */
export type CampaignRuntime =
  | { readonly _tag: "temporal"; readonly address: string; readonly started: boolean }
  | { readonly _tag: "in-process"; readonly reason: string }

const embeddedRuntime = (config: ServerConfig, wanted: "auto" | "off") =>
  Effect.gen(function*() {
    if (wanted === "off") return { _tag: "in-process", reason: "Temporal disabled for this run" } satisfies CampaignRuntime
    if (Option.isSome(config.temporalAddress)) return { _tag: "temporal", address: config.temporalAddress.value, started: false } satisfies CampaignRuntime
    const binary = TemporalDev.locate(Option.getOrUndefined(config.temporalCliPath))
    if (binary === undefined) {
      return { _tag: "in-process", reason: `no Temporal CLI found (TEMPORAL_CLI_PATH or .tools/bin/temporal); build it with: ${TemporalDev.buildHint}` } satisfies CampaignRuntime
    }
    mkdirSync(resolve(config.dataDir), { recursive: true })
    const address = yield* TemporalDev.start(binary, resolve(config.dataDir)).pipe(Effect.result)
    if (address._tag === "Failure") return { _tag: "in-process", reason: address.failure.message } satisfies CampaignRuntime
    return { _tag: "temporal", address: address.success, started: true } satisfies CampaignRuntime
  })

/** The embedded default's dialing sessions: the demo's pace, with simulated agents wrapping up in 3 s. */
export interface EmbeddedSessions {
  readonly session?: Partial<SessionOptions>
  /** How long a simulated agent stays in wrap-up before it dispositions the call. */
  readonly simulatedWrapMs?: number
}

export const embeddedSessionDefaults: Partial<SessionOptions> = { ringTimeoutSec: 20, tickMs: 250, wrapUpTimeoutMs: 120_000 }

/**
 * Everything up to a listening server, in the caller's scope. `seed` fixes the
 * simulated carrier (tests); by default each boot draws new call ids.
 */
export const start = (
  config: ServerConfig,
  mode: Mode,
  options: {
    readonly seed?: number
    readonly sessions?: EmbeddedSessions
    readonly temporal?: "auto" | "off"
    /** Task queue of the campaign workflows (tests on a shared Temporal server use their own). */
    readonly taskQueue?: string
    /** Task queue of the CRM sync and ETL workflows (default `autodialer-integrations`). */
    readonly integrationsTaskQueue?: string
    /** Per-connection CRM settings not stored in the row (tests point HubSpot at a loopback fake). */
    readonly crmSettings?: SettingsFor
  } = {}
) =>
  Effect.gen(function*() {
    const embedded = mode === "embedded"
    const postgres = Option.isSome(config.databaseUrl)
    const runtime: CampaignRuntime = embedded
      ? yield* embeddedRuntime(config, options.temporal ?? "auto")
      : Option.isSome(config.temporalAddress)
      ? { _tag: "temporal", address: config.temporalAddress.value, started: false }
      : { _tag: "in-process", reason: "TEMPORAL_ADDRESS is not set" }
    const connection = runtime._tag === "temporal"
      ? yield* Effect.acquireRelease(
        Effect.promise(() => Connection.connect({ address: runtime.address })),
        (c) => Effect.promise(() => c.close()).pipe(Effect.ignore)
      )
      : undefined
    // A bad AUTODIALER_SECRET_KEY stops the boot: stored credentials would not open.
    const keyring = yield* CrmIntegration.keyring(config, embedded)
    const integrationsQueue = options.integrationsTaskQueue === undefined ? {} : { taskQueue: options.integrationsTaskQueue }
    const crm = connection === undefined || Option.isNone(keyring)
      ? CrmIntegration.CrmIntegration.layerUnavailable(connection === undefined
        ? `${CrmIntegration.temporalHint}${runtime._tag === "in-process" ? ` (now: ${runtime.reason})` : ""}`
        : CrmIntegration.secretKeyHint)
      : CrmIntegration.CrmIntegration.layer({
        client: new Client({ connection, namespace: config.temporalNamespace }), keyring: keyring.value, ...integrationsQueue
      })
    const base = Layer.mergeAll(
      postgres && !embedded ? Realtime.layerPg : Realtime.layerMemory,
      postgres && !embedded ? EventBus.layerPg : EventBus.layerMemory,
      connection === undefined ? CampaignControl.layerInProcess : CampaignControl.layerTemporal({
        connection, namespace: config.temporalNamespace, ...(options.taskQueue === undefined ? {} : { taskQueue: options.taskQueue })
      }),
      Layer.succeed(ServerConfigService, config),
      crm
    ).pipe(Layer.provideMerge(databaseLayer(config)))
    const context = yield* Layer.build(base)
    return yield* Effect.gen(function*() {
      yield* Migrations.migrate
      const control = yield* CampaignControl
      // One workflow bundle for both workers: bundling is the slow part of a worker's start.
      let bundle: Promise<WorkflowBundleWithSourceMap> | undefined
      const workflowBundle = () =>
        Effect.promise(() => (bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger("WARN") })))
      const workers = runtime._tag === "temporal" && (embedded || Option.isSome(keyring))
      if (workers) {
        // The workers' own logs (bundling, state changes) would drown the progress lines.
        // Installed before the first native connection, which creates the runtime.
        yield* Effect.sync(() => {
          try {
            Runtime.install({ logger: new DefaultLogger("WARN") })
          } catch {
            // Already installed in this process.
          }
        })
      }
      const native = workers && runtime._tag === "temporal"
        ? yield* Effect.acquireRelease(
          Effect.promise(() => NativeConnection.connect({ address: runtime.address })),
          (c) => Effect.promise(() => c.close()).pipe(Effect.ignore)
        )
        : undefined
      if (native !== undefined && Option.isSome(keyring)) {
        // CRM sync and analytics ETL activities run on their own Effect runtime over the same database and key.
        const integrations = yield* Effect.acquireRelease(
          Effect.sync(() =>
            ManagedRuntime.make(
              Layer.mergeAll(
                ContactRepo.layer, DncRepo.layer, AnalyticsRepo.layer, CrmConnectionRepo.layer, CrmSyncLogRepo.layer,
                NodeHttpClient.layerUndici, RateLimiter.layer
              ).pipe(Layer.provideMerge(Secrets.layer(keyring.value)), Layer.provideMerge(Layer.succeedContext(context)))
            )
          ),
          (rt) => Effect.promise(() => rt.dispose())
        )
        const integrationsBundle = yield* workflowBundle()
        const worker = yield* Effect.promise(() =>
          createIntegrationsWorker({
            connection: native,
            namespace: config.temporalNamespace,
            ...integrationsQueue,
            workflowBundle: integrationsBundle,
            activities: {
              ...createCrmSyncActivities({ runtime: integrations, ...(options.crmSettings === undefined ? {} : { settings: options.crmSettings }) }),
              ...createAnalyticsEtlActivities({ runtime: integrations })
            }
          }))
        yield* Effect.acquireRelease(
          Effect.sync(() => worker.run()),
          (running) => Effect.promise(async () => {
            worker.shutdown()
            await running.catch(() => undefined)
          })
        )
        if (connection !== undefined) {
          // The hourly and daily ETL schedules exist once a server with the integrations worker has
          // booted (an upsert: a reboot updates them in place). A server on its own integrations task
          // queue (tests on a shared Temporal) gets its own schedule ids, removed when it stops.
          const client = new Client({ connection, namespace: config.temporalNamespace })
          const scheduleOptions = options.integrationsTaskQueue === undefined
            ? {}
            : { taskQueue: options.integrationsTaskQueue, idSuffix: `:${options.integrationsTaskQueue}` }
          yield* Effect.promise(() => upsertAnalyticsSchedules(client, scheduleOptions))
          if (scheduleOptions.idSuffix !== undefined) {
            const ids = analyticsScheduleIdsWith(scheduleOptions.idSuffix)
            yield* Effect.addFinalizer(() =>
              Effect.promise(() =>
                Promise.all([ids.hourly, ids.daily].map((id) => client.schedule.getHandle(id).delete().catch(() => undefined)))
              )
            )
          }
        }
      }
      let demo: Demo.DemoInfo | undefined
      if (embedded) {
        const seeded = yield* Demo.ensure
        demo = seeded
        // Call ids must not repeat across boots (the data dir keeps old calls).
        const seed = options.seed ?? (Number(process.hrtime.bigint() % 2_000_000_000n))
        const sessionOptions: Partial<SessionOptions> = { ...embeddedSessionDefaults, ...options.sessions?.session }
        const desks = yield* SimulatedDesks.make(options.sessions?.simulatedWrapMs ?? 3_000)
        // The session's services over the server's database, event bus and realtime channels.
        const sessionLayer = Layer.mergeAll(
          SessionStore.layer,
          SimulatedCarrier.layer({ seed, profile: demoProfile }),
          DialerEngineAdapter.layer,
          SessionEvents.layer({ wrapUpSeconds: Math.round((sessionOptions.wrapUpTimeoutMs ?? 120_000) / 1000), also: desks })
        ).pipe(Layer.provideMerge(Layer.succeedContext(context)))
        const sessions = yield* Effect.acquireRelease(
          Effect.sync((): ManagedRuntime.ManagedRuntime<SessionServices | SqlClient.SqlClient | Realtime, never> => ManagedRuntime.make(sessionLayer)),
          (rt) => Effect.promise(() => rt.dispose())
        )
        // Carrier events are stored, then reach their session on the bus.
        sessions.runFork(CarrierIngress.forward)
        if (native !== undefined) {
          // The workflow owns the lifecycle; its activity runs the dialing session in this process.
          const campaignBundle = yield* workflowBundle()
          const activities = createActivities({ runtime: sessions, session: sessionOptions })
          const worker = yield* Effect.promise(() =>
            createCampaignWorker({
              connection: native,
              namespace: config.temporalNamespace,
              workflowBundle: campaignBundle,
              ...(options.taskQueue === undefined ? {} : { taskQueue: options.taskQueue }),
              activities: {
                async runDialingSession(input) {
                  const report = await activities.runDialingSession(input)
                  // The campaign row follows the workflow: an exhausted queue completes it.
                  if (report.outcome === "exhausted") await sessions.runPromise(InProcessSessions.markCompleted(input.campaignId))
                  return report
                }
              }
            }))
          yield* Effect.acquireRelease(
            Effect.sync(() => worker.run()),
            (running) => Effect.promise(async () => {
              // Sessions stop at once (Temporal retries them when a worker is back), rather than
              // waiting for every call in flight: Ctrl-C must not take the length of a call.
              await sessions.dispose()
              worker.shutdown()
              await running.catch(() => undefined)
            })
          )
          const settings = yield* Tenancy.withTenant(seeded.orgId as OrganizationId)(
            SqlClient.SqlClient.pipe(Effect.flatMap((sql) => sql<{ readonly mode: string; readonly callingWindow: unknown; readonly abandonPolicy: unknown; readonly attemptRules: unknown; readonly retryRules: unknown; readonly pacing: unknown }>`
              SELECT mode, calling_window, abandon_policy, attempt_rules, retry_rules, pacing FROM campaigns WHERE id = ${seeded.campaignId}`))
          )
          yield* control.start(seeded.campaignId, Settings.toWorkflowConfig(settings[0]!.mode, Settings.fromColumns(settings[0]!))).pipe(
            Effect.catch((e) => Effect.logInfo(`demo campaign workflow: ${e.message}`))
          )
        } else {
          // No Temporal: the same sessions, driven in process by each campaign's status.
          sessions.runFork(InProcessSessions.run({ session: sessionOptions }))
        }
      }
      const server = yield* Layer.build(Server.layer({ port: config.port, host: config.host }))
      const address = yield* Effect.provide(Effect.map(HttpServer.HttpServer, (h) => h.address), server)
      const port = address._tag === "UnixPathAddress" ? config.port : address.port
      const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`
      const demoStats = demo === undefined
        ? undefined
        : stats(demo.orgId, demo.campaignId, control.runtime).pipe(Effect.provide(context), Effect.orDie)
      return { url, runtime: control.runtime, campaignRuntime: runtime, ...(demo === undefined ? {} : { demo }), ...(demoStats === undefined ? {} : { demoStats }) } satisfies Started
    }).pipe(Effect.provide(context))
  })

/**
 * `LOG_FORMAT=json` switches every log line to one JSON object (with the call
 * and campaign ids the code annotates); `LOG_LEVEL` (default Info) sets the
 * minimum level: per-call lines are Debug, so the demo's console stays readable.
 */
export const loggerLayer = Layer.unwrap(Effect.map(
  Config.all({
    format: Config.Literals(["pretty", "json"] as const, "LOG_FORMAT").pipe(Config.withDefault("pretty" as const)),
    level: Config.Literals(["Trace", "Debug", "Info", "Warn", "Error"] as const, "LOG_LEVEL").pipe(Config.withDefault("Info" as const))
  }),
  ({ format, level }) =>
    Layer.mergeAll(
      format === "json" ? Logger.layer([Logger.consoleJson]) : Layer.empty,
      Layer.succeed(References.MinimumLogLevel, level)
    )
))

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** One progress line of a campaign. */
export const progressLine = (s: CampaignStatsView): string =>
  `calls placed ${s.callsPlaced} | in flight ${s.callsInFlight} | connects ${s.connects} | abandon ${pct(s.abandonRate)} (limit ${pct(s.abandonLimit)})` +
  ` | talk ${s.talkMinutesPerAgentHour.toFixed(1)} min/agent-hour | agents ${s.agents.on_call} on call, ${s.agents.wrap_up} wrap-up, ${s.agents.available} ready` +
  ` | queue ${s.queue.pending} left`

export const stats = (orgId: string, campaignId: string, runtime: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* Tenancy.withTenant(orgId as OrganizationId)(Effect.gen(function*() {
      const row = (yield* sql<{ readonly status: string; readonly callingWindow: unknown; readonly abandonPolicy: unknown; readonly attemptRules: unknown; readonly retryRules: unknown; readonly pacing: unknown }>`
        SELECT status, calling_window, abandon_policy, attempt_rules, retry_rules, pacing FROM campaigns WHERE id = ${campaignId}`)[0]!
      return yield* CampaignStats.compute(campaignId, row.status, Settings.fromColumns(row).abandonLimit, runtime)
    }))
  })

/** Boots, prints the banner and progress every `everyMs`, and runs until interrupted (Ctrl-C). */
export const run = (config: ServerConfig, mode: Mode, everyMs = 5_000): Effect.Effect<never, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const started = yield* start(config, mode)
    const where = Option.isSome(config.databaseUrl) ? "Postgres (DATABASE_URL)" : `PGlite in ${join(resolve(config.dataDir), "pglite")}`
    yield* Console.log([
      "",
      `Autodialer is running at ${started.url}`,
      `  database:        ${where}`,
      `  campaigns:       ${started.campaignRuntime._tag === "temporal"
        ? `Temporal workflow at ${started.campaignRuntime.address}${started.campaignRuntime.started ? " (local dev server, state in the data dir)" : ""}` +
          (mode === "embedded" ? "; its dialing session runs in this process with the simulated carrier" : "")
        : `dialing sessions driven in process, without Temporal (${started.campaignRuntime.reason})`}`,
      `  API docs:        ${started.url}/docs   OpenAPI: ${started.url}/openapi.json`,
      ...(started.demo === undefined ? [] : [
        `  demo login:      organization "${Demo.slug}", ${Demo.adminEmail} / ${Demo.adminPassword}`,
        `  demo API key:    ${started.demo.apiKey}`,
        "",
        `Try: curl -H "Authorization: Bearer ${started.demo.apiKey}" ${started.url}/campaigns/${started.demo.campaignId}/stats`,
        `     curl -N "${started.url}/realtime/campaigns/${started.demo.campaignId}?access_token=${started.demo.apiKey}"`,
        "",
        `Campaign "${started.demo.campaignName}" is running with 4 simulated agents. Progress every ${everyMs / 1000} s (Ctrl-C to stop):`
      ])
    ].join("\n"))
    const demoStats = started.demoStats
    if (demoStats !== undefined) {
      yield* Effect.forkScoped(Effect.forever(Effect.gen(function*() {
        yield* Effect.sleep(everyMs)
        const s = yield* demoStats
        yield* Console.log(`[${new Date().toISOString().slice(11, 19)}] ${progressLine(s)}`)
      })))
    }
    return yield* Effect.never
  })
