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

  it("knows which states carry a call (what GET /agents/me restores)", () => {
    expect((["offline", "available", "reserved", "on_call", "wrap_up", "paused"] as const).filter(AgentStates.hasCall))
      .toEqual(["reserved", "on_call", "wrap_up"])
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

  it("round-trips pause codes, the AMD policy and a fixed caller id, and reads rows written before migration 7", () => {
    const s: Settings.Settings = {
      ...Settings.defaults,
      pauseCodes: [{ code: "coaching", label: "Coaching" }],
      amd: { enabled: true, onMachine: "drop_voicemail", voicemailMessage: "Please call Acme back." },
      callerId: { strategy: "fixed", phoneNumberId: "0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f" }
    }
    const columns = Settings.toColumns(s)
    expect(columns.callerIdPool).toBe("{0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f}")
    expect(Settings.fromColumns(columns)).toEqual(s)
    // The driver returns uuid[] as an array.
    expect(Settings.fromColumns({ ...columns, callerIdPool: ["0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f"] }).callerId).toEqual(s.callerId)
    expect(Settings.fromColumns({ ...columns, callerIdStrategy: "local_presence", callerIdPool: [] }).callerId).toEqual({ strategy: "local_presence" })
    const { amd: _amd, pauseCodes: _codes, callerIdStrategy: _strategy, callerIdPool: _pool, ...older } = columns
    expect(Settings.fromColumns(older)).toMatchObject({ pauseCodes: Settings.defaults.pauseCodes, amd: Settings.defaults.amd, callerId: { strategy: "org_default" } })
  })

  it("merges a patch and names the inconsistent field", () => {
    const next = Settings.merge(Settings.defaults, { maxAttempts: 5, amd: { enabled: true, onMachine: "drop_voicemail", voicemailMessage: null } })
    expect(next).toMatchObject({ maxAttempts: 5, timeZone: Settings.defaults.timeZone, pauseCodes: Settings.defaults.pauseCodes })
    expect(Settings.problem(next)?.field).toBe("amd.voicemailMessage")
    expect(Settings.problem(Settings.merge(next, { amd: { enabled: false, onMachine: "drop_voicemail", voicemailMessage: "hi" } }))?.field).toBe("amd.onMachine")
    expect(Settings.problem(Settings.merge(next, { amd: { enabled: true, onMachine: "drop_voicemail", voicemailMessage: "hi" } }))).toBeUndefined()
    const twice = Settings.merge(Settings.defaults, { pauseCodes: [{ code: "break", label: "A" }, { code: "break", label: "B" }] })
    expect(Settings.problem(twice)).toEqual({ field: "pauseCodes", message: "pause code 'break' is listed twice; each code may appear once" })
    expect(Settings.problem(Settings.defaults)).toBeUndefined()
  })
})
