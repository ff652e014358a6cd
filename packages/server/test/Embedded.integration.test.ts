/**
 * The `npm start` experience, bounded in time: boot the embedded default on a
 * fresh PGlite data dir, see the demo campaign place simulated calls (stored
 * calls and carrier events, agents bridged), then shut down cleanly.
 */
import { Effect, Exit, Option, Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
