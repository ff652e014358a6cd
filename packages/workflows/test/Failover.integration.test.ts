/**
 * Failover across processes: a worker process running a campaign is killed
 * with SIGKILL mid-campaign and a second worker process is started. The
 * campaign finishes; no attempt is dialled twice; no call record is lost; the
 * abandon budget is carried over, not reset. Real Postgres, the real Temporal
 * dev server, the real engine; the simulated carrier lives in each worker
 * process (as in the embedded default), so the calls of the killed worker die
 * with it and the new session must settle them from Postgres.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgres, temporal } from "@autodialer/testkit"
import { campaignWorkflowId } from "../src/Names.ts"
import type { campaignWorkflow } from "../src/workflows/CampaignWorkflow.ts"
import { type Seeded, query, seedCampaign, seedSpentBudget } from "./support/Campaign.ts"
import { openNowConfig } from "./support/Config.ts"
import { type TestDatabase, createTestDatabase } from "./support/Database.ts"
import { type TemporalHandles, connectTemporal, eventually, uniqueTaskQueue } from "./support/Temporal.ts"

const pg = postgres()
const server = temporal()
const workerScript = fileURLToPath(new URL("./support/WorkerProcess.ts", import.meta.url))

describe.skipIf(pg.skip || server.skip)("failover: SIGKILL a worker process mid-campaign", () => {
  let db: TestDatabase
  let t: TemporalHandles
  const children: Array<ChildProcess> = []
  beforeAll(async () => {
    db = await createTestDatabase(pg.value!, "failover")
    t = await connectTemporal(server.value!)
  })
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
    await t?.close()
    await db?.drop()
  })

  /** The last output of each worker process, for a failure message. */
  const logs = new Map<ChildProcess, string>()

  /**
   * The campaign's result, or, when it has not ended within `ms`, an error that says what is stuck: the queue by
   * status, the calls still open, the workflow's pending activity and each worker's last output.
   */
  const resultWithin = async <A>(handle: { result(): Promise<A>; describe(): Promise<{ raw: { pendingActivities?: unknown } }> }, campaignId: string, ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void (async () => {
          const queue = await query(db.layer, `SELECT status, count(*)::int AS n FROM campaign_contacts WHERE campaign_id = $1 GROUP BY status`, [campaignId])
          const open = await query(db.layer, `SELECT session_call_id, status, carrier_call_id, dialing_session FROM calls
            WHERE campaign_id = $1 AND campaign_contact_id IS NOT NULL AND ended_at IS NULL`, [campaignId])
          const pending = JSON.stringify((await handle.describe()).raw.pendingActivities ?? []).slice(0, 2000)
          const workers = [...logs.entries()].map(([c, log]) => `--- worker ${c.pid} (exit ${c.exitCode ?? c.signalCode ?? "running"}):\n${log}`).join("\n")
          reject(new Error(`the campaign did not end within ${ms} ms\nqueue: ${JSON.stringify(queue)}\nopen calls: ${JSON.stringify(open)}\npending activities: ${pending}\n${workers}`))
        })().catch(reject)
      }, ms)
    })
    try {
      return await Promise.race([handle.result(), stuck])
    } finally {
      clearTimeout(timer)
    }
  }

  const startWorker = (taskQueue: string, seed: number): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["--conditions=@autodialer/source", workerScript], {
        env: { ...process.env, DATABASE_URL: db.url, TEMPORAL_ADDRESS: server.value!, TASK_QUEUE: taskQueue, CARRIER_SEED: String(seed) },
        stdio: ["ignore", "pipe", "pipe"]
      })
      children.push(child)
      let err = ""
      const timer = setTimeout(() => reject(new Error(`worker did not start in 30 s: ${err}`)), 30_000)
      child.stderr!.on("data", (d: Buffer) => {
        err = (err + d.toString()).slice(-4000)
        logs.set(child, ((logs.get(child) ?? "") + d.toString()).slice(-4000))
      })
      child.stdout!.on("data", (d: Buffer) => {
        logs.set(child, ((logs.get(child) ?? "") + d.toString()).slice(-4000))
        if (d.toString().includes("worker ready")) {
          clearTimeout(timer)
          resolve(child)
        }
      })
      child.on("exit", (code, signal) => {
        clearTimeout(timer)
        if (signal === null) reject(new Error(`worker exited with ${code}: ${err}`))
      })
    })

  it("finishes the campaign on a second worker without dialling an attempt twice, losing a call record or resetting the abandon budget", async () => {
    const seeded = await Effect.runPromise(seedCampaign({ contacts: 40, agents: 10 }).pipe(Effect.provide(db.layer)) as Effect.Effect<Seeded, unknown>)
    const { campaignId } = seeded
    // Spent budget from earlier today (calls with no queue entry): 40 live answers, 1 abandoned.
    await seedSpentBudget(db.layer, seeded)
    const taskQueue = uniqueTaskQueue("failover")
    const first = await startWorker(taskQueue, 1_000 + Math.floor(Math.random() * 1000))
    const handle = await t.client.workflow.start<typeof campaignWorkflow>("campaignWorkflow", {
      taskQueue, workflowId: campaignWorkflowId(campaignId),
      args: [{ campaignId, autoStart: true, config: openNowConfig({
        pacing: "progressive", maxAttempts: 3, retryDelaySeconds: 1, maxLinesPerAgent: 1, sessionHeartbeatTimeoutSeconds: 3
      }) }]
    })
    try {
      const newCalls = () => query<{ ended: boolean; human: boolean }>(db.layer,
        `SELECT ended_at IS NOT NULL AS ended, answered_by IS NOT DISTINCT FROM 'human' AS human
         FROM calls WHERE campaign_id = $1 AND campaign_contact_id IS NOT NULL`, [campaignId])
      await eventually(newCalls, (rows) => rows.length >= 12 && rows.some((r) => !r.ended) && rows.some((r) => r.human), 60_000,
        "answered calls and calls in flight on the first worker")
      first.kill("SIGKILL")
      const inFlightAtKill = (await newCalls()).filter((r) => !r.ended).length
      expect(inFlightAtKill).toBeGreaterThan(0)
      await startWorker(taskQueue, 5_000 + Math.floor(Math.random() * 1000))
      // Alone it takes about a minute; the bound leaves room for a loaded machine and for the diagnosis.
      const final = await resultWithin(handle, campaignId, 170_000)
      expect(final.lifecycle).toBe("completed")

      const calls = await query<{ id: string; contact: string; attempt: number; ended: boolean; answered_by: string | null; session_key: string }>(db.layer,
        `SELECT id, campaign_contact_id AS contact, attempt, ended_at IS NOT NULL AS ended, answered_by, dialing_session AS session_key
         FROM calls WHERE campaign_id = $1 AND campaign_contact_id IS NOT NULL`, [campaignId])
      // No call record lost: every call the carriers accepted is stored and ended.
      const originates = await query<{ key: string; pid: number; deduplicated: boolean }>(db.layer,
        `SELECT idempotency_key AS key, pid, deduplicated FROM carrier_originates
         WHERE split_part(idempotency_key, ':', 1) IN (SELECT id::text FROM campaign_contacts WHERE campaign_id = $1)`, [campaignId])
      const placed = originates.filter((o) => !o.deduplicated)
      expect(new Set(placed.map((o) => o.pid)).size).toBe(2)
      expect(calls.every((c) => c.ended)).toBe(true)
      const callKeys = new Set(calls.map((c) => `${c.contact}:${c.attempt}`))
      for (const o of placed) expect(callKeys.has(o.key)).toBe(true)
      // No attempt dialled twice, by either process.
      expect(new Set(placed.map((o) => o.key)).size).toBe(placed.length)
      // Every contact final under the attempt rules.
      const queue = await query<{ status: string; attempts: number }>(db.layer,
        `SELECT status, attempts FROM campaign_contacts WHERE campaign_id = $1`, [campaignId])
      for (const row of queue) {
        expect(["completed", "exhausted"]).toContain(row.status)
        expect(row.attempts).toBeLessThanOrEqual(3)
      }
      // The budget: the last session started from everything stored before it, including the killed worker's answers.
      const killedHumans = calls.filter((c) => c.session_key.endsWith("#1") && c.answered_by === "human").length
      expect(killedHumans).toBeGreaterThan(0)
      expect(final.lastSession!.abandon.liveAnswers).toBeGreaterThanOrEqual(40 + killedHumans)
      expect(final.lastSession!.abandon.abandoned).toBeGreaterThanOrEqual(1)
    } finally {
      if ((await handle.describe()).status.name === "RUNNING") await handle.terminate("test over")
    }
  }, 240_000)
})
