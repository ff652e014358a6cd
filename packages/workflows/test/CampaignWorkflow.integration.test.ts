/**
 * The campaign workflow on the real Temporal dev server: lifecycle through
 * signals and updates, the config validator, the live status query, calling
 * windows and due times on durable timers, session retries, continue-as-new.
 * The session activity is scripted here (see support/ScriptedSession.ts); the
 * real one is tested against Postgres in DialingSession.integration.test.ts.
 */
import { randomUUID } from "node:crypto"
import { WorkflowUpdateFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from "@temporalio/client"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { temporal } from "@autodialer/testkit"
import { Queries, Signals, Updates, campaignWorkflowId, campaignIdOfWorkflowId } from "../src/Names.ts"
import { createCampaignWorker } from "../src/Worker.ts"
import { campaignHandle, startCampaign } from "../src/CampaignClient.ts"
import type { campaignWorkflow, CampaignWorkflowInput } from "../src/workflows/CampaignWorkflow.ts"
import type { CampaignStatus } from "../src/CampaignStatus.ts"
import { openNowConfig, opensSoonConfig } from "./support/Config.ts"
import { type Behaviour, report, scriptedSession } from "./support/ScriptedSession.ts"
import { type TemporalHandles, connectTemporal, eventually, sharedBundle, uniqueTaskQueue, withWorker } from "./support/Temporal.ts"

const server = temporal()

describe.skipIf(server.skip)("campaign workflow (Temporal dev server)", () => {
  let t: TemporalHandles
  beforeAll(async () => {
    t = await connectTemporal(server.value!)
    await sharedBundle()
  })
  afterAll(async () => {
    await t?.close()
  })

  const run = async (
    label: string,
    input: Omit<CampaignWorkflowInput, "campaignId">,
    script: (n: number, input: import("../src/CampaignActivities.ts").SessionInput, scheduledAt: number) => Behaviour,
    body: (h: WorkflowHandleWithFirstExecutionRunId<typeof campaignWorkflow>, s: ReturnType<typeof scriptedSession>) => Promise<void>
  ) => {
    const taskQueue = uniqueTaskQueue(label)
    const session = scriptedSession(script)
    const worker = await createCampaignWorker({
      connection: t.nativeConnection, taskQueue, activities: session.activities, workflowBundle: await sharedBundle(),
      heartbeatThrottleMs: 300
    })
    const campaignId = randomUUID()
    await withWorker(worker, async () => {
      const handle = await t.client.workflow.start<typeof campaignWorkflow>("campaignWorkflow", {
        taskQueue, workflowId: campaignWorkflowId(campaignId), args: [{ campaignId, ...input }]
      })
      try {
        await body(handle, session)
      } finally {
        const d = await handle.describe()
        if (d.status.name === "RUNNING") await handle.terminate("test over")
      }
    })
  }
  const status = (h: WorkflowHandle) => h.query(Queries.status)
  const untilCancelled: Behaviour = { _tag: "untilCancelled" }

  it("derives a stable workflow id from the campaign id", () => {
    const id = campaignWorkflowId("c-42")
    expect(id).toBe(campaignWorkflowId("c-42"))
    expect(campaignIdOfWorkflowId(id)).toBe("c-42")
    expect(campaignIdOfWorkflowId("crm-sync:c-42")).toBeUndefined()
  })

  it("moves draft -> running -> paused -> running -> stopped through updates and signals, live in the status query", async () => {
    await run("lifecycle", { config: openNowConfig() }, () => untilCancelled, async (h, s) => {
      const draft = await status(h)
      expect(draft).toMatchObject({ lifecycle: "draft", phase: "awaitingStart" })
      expect(s.invocations).toHaveLength(0)

      expect((await h.executeUpdate(Updates.start)).lifecycle).toBe("running")
      await eventually(async () => s.invocations.length, (n) => n === 1, 10_000, "the first session")
      expect((await status(h)).phase).toBe("dialing")

      await expect(h.executeUpdate(Updates.resume)).rejects.toThrow(WorkflowUpdateFailedError)
      const refused = await h.executeUpdate(Updates.start).catch((e: WorkflowUpdateFailedError) => e)
      expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toContain("cannot start a campaign that is running")

      expect((await h.executeUpdate(Updates.pause, { args: ["agents in a meeting"] })).lifecycle).toBe("paused")
      await eventually(async () => s.invocations[0]!.cancelled, (c) => c, 10_000, "the session to be cancelled")
      await eventually(() => status(h), (st) => st.phase === "paused", 5_000, "phase paused")
      await new Promise((r) => setTimeout(r, 500))
      expect(s.invocations).toHaveLength(1)

      await h.signal(Signals.resume)
      await eventually(async () => s.invocations.length, (n) => n === 2, 10_000, "a new session after resume")
      expect((await status(h)).lifecycle).toBe("running")

      await h.executeUpdate(Updates.stop, { args: ["campaign cancelled by customer"] })
      const final = await h.result()
      expect(final.lifecycle).toBe("stopped")
      expect(final.phase).toBe("finished")
      expect(s.invocations[1]!.cancelled).toBe(true)
      expect(final.transitions.map((x) => `${x.from}->${x.to}`)).toEqual([
        "draft->running", "running->paused", "paused->running", "running->stopped"
      ])
      expect(final.transitions[1]!.reason).toBe("agents in a meeting")
      expect(final.totals.dialsPlaced).toBe(4)
    })
  })

  it("refuses a bad config in the update validator with every reason, and restarts the session on a good one", async () => {
    await run("configure", { config: openNowConfig(), autoStart: true }, () => untilCancelled, async (h, s) => {
      await eventually(async () => s.invocations.length, (n) => n === 1, 10_000, "the first session")
      const bad = { ...openNowConfig(), abandonLimit: 0.5, timeZone: "Mars/Olympus_Mons", windows: [{ days: [8], start: "18:00", end: "09:00" }] }
      const err = await h.executeUpdate(Updates.configure, { args: [bad] }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError)
      const message = String((err as WorkflowUpdateFailedError).cause?.message)
      expect(message).toContain("abandonLimit: got 0.5, expected a fraction in (0, 0.2]")
      expect(message).toContain("timeZone: got \"Mars/Olympus_Mons\"")
      expect(message).toContain("windows[0].days")
      expect(message).toContain("windows[0].end: got \"09:00\", expected a time after start \"18:00\"")
      expect((await status(h)).configVersion).toBe(1)
      expect(s.invocations[0]!.cancelled).toBe(false)

      const next = await h.executeUpdate(Updates.configure, { args: [openNowConfig({ maxAttempts: 5 })] })
      expect(next.configVersion).toBe(2)
      await eventually(async () => s.invocations.length, (n) => n === 2, 10_000, "a session with the new config")
      expect(s.invocations[0]!.cancelled).toBe(true)
      expect(s.invocations[1]!.input.config.maxAttempts).toBe(5)
      expect(s.invocations[1]!.input.configVersion).toBe(2)
      await h.signal(Signals.stop, "")
      expect((await h.result()).lifecycle).toBe("stopped")
    })
  })

  it("drains: the next session is told to start no new contacts, and the campaign completes when it is exhausted", async () => {
    await run("drain", { config: openNowConfig(), autoStart: true },
      (n) => (n === 1 ? untilCancelled : { _tag: "report", report: report("exhausted") }),
      async (h, s) => {
        await eventually(async () => s.invocations.length, (n) => n === 1, 10_000, "the first session")
        expect((await h.executeUpdate(Updates.drain)).draining).toBe(true)
        const final = await h.result()
        expect(final.lifecycle).toBe("completed")
        expect(s.invocations[0]!.input.draining).toBe(false)
        expect(s.invocations[1]!.input.draining).toBe(true)
        expect(final.transitions.at(-1)).toMatchObject({ from: "running", to: "completed", reason: "queue exhausted" })
      })
  })

  it("sleeps on a durable timer outside the calling window and dials once it opens", async () => {
    const { config, opensAt } = opensSoonConfig(3)
    await run("window", { config, autoStart: true }, () => ({ _tag: "report", report: report("exhausted") }), async (h, s) => {
      const waiting = await eventually(() => status(h), (st) => st.phase === "awaitingWindow", 5_000, "awaitingWindow")
      expect(waiting.sleepingUntil).toBe(opensAt)
      expect(s.invocations).toHaveLength(0)
      const final = await h.result()
      expect(final.lifecycle).toBe("completed")
      expect(s.invocations).toHaveLength(1)
      expect(s.invocations[0]!.scheduledAt).toBeGreaterThanOrEqual(opensAt)
      expect(s.invocations[0]!.input.windowClosesAt).toBe(opensAt + 3600_000)
    })
  })

  it("sleeps until the queue's next due time when only retries and callbacks remain", async () => {
    let dueAt = 0
    await run("due", { config: openNowConfig(), autoStart: true },
      (n, _input, scheduledAt) => {
        if (n === 1) {
          dueAt = scheduledAt + 2_000
          return { _tag: "report", report: report("idle", { nextDueAt: dueAt, contactsRemaining: 3 }) }
        }
        return { _tag: "report", report: report("exhausted") }
      },
      async (h, s) => {
        const idle = await eventually(() => status(h), (st) => st.phase === "awaitingDueContacts", 5_000, "awaitingDueContacts")
        expect(idle.sleepingUntil).toBe(dueAt)
        expect(idle.nextDueAt).toBe(dueAt)
        const final = await h.result()
        expect(final.lifecycle).toBe("completed")
        expect(s.invocations[1]!.scheduledAt).toBeGreaterThanOrEqual(dueAt)
      })
  })

  it("retries a failed session; a non-retryable failure pauses the campaign with the reason until resumed", async () => {
    await run("failures", { config: openNowConfig(), autoStart: true },
      (n): Behaviour => {
        if (n === 1) return { _tag: "fail", message: "worker lost its database connection", nonRetryable: false, type: "DatabaseUnavailable" }
        if (n === 2) return { _tag: "fail", message: "campaign row is missing", nonRetryable: true, type: "CampaignNotFound" }
        return { _tag: "report", report: report("exhausted") }
      },
      async (h, s) => {
        const paused = await eventually(() => status(h), (st) => st.lifecycle === "paused", 15_000, "paused after a non-retryable failure")
        expect(paused.lastError).toContain("campaign row is missing")
        expect(s.invocations.map((i) => i.attempt)).toEqual([1, 2])
        await h.executeUpdate(Updates.resume)
        const final = await h.result()
        expect(final.lifecycle).toBe("completed")
        expect(s.invocations).toHaveLength(3)
      })
  })

  it("continues as new to bound its history and carries the status over", async () => {
    let dueAt = 0
    await run("can", { config: openNowConfig(), autoStart: true, maxHistoryEvents: 25 },
      (n, _input, scheduledAt) => {
        dueAt = scheduledAt + 100
        return { _tag: "report", report: n < 8 ? report("idle", { nextDueAt: dueAt }) : report("exhausted") }
      },
      async (h, s) => {
        const final: CampaignStatus = await h.result()
        expect(final.lifecycle).toBe("completed")
        expect(final.continuedAsNew).toBeGreaterThanOrEqual(2)
        expect(final.sessionsRun).toBe(8)
        expect(final.totals.dialsPlaced).toBe(8)
        expect(s.invocations).toHaveLength(8)
        expect(final.transitions.map((x) => x.to)).toEqual(["completed"])
        const first = await t.client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).describe()
        expect(first.status.name).toBe("CONTINUED_AS_NEW")
      })
  })

  it("startCampaign is idempotent per campaign and refuses a bad config before reaching Temporal", async () => {
    const taskQueue = uniqueTaskQueue("client")
    const session = scriptedSession(() => untilCancelled)
    const worker = await createCampaignWorker({
      connection: t.nativeConnection, taskQueue, activities: session.activities, workflowBundle: await sharedBundle(), heartbeatThrottleMs: 300
    })
    const campaignId = randomUUID()
    await withWorker(worker, async () => {
      const a = await startCampaign(t.client, { campaignId, config: openNowConfig(), taskQueue })
      const b = await startCampaign(t.client, { campaignId, config: openNowConfig(), taskQueue, autoStart: true })
      expect(b.firstExecutionRunId).toBe(a.firstExecutionRunId)
      expect((await campaignHandle(t.client, campaignId).query(Queries.status)).lifecycle).toBe("draft")
      await expect(startCampaign(t.client, { campaignId: randomUUID(), config: { ...openNowConfig(), maxAttempts: 0 }, taskQueue }))
        .rejects.toThrow("maxAttempts: got 0, expected an integer from 1 to 100")
      await a.executeUpdate(Updates.stop, { args: ["done"] })
      expect((await a.result()).lifecycle).toBe("stopped")
    })
  })
})
