/**
 * Determinism: histories of the campaign workflow replay against the current
 * workflow code with `Worker.runReplayHistory`.
 *
 * - `fixtures/campaign-history.json` was recorded from a real run (lifecycle
 *   updates, a config change, a failed and a retried session, a drain). If a
 *   change to the workflow would break campaigns already running, replaying it
 *   fails here. Re-record it only for an intentionally incompatible change
 *   (with workflow versioning/patching): `RECORD_CAMPAIGN_HISTORY=1 npx vitest run <this file>`.
 * - A fresh history is recorded from the dev server and replayed too.
 * - A drifted copy of the workflow is rejected, so the check can fail.
 */
import { execFileSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { randomUUID } from "node:crypto"
import { DeterminismViolationError } from "@temporalio/workflow"
import { Worker, bundleWorkflowCode } from "@temporalio/worker"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { temporal, temporalCli } from "@autodialer/testkit"
import { Signals, Updates, campaignWorkflowId } from "../src/Names.ts"
import { createCampaignWorker } from "../src/Worker.ts"
import type { campaignWorkflow } from "../src/workflows/CampaignWorkflow.ts"
import { openNowConfig } from "./support/Config.ts"
import { historyFromJson } from "./support/History.ts"
import { report, scriptedSession, type Behaviour } from "./support/ScriptedSession.ts"
import { type TemporalHandles, connectTemporal, eventually, quietRuntime, sharedBundle, uniqueTaskQueue, withWorker } from "./support/Temporal.ts"

const server = temporal()
const fixture = fileURLToPath(new URL("./fixtures/campaign-history.json", import.meta.url))
const drifted = fileURLToPath(new URL("./fixtures/DriftedCampaignWorkflow.ts", import.meta.url))

describe("campaign workflow replay", () => {
  beforeAll(() => quietRuntime())

  it("replays the recorded history against the current workflow code", async () => {
    const history = historyFromJson(JSON.parse(readFileSync(fixture, "utf8")))
    await Worker.runReplayHistory({ workflowBundle: await sharedBundle() }, history)
  })

  it("rejects the recorded history against a drifted workflow", async () => {
    const history = historyFromJson(JSON.parse(readFileSync(fixture, "utf8")))
    const bundle = await bundleWorkflowCode({ workflowsPath: drifted })
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history)).rejects.toBeInstanceOf(DeterminismViolationError)
  })

  describe.skipIf(server.skip)("a fresh history from the dev server", () => {
    let t: TemporalHandles
    beforeAll(async () => {
      t = await connectTemporal(server.value!)
    })
    afterAll(async () => {
      await t?.close()
    })

    it("records a run with every handler and replays it", async () => {
      const taskQueue = uniqueTaskQueue("replay")
      const session = scriptedSession((n): Behaviour => {
        if (n === 3) return { _tag: "fail", message: "database restarted", nonRetryable: false, type: "DatabaseUnavailable" }
        if (n >= 5) return { _tag: "report", report: report("exhausted") }
        return { _tag: "untilCancelled" }
      })
      const worker = await createCampaignWorker({
        connection: t.nativeConnection, taskQueue, activities: session.activities, workflowBundle: await sharedBundle(), heartbeatThrottleMs: 200
      })
      const campaignId = randomUUID()
      const handle = await withWorker(worker, async () => {
        const h = await t.client.workflow.start<typeof campaignWorkflow>("campaignWorkflow", {
          taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, config: openNowConfig() }]
        })
        await h.executeUpdate(Updates.start)
        await eventually(async () => session.invocations.length, (n) => n === 1, 10_000, "session 1")
        await h.executeUpdate(Updates.pause, { args: ["lunch"] })
        await h.signal(Signals.resume)
        await eventually(async () => session.invocations.length, (n) => n === 2, 10_000, "session 2")
        await h.executeUpdate(Updates.configure, { args: [openNowConfig({ maxAttempts: 4 })] }).catch(() => undefined)
        await h.executeUpdate(Updates.configure, { args: [{ ...openNowConfig(), maxAttempts: 0 }] }).catch(() => undefined)
        await eventually(async () => session.invocations.length, (n) => n >= 4, 15_000, "session 3 failed and retried")
        await h.executeUpdate(Updates.drain)
        expect((await h.result()).lifecycle).toBe("completed")
        return h
      })
      const history = await handle.fetchHistory()
      expect(history.events?.length).toBeGreaterThan(20)
      await Worker.runReplayHistory({ workflowBundle: await sharedBundle() }, history)
      if (process.env["RECORD_CAMPAIGN_HISTORY"] === "1") {
        // The CLI writes the proto3 JSON that `historyFromJSON` reads (the SDK's
        // own historyToJSON trips over duplicate protobufjs copies in node_modules).
        const json = execFileSync(temporalCli().value!, [
          "workflow", "show", "--address", server.value!, "--namespace", "default",
          "--workflow-id", handle.workflowId, "--output", "json"
        ], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
        writeFileSync(fixture, json)
      }
    }, 60_000)
  })
})
