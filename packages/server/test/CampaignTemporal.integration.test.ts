/**
 * Starting, pausing and stopping a campaign through the API drives the real
 * campaign workflow on the Temporal dev server (TEMPORAL_ADDRESS). The
 * worker hosts the workflows package's workflow code; its dialing-session
 * activity here only heartbeats until the workflow cancels it, because this
 * test is about the lifecycle path (API -> update -> workflow), not dialing.
 */
import { postgres, temporal } from "@autodialer/testkit"
import { Client, Connection } from "@temporalio/client"
import { NativeConnection, type Worker } from "@temporalio/worker"
import { Context } from "@temporalio/activity"
import { Queries, campaignWorkflowId } from "@autodialer/workflows/Names"
import { createCampaignWorker } from "@autodialer/workflows/Worker"
import type { CampaignActivities } from "@autodialer/workflows/CampaignActivities"
import { randomUUID } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CampaignControl } from "../src/CampaignControl.ts"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()
const tp = temporal()

const waitingActivities: CampaignActivities = {
  async runDialingSession(input) {
    const ctx = Context.current()
    for (;;) {
      ctx.heartbeat()
      const cancelled = await Promise.race([ctx.cancelled.then(() => false, () => true), new Promise<false>((r) => setTimeout(() => r(false), 200))])
      if (cancelled) break
    }
    return { outcome: "cancelled", dialsPlaced: 0, callsFinished: 0, contactsRemaining: 1, abandon: { liveAnswers: 0, abandoned: 0 }, ...(input.draining ? {} : {}) }
  }
}

describe.skipIf(pg.skip || tp.skip)("campaign lifecycle through the Temporal workflow", () => {
  let server: TestServer
  let worker: Worker
  let running: Promise<void>
  let client: Client
  let key: string
  const taskQueue = `server-test-${randomUUID().slice(0, 8)}`

  beforeAll(async () => {
    const connection = await Connection.connect({ address: tp.value! })
    client = new Client({ connection })
    const native = await NativeConnection.connect({ address: tp.value! })
    worker = await createCampaignWorker({ connection: native, taskQueue, activities: waitingActivities })
    running = worker.run()
    server = await start({ databaseUrl: pg.value!, label: "server_temporal", control: CampaignControl.layerTemporal({ connection, taskQueue }) })
    key = (await server.provision("temporal-co")).apiKey
  }, 90_000)
  afterAll(async () => {
    await server?.close()
    worker?.shutdown()
    await running
  })

  const status = async (campaignId: string) =>
    (await client.workflow.getHandle(campaignWorkflowId(campaignId)).query(Queries.status)).lifecycle

  it("starts the workflow, pauses, resumes and stops it through updates", async () => {
    const asAdmin = api(server.url, key)
    const campaign = await asAdmin("POST", "/campaigns", { name: "Workflow-driven", mode: "progressive", windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:59" }] })
    expect(campaign.status).toBe(201)
    const started = await asAdmin("POST", `/campaigns/${campaign.body.id}/start`)
    expect(started.status).toBe(200)
    expect(started.body.status).toBe("running")
    expect(await status(campaign.body.id)).toBe("running")

    expect((await asAdmin("POST", `/campaigns/${campaign.body.id}/pause`, { reason: "lunch" })).body.status).toBe("paused")
    expect(await status(campaign.body.id)).toBe("paused")
    expect((await asAdmin("POST", `/campaigns/${campaign.body.id}/resume`)).body.status).toBe("running")
    expect(await status(campaign.body.id)).toBe("running")
    expect((await asAdmin("POST", `/campaigns/${campaign.body.id}/stop`, { reason: "done" })).body.status).toBe("completed")
    expect(await status(campaign.body.id)).toBe("stopped")

    // A stopped campaign cannot be paused: refused with 409 and the reason.
    const again = await asAdmin("POST", `/campaigns/${campaign.body.id}/pause`, {})
    expect(again.status).toBe(409)
  }, 60_000)
})
