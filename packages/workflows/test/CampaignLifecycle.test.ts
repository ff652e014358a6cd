/** Lifecycle transitions: which commands are accepted from which state, and the reason when refused. */
import { describe, expect, it } from "vitest"
import { type LifecycleCommand, transition } from "../src/CampaignLifecycle.ts"
import type { Lifecycle } from "../src/CampaignStatus.ts"

const lifecycles: ReadonlyArray<Lifecycle> = ["draft", "running", "paused", "completed", "stopped"]
const commands: ReadonlyArray<LifecycleCommand> = ["start", "pause", "resume", "stop", "drain"]

describe("transition", () => {
  it("accepts exactly the documented transitions", () => {
    const table = Object.fromEntries(lifecycles.map((from) => [from, Object.fromEntries(commands.map((c) => {
      const r = transition(from, false, c)
      return [c, r.ok ? r.lifecycle + (r.draining ? "+drain" : "") : "refused"]
    }))]))
    expect(table).toEqual({
      draft: { start: "running", pause: "refused", resume: "refused", stop: "stopped", drain: "refused" },
      running: { start: "refused", pause: "paused", resume: "refused", stop: "stopped", drain: "running+drain" },
      paused: { start: "refused", pause: "refused", resume: "running", stop: "stopped", drain: "paused+drain" },
      completed: { start: "refused", pause: "refused", resume: "refused", stop: "refused", drain: "refused" },
      stopped: { start: "refused", pause: "refused", resume: "refused", stop: "refused", drain: "refused" }
    })
  })

  it("keeps draining across pause and resume", () => {
    const paused = transition("running", true, "pause")
    expect(paused).toEqual({ ok: true, lifecycle: "paused", draining: true })
    expect(transition("paused", true, "resume")).toEqual({ ok: true, lifecycle: "running", draining: true })
  })

  it("says why a command is refused", () => {
    expect(transition("completed", false, "resume")).toEqual({
      ok: false, reason: "cannot resume a campaign that is completed (allowed from: paused)"
    })
  })
})
