/**
 * The `npm start` experience, bounded in time: boot the embedded default on a
 * fresh PGlite data dir, see the demo campaign place simulated calls (stored
 * calls and carrier events, agents bridged), then shut down cleanly.
 */
import { Effect, Exit, Option, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { temporal } from "@autodialer/testkit"
import { Client, Connection } from "@temporalio/client"
import { Queries, campaignWorkflowId } from "@autodialer/workflows/Names"
import { randomUUID } from "node:crypto"
import { afterAll, describe, expect, it } from "vitest"
import * as App from "../src/App.ts"
import type { ServerConfig } from "../src/ServerConfig.ts"

const dataDir = mkdtempSync(join(tmpdir(), "autodialer-embedded-"))

const config: ServerConfig = {
  port: 0, host: "127.0.0.1", publicUrl: "http://127.0.0.1", databaseUrl: Option.none(), dataDir,
  secretKey: Option.none(), temporalAddress: Option.none(), temporalNamespace: "default", temporalCliPath: Option.none(),
  twilioAccountSid: Option.none(), twilioAuthToken: Option.none(), plivoAuthToken: Option.none(), webDir: "/nonexistent"
}

describe("embedded default (npm start)", () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

  it("boots on PGlite, runs the demo campaign and shuts down", async () => {
    const scope = Effect.runSync(Scope.make())
    try {
      const started = await Effect.runPromise(Scope.provide(App.start(config, "embedded", { seed: 7, temporal: "off" }), scope))
      expect(started.runtime).toBe("in-process")
      expect(started.demo?.seeded).toBe(true)
      const key = started.demo!.apiKey
      const get = async (path: string) => (await fetch(`${started.url}${path}`, { headers: { authorization: `Bearer ${key}` } })).json()

      // Within 40 s the campaign has placed calls, some answered and bridged to a simulated agent.
      let stats: { callsPlaced: number; connects: number; status: string } = { callsPlaced: 0, connects: 0, status: "" }
      const deadline = Date.now() + 40_000
      while (Date.now() < deadline && stats.connects === 0) {
        await new Promise((r) => setTimeout(r, 1_000))
        stats = await get(`/campaigns/${started.demo!.campaignId}/stats`)
      }
      expect(stats.status).toBe("running")
      expect(stats.callsPlaced).toBeGreaterThan(0)
      expect(stats.connects).toBeGreaterThan(0)
      const calls = await get(`/calls?campaignId=${started.demo!.campaignId}&limit=5`)
      expect(calls.items.length).toBeGreaterThan(0)
      const detail = await get(`/calls/${calls.items[calls.items.length - 1].id}`)
      expect(detail.events.length).toBeGreaterThan(0)
      expect(detail.events[0].provider).toBe("simulated")
    } finally {
      const closed = Date.now()
      await Effect.runPromise(Scope.close(scope, Exit.void))
      expect(Date.now() - closed).toBeLessThan(15_000)
    }
  }, 90_000)
})

const tp = temporal()

describe.skipIf(tp.skip)("embedded default with Temporal", () => {
  const dir = mkdtempSync(join(tmpdir(), "autodialer-embedded-temporal-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("runs the demo campaign's lifecycle in the campaign workflow and dials while its session runs", async () => {
    const scope = Effect.runSync(Scope.make())
    const taskQueue = `embedded-test-${randomUUID().slice(0, 8)}`
    try {
      const started = await Effect.runPromise(Scope.provide(App.start(
        { ...config, dataDir: dir, temporalAddress: Option.some(tp.value!) },
        "embedded",
        // Its own integrations queue: the analytics schedules the boot creates get ids of their own, removed on close.
        { seed: 11, taskQueue, integrationsTaskQueue: `${taskQueue}-integrations` }
      ), scope))
      expect(started.campaignRuntime._tag).toBe("temporal")
      const campaignId = started.demo!.campaignId
      const client = new Client({ connection: await Connection.connect({ address: tp.value! }) })
      const status = await client.workflow.getHandle(campaignWorkflowId(campaignId)).query(Queries.status)
      expect(status.lifecycle).toBe("running")
      const key = started.demo!.apiKey
      let placed = 0
      const deadline = Date.now() + 40_000
      while (Date.now() < deadline && placed === 0) {
        await new Promise((r) => setTimeout(r, 1_000))
        const stats = await (await fetch(`${started.url}/campaigns/${campaignId}/stats`, { headers: { authorization: `Bearer ${key}` } })).json()
        placed = stats.callsPlaced
      }
      expect(placed).toBeGreaterThan(0)
      // Pausing through the API pauses the workflow, whose session ends: the loop stops dialing.
      const paused = await fetch(`${started.url}/campaigns/${campaignId}/pause`, {
        method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: "{}"
      })
      expect(paused.status).toBe(200)
      expect((await client.workflow.getHandle(campaignWorkflowId(campaignId)).query(Queries.status)).lifecycle).toBe("paused")
      await client.workflow.getHandle(campaignWorkflowId(campaignId)).terminate("test done")
      await client.connection.close()
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }, 120_000)
})

