/**
 * Determinism of the CRM sync workflow: `fixtures/crm-sync-history.json` was
 * recorded from a real scheduled run on the dev server (a pull, then push
 * batches, one of them retried after a lost CRM response). A change to the
 * workflow that would break runs in flight fails here. Re-record only for an
 * intentionally incompatible change (with workflow patching):
 * `RECORD_CRM_SYNC_HISTORY=1 npx vitest run packages/workflows/test/CrmSync.integration.test.ts`.
 * A drifted copy (push before pull) is rejected, so the check can fail.
 */
import { readFileSync } from "node:fs"
import { DeterminismViolationError } from "@temporalio/workflow"
import { Worker, bundleWorkflowCode } from "@temporalio/worker"
import { beforeAll, describe, expect, it } from "vitest"
import { historyFromJson } from "./support/History.ts"
import { quietRuntime, sharedBundle } from "./support/Temporal.ts"

const recorded = () => historyFromJson(JSON.parse(readFileSync(new URL("./fixtures/crm-sync-history.json", import.meta.url), "utf8")))

describe("CRM sync workflow replay", () => {
  beforeAll(() => quietRuntime())

  it("replays the recorded history against the current workflow code", async () => {
    const history = recorded()
    expect(JSON.stringify(history)).toContain("CrmPushIncomplete")
    await Worker.runReplayHistory({ workflowBundle: await sharedBundle() }, history)
  })

  it("rejects the recorded history against a drifted workflow", async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: new URL("./fixtures/DriftedCrmSyncWorkflow.ts", import.meta.url).pathname })
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, recorded())).rejects.toBeInstanceOf(DeterminismViolationError)
  })
})
