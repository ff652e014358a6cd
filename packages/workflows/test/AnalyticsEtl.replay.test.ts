/**
 * Determinism of the analytics ETL workflow: `fixtures/analytics-etl-history.json`
 * was recorded from the last run of a job split by continue-as-new on the dev
 * server; it must replay against the current workflow code. Re-record only for
 * an intentionally incompatible change (with workflow patching):
 * `RECORD_ETL_HISTORY=1 npx vitest run packages/workflows/test/AnalyticsEtl.integration.test.ts`.
 */
import { readFileSync } from "node:fs"
import { Worker } from "@temporalio/worker"
import { beforeAll, describe, expect, it } from "vitest"
import { historyFromJson } from "./support/History.ts"
import { quietRuntime, sharedBundle } from "./support/Temporal.ts"

describe("analytics ETL workflow replay", () => {
  beforeAll(() => quietRuntime())

  it("replays the recorded history against the current workflow code", async () => {
    const history = historyFromJson(JSON.parse(readFileSync(new URL("./fixtures/analytics-etl-history.json", import.meta.url), "utf8")))
    expect(JSON.stringify(history)).toContain("analyticsRollUpDay")
    await Worker.runReplayHistory({ workflowBundle: await sharedBundle() }, history)
  })
})
