/**
 * The dialing-session test rig: the worker's app layers over a test database
 * (session store, Postgres event bus, the simulated carrier with a probe on
 * its originates, an engine with a probe on restores, the recording observer)
 * plus simulated agent desks, and a runner that starts the campaign workflow
 * on its own task queue of the real Temporal dev server.
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import type { SqlClient } from "effect/sql"
import type { WorkflowHandle } from "@temporalio/client"
import { expect } from "vitest"
import { CallStore, SimulatedCarrier, Telephony } from "@autodialer/telephony"
import { createActivities, type SessionServices } from "../../src/activities/Activities.ts"
import type { SessionOptions } from "../../src/activities/DialingSession.ts"
import type { CampaignConfig } from "../../src/CampaignConfig.ts"
import * as CarrierIngress from "../../src/CarrierIngress.ts"
import * as DialerEngineAdapter from "../../src/DialerEngineAdapter.ts"
import { EventBus } from "../../src/EventBus.ts"
import { Queries, campaignWorkflowId } from "../../src/Names.ts"
import { SessionEngine, type RestoreInput, type SessionEngineService } from "../../src/SessionEngine.ts"
import { ObservedEvents, SessionObserver, type SessionEvent } from "../../src/SessionObserver.ts"
import { SessionStore } from "../../src/SessionStore.ts"
import { createCampaignWorker } from "../../src/Worker.ts"
import type { campaignWorkflow } from "../../src/workflows/CampaignWorkflow.ts"
import { type DeskOptions, desks } from "./Agents.ts"
import { type Seed, type Seeded, query, seedCampaign } from "./Campaign.ts"
import { fastCarrier } from "./Carrier.ts"
import { openNowConfig } from "./Config.ts"
import type { TestDatabase } from "./Database.ts"
import { type TemporalHandles, sharedBundle, uniqueTaskQueue, withWorker } from "./Temporal.ts"

export type { Seed, Seeded } from "./Campaign.ts"

let carrierSeed = Math.floor(Math.random() * 1_000_000)

export const config = (patch: Partial<CampaignConfig> = {}): CampaignConfig =>
  openNowConfig({ pacing: "progressive", maxAttempts: 2, retryDelaySeconds: 1, maxLinesPerAgent: 1, abandonLimit: 0.03, sessionHeartbeatTimeoutSeconds: 5, ...patch })

export const fastSession: Partial<SessionOptions> = { tickMs: 100, idleExitMs: 1_500, ringTimeoutSec: 5, minRingSeconds: 5 }

export interface Harness {
  readonly runtime: ManagedRuntime.ManagedRuntime<SessionServices | ObservedEvents | SqlClient.SqlClient, unknown>
  /** Originates by idempotency key: how many times the carrier really dialled it. */
  readonly dialled: Map<string, number>
  /** When each idempotency key was first originated (epoch ms). */
  readonly dialledAt: Map<string, number>
  readonly restores: Array<RestoreInput>
  /** Everything the session published on the observer port. */
  readonly observed: () => ReadonlyArray<SessionEvent>
}

export interface HarnessOptions {
  readonly store?: Layer.Layer<SessionStore, never, SqlClient.SqlClient>
  readonly engine?: SessionEngineService
  readonly carrier?: Omit<SimulatedCarrier.Options, "seed">
  readonly desk?: DeskOptions
  /** Wraps the carrier (after the originate probe), e.g. to refuse dials or record voicemail drops. */
  readonly telephony?: (t: Telephony["Service"]) => Telephony["Service"]
}

