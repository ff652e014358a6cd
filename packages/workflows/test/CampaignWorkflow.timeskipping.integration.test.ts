/**
 * Calling windows and long retry delays in seconds of wall time, on the Java
 * time-skipping test server (io.temporal:temporal-test-server): the workflow
 * sleeps on durable timers for hours and days, and every session it starts
 * starts inside the campaign's local calling window.
 */
import { randomUUID } from "node:crypto"
import { TestWorkflowEnvironment } from "@temporalio/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defaultCampaignConfig } from "../src/CampaignConfig.ts"
import { campaignWorkflowId } from "../src/Names.ts"
import { createCampaignWorker } from "../src/Worker.ts"
import type { campaignWorkflow } from "../src/workflows/CampaignWorkflow.ts"
import { report, scriptedSession } from "./support/ScriptedSession.ts"
import { quietRuntime, sharedBundle, timeSkippingExecutable, timeSkippingServer, uniqueTaskQueue, withWorker } from "./support/Temporal.ts"

const server = timeSkippingServer()
const zone = "America/New_York"

/** Weekday (1 = Mon) and seconds after midnight in New York, computed independently of CallingWindow. */
const nyClock = (at: number): { weekday: number; seconds: number } => {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, weekday: "short", hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23"
  }).formatToParts(new Date(at)).map((p) => [p.type, p.value]))
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts["weekday"]!) + 1
  return { weekday, seconds: Number(parts["hour"]) * 3600 + Number(parts["minute"]) * 60 + Number(parts["second"]) }
}

describe.skipIf(server.skip)("campaign workflow on the time-skipping test server", () => {
  let env: TestWorkflowEnvironment
  let cleanup: () => void = () => {}
  beforeAll(async () => {
    quietRuntime()
    const exe = timeSkippingExecutable(server.value!)
    cleanup = exe.cleanup
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: "existing-path", path: exe.path } } })
    await sharedBundle()
  })
  afterAll(async () => {
    await env?.teardown()
    cleanup()
  })

  it("sleeps until tomorrow's window, runs a retry due in 6 h, and waits a week when the next retry falls after closing", async () => {
    const wallStart = Date.now()
    const startedAt = await env.currentTimeMs()
    const tomorrow = nyClock(startedAt + 86_400_000).weekday
    const config = { ...defaultCampaignConfig, timeZone: zone, windows: [{ days: [tomorrow], start: "09:00", end: "17:00" }] }
    const session = scriptedSession((n, _input, scheduledAt) => {
      if (n === 1) return { _tag: "report", report: report("idle", { nextDueAt: scheduledAt + 6 * 3_600_000, contactsRemaining: 5 }) }
      if (n === 2) return { _tag: "report", report: report("idle", { nextDueAt: scheduledAt + 4 * 3_600_000, contactsRemaining: 2 }) }
      return { _tag: "report", report: report("exhausted") }
    })
    const taskQueue = uniqueTaskQueue("skip")
    const worker = await createCampaignWorker({
      connection: env.nativeConnection, taskQueue, activities: session.activities, workflowBundle: await sharedBundle()
    })
    const campaignId = randomUUID()
    const final = await withWorker(worker, () =>
      env.client.workflow.execute<typeof campaignWorkflow>("campaignWorkflow", {
        taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, config, autoStart: true }]
      }))
    expect(final.lifecycle).toBe("completed")
    const [first, second, third] = session.invocations
    expect(session.invocations).toHaveLength(3)
    // 1: at tomorrow's opening, 09:00 New York time.
    expect(nyClock(first!.scheduledAt)).toMatchObject({ weekday: tomorrow })
    expect(nyClock(first!.scheduledAt).seconds).toBeGreaterThanOrEqual(9 * 3600)
    expect(nyClock(first!.scheduledAt).seconds).toBeLessThan(9 * 3600 + 60)
    expect(first!.scheduledAt - startedAt).toBeLessThanOrEqual(2 * 86_400_000)
    // 2: the retry due at 15:00 runs at 15:00, inside the window.
    expect(second!.scheduledAt - first!.scheduledAt).toBeGreaterThanOrEqual(6 * 3_600_000)
    expect(second!.scheduledAt - first!.scheduledAt).toBeLessThan(6 * 3_600_000 + 60_000)
    // 3: due at 19:00, after closing: it waits for the next window, a week later.
    expect(nyClock(third!.scheduledAt)).toMatchObject({ weekday: tomorrow })
    expect(nyClock(third!.scheduledAt).seconds).toBeLessThan(9 * 3600 + 60)
    const days = (third!.scheduledAt - first!.scheduledAt) / 86_400_000
    expect(days).toBeGreaterThan(6.9)
    expect(days).toBeLessThan(7.1)
    expect(Date.now() - wallStart).toBeLessThan(20_000)
  })
})
