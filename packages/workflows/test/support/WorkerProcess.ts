/**
 * A campaign worker as its own OS process, for the failover test (which kills
 * it with SIGKILL). It hosts the simulated carrier in-process, as the embedded
 * default does, and records each originate the carrier accepts in
 * `carrier_originates` (test probe).
 *
 * Env: DATABASE_URL (the test database), TEMPORAL_ADDRESS, TASK_QUEUE, CARRIER_SEED.
 * Prints "worker ready" once it polls.
 */
import { NativeConnection } from "@temporalio/worker"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { Database } from "@autodialer/domain"
import { SqlClient } from "effect/sql"
import { CallStore, SimulatedCarrier, Telephony } from "@autodialer/telephony"
import { createActivities, type SessionServices } from "../../src/activities/Activities.ts"
import * as CarrierIngress from "../../src/CarrierIngress.ts"
import * as DialerEngineAdapter from "../../src/DialerEngineAdapter.ts"
import { EventBus } from "../../src/EventBus.ts"
import { SessionObserver } from "../../src/SessionObserver.ts"
import { SessionStore } from "../../src/SessionStore.ts"
import { createCampaignWorker } from "../../src/Worker.ts"
import { quietRuntime } from "./Temporal.ts"
import { fastCarrier } from "./Carrier.ts"

const env = (name: string): string => {
  const v = process.env[name]
  if (v === undefined || v === "") throw new Error(`WorkerProcess: ${name} is not set`)
  return v
}

quietRuntime()
// The product's client (with its name transforms), as a real worker builds it.
const db = Database.layerPg(Redacted.make(env("DATABASE_URL")), { maxConnections: 6 })
const carrier = Layer.effect(Telephony, Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const { telephony } = yield* SimulatedCarrier.make({ ...fastCarrier, seed: Number(env("CARRIER_SEED")) })
  return Telephony.of({
    ...telephony,
    originate: (request) => telephony.originate(request).pipe(Effect.tap((handle) =>
      sql`INSERT INTO carrier_originates (idempotency_key, pid, deduplicated) VALUES (${request.idempotencyKey}, ${process.pid}, ${handle.deduplicated})`
        .pipe(Effect.orDie)))
  })
})).pipe(Layer.provide(CallStore.layerMemory))
const app = Layer.mergeAll(SessionStore.layerPg, EventBus.layerPg, carrier, DialerEngineAdapter.layer, SessionObserver.layer).pipe(Layer.provide(db))
const runtime: ManagedRuntime.ManagedRuntime<SessionServices, unknown> = ManagedRuntime.make(app)
runtime.runFork(CarrierIngress.forward)

const connection = await NativeConnection.connect({ address: env("TEMPORAL_ADDRESS") })
const worker = await createCampaignWorker({
  connection, taskQueue: env("TASK_QUEUE"), heartbeatThrottleMs: 300, identity: `failover-worker-${process.pid}`,
  activities: createActivities({ runtime, session: { tickMs: 100, idleExitMs: 1_500, ringTimeoutSec: 5, minRingSeconds: 5, wrapUpTimeoutMs: 300 } })
})
console.log("worker ready")
await worker.run()
await runtime.dispose()
await connection.close()