export const makeHarness = (db: TestDatabase, options: HarnessOptions = {}): Harness => {
  const dialled = new Map<string, number>()
  const dialledAt = new Map<string, number>()
  const restores: Array<RestoreInput> = []
  const carrier = Layer.effect(Telephony, Effect.gen(function*() {
    // A seed per harness: the simulated carrier's call ids are `sim-<seed>-<n>`.
    const { telephony: inner } = yield* SimulatedCarrier.make({ ...(options.carrier ?? fastCarrier), seed: ++carrierSeed })
    const probed = Telephony.of({
      ...inner,
      originate: (request) => inner.originate(request).pipe(Effect.tap((handle) => Effect.sync(() => {
        if (handle.deduplicated) return
        dialled.set(request.idempotencyKey, (dialled.get(request.idempotencyKey) ?? 0) + 1)
        if (!dialledAt.has(request.idempotencyKey)) dialledAt.set(request.idempotencyKey, Date.now())
      })))
    })
    return Telephony.of(options.telephony === undefined ? probed : options.telephony(probed))
  })).pipe(Layer.provide(CallStore.layerMemory))
  const base = options.engine ?? (DialerEngineAdapter.dialerEngine as unknown as SessionEngineService)
  const engine = Layer.succeed(SessionEngine, {
    ...base,
    restore: (input: RestoreInput) => {
      restores.push(input)
      return base.restore(input)
    }
  })
  const layer = Layer.mergeAll(options.store ?? SessionStore.layerPg, EventBus.layerPg, carrier, engine, SessionObserver.layerTest).pipe(
    Layer.provideMerge(db.layer)
  )
  const runtime: ManagedRuntime.ManagedRuntime<SessionServices | ObservedEvents | SqlClient.SqlClient, unknown> = ManagedRuntime.make(layer)
  runtime.runFork(CarrierIngress.forward)
  runtime.runFork(desks(options.desk ?? { wrapMs: 50 }))
  // The recording outlives the runtime: tests read it after the campaign's run disposed it.
  let recorded: () => ReadonlyArray<SessionEvent> = () => []
  runtime.runFork(Effect.gen(function*() {
    recorded = (yield* ObservedEvents).all
  }))
  return { runtime, dialled, dialledAt, restores, observed: () => recorded() }
}

export const seedWith = (db: TestDatabase, seed: Seed) =>
  Effect.runPromise(seedCampaign(seed).pipe(Effect.provide(db.layer)) as Effect.Effect<Seeded, unknown>)

/** Starts the campaign workflow (auto-start) on a worker with the real session activity; disposes the harness after. */
export const runCampaign = async (
  t: TemporalHandles,
  db: TestDatabase,
  label: string,
  h: Harness,
  campaignConfig: CampaignConfig,
  body: (handle: WorkflowHandle<typeof campaignWorkflow>, seeded: Seeded) => Promise<void>,
  seed: Seed | Seeded,
  session: Partial<SessionOptions> = fastSession
): Promise<Seeded> => {
  const seeded = "campaignId" in seed ? seed : await seedWith(db, seed)
  const { campaignId } = seeded
  const taskQueue = uniqueTaskQueue(label)
  const worker = await createCampaignWorker({
    connection: t.nativeConnection, taskQueue, workflowBundle: await sharedBundle(), heartbeatThrottleMs: 300,
    activities: createActivities({ runtime: h.runtime, session })
  })
  try {
    await withWorker(worker, async () => {
      const handle = await t.client.workflow.start<typeof campaignWorkflow>("campaignWorkflow", {
        taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, config: campaignConfig, autoStart: true }]
      })
      try {
        await body(handle, seeded)
        expect(await handle.query(Queries.status)).toMatchObject({ campaignId })
      } finally {
        if ((await handle.describe()).status.name === "RUNNING") await handle.terminate("test over")
      }
    })
  } finally {
    await h.runtime.dispose()
  }
  return seeded
}

export interface CallRow {
  id: string; campaign_contact_id: string | null; attempt: number; status: string; outcome: string | null; answered_by: string | null
  ended: boolean; events: number; session_key: string; idempotency_key: string | null; old: boolean; agent_id: string | null
}

/** The campaign's calls; `old` ones are seeded spent budget (no queue entry). */
export const callsOf = (db: TestDatabase, campaignId: string) => query<CallRow>(db.layer,
  `SELECT c.id, c.campaign_contact_id, c.attempt, c.status, c.outcome, c.answered_by, c.ended_at IS NOT NULL AS ended,
      c.dialing_session AS session_key, c.idempotency_key, c.campaign_contact_id IS NULL AS old, c.agent_id,
      (SELECT count(*)::int FROM call_events e WHERE e.call_id = c.id) AS events
    FROM calls c WHERE c.campaign_id = $1`, [campaignId])

export const queueOf = (db: TestDatabase, campaignId: string) => query<{
  id: string; status: string; attempts: number; last_outcome: string | null; next_attempt_at: Date; contact_id: string
}>(db.layer, `SELECT id, status, attempts, last_outcome, next_attempt_at, contact_id FROM campaign_contacts WHERE campaign_id = $1`, [campaignId])
