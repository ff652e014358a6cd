import { describe, expect, it } from "vitest"
import * as AgentStates from "../src/AgentStates.ts"
import * as Settings from "../src/CampaignSettings.ts"

describe("AgentStates", () => {
  it("walks the desk's normal day", () => {
    let state: AgentStates.State = "offline"
    for (const command of ["login", "ready", "pause", "ready", "logout"] as const) {
      expect(AgentStates.refuse(state, command)).toBeUndefined()
      state = AgentStates.target[command]
    }
    expect(state).toBe("offline")
  })

  it("refuses with a reason that says what to do", () => {
    expect(AgentStates.refuse("offline", "ready")).toMatch(/log in to a campaign first/)
    expect(AgentStates.refuse("on_call", "pause")).toMatch(/finish the call first/)
    expect(AgentStates.refuse("on_call", "logout")).toMatch(/finish the call/)
  })
})

describe("CampaignSettings", () => {
  it("round-trips settings through the stored columns and maps to the workflow config", () => {
    const s: Settings.Settings = { ...Settings.defaults, windows: [{ days: [7, 1], start: "08:30", end: "18:00" }], abandonLimit: 0.02, linesPerAgent: 2.5 }
    const back = Settings.fromColumns(Settings.toColumns(s))
    expect(back).toEqual(s)
    const stored = JSON.parse(Settings.toColumns(s).callingWindow) as { days: Array<number> }
    expect(stored.days).toEqual([0, 1])
    const config = Settings.toWorkflowConfig("predictive", s)
    expect(config).toMatchObject({ pacing: "predictive", abandonLimit: 0.02, maxLinesPerAgent: 2, retryDelaySeconds: s.retryDelayMinutes * 60 })
  })
})
