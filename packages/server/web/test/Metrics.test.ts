import { describe, expect, it } from "vitest"
import { abandonBudgetLeft, complianceHolds, connectsPerHour, hourMs, record, type Sample } from "../src/Metrics.ts"
import type { Campaign, CampaignStats } from "../src/Types.ts"

const stats = (over: Partial<CampaignStats> = {}): CampaignStats => ({
  campaignId: "c", status: "running", runtime: "in-process", queue: { pending: 10, inProgress: 0, done: 0 },
  callsPlaced: 0, callsInFlight: 0, connects: 0, abandoned: 0, abandonRate: 0, abandonLimit: 0.03, dialLevel: 0,
  agents: { offline: 0, available: 1, reserved: 0, on_call: 0, wrap_up: 0, paused: 0 }, talkSeconds: 0,
  talkMinutesPerAgentHour: 0, at: "2026-01-15T15:30:00Z", ...over
})
const campaign = (over: Partial<Campaign> = {}): Campaign => ({
  id: "c", name: "C", mode: "predictive", status: "running", description: null, script: null, timeZone: "America/New_York",
  windows: [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" }], abandonLimit: 0.03, maxAttempts: 3, retryDelayMinutes: 60,
  linesPerAgent: 2, voiceServerId: null, pauseCodes: [{ code: "break", label: "Break" }],
  amd: { enabled: true, onMachine: "hangup", voicemailMessage: null }, callerId: { strategy: "org_default" },
  totalCalls: 0, createdAt: "", updatedAt: "", ...over
})

describe("Metrics", () => {
  it("keeps one hour of history", () => {
    let h: ReadonlyArray<Sample> = []
    for (let t = 0; t <= 2 * hourMs; t += 60_000) h = record(h, stats({ connects: t / 60_000 }), t)
    expect(h[0]!.t).toBe(hourMs + 60_000)
    expect(h.length).toBe(60)
    // 1 connect per minute = 60 per hour.
    expect(connectsPerHour(h)).toBeCloseTo(60, 6)
  })

  it("gives no connects rate before ten seconds of history", () => {
    const h = record(record([], stats({ connects: 0 }), 0), stats({ connects: 5 }), 5_000)
    expect(connectsPerHour(h)).toBeUndefined()
  })

  it("counts the abandon budget left from the live answers", () => {
    // 2 abandoned of 100 live answers at a 3% limit: 1 more allowed.
    expect(abandonBudgetLeft(stats({ abandoned: 2, abandonRate: 0.02, connects: 98 }))).toBe(1)
    expect(abandonBudgetLeft(stats({ abandoned: 0, abandonRate: 0, connects: 200 }))).toBe(6)
    expect(abandonBudgetLeft(stats({ abandoned: 5, abandonRate: 0.05, connects: 95 }))).toBe(-2)
  })

  it("warns when the window is closed or the budget is nearly or fully spent", () => {
    const open = new Date("2026-01-15T15:30:00Z")
    const closed = new Date("2026-01-15T23:30:00Z")
    expect(complianceHolds(campaign(), stats(), open)).toEqual([])
    expect(complianceHolds(campaign(), stats(), closed).map((h) => h.kind)).toEqual(["window_closed"])
    expect(complianceHolds(campaign(), stats({ abandoned: 2, abandonRate: 0.025, connects: 78 }), open).map((h) => h.kind)).toEqual(["budget_low"])
    expect(complianceHolds(campaign(), stats({ abandoned: 3, abandonRate: 0.03, connects: 97 }), open).map((h) => h.kind)).toEqual(["budget_spent"])
  })
})
