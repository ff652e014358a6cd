/**
 * Our pacer measured against the goals of PACING.md §6, as a markdown table:
 * each goal that applies to a scenario, the measured value, the target and
 * whether it is met. Scenario ids are the prefix of the scenario name (`s2` in
 * `s2-b2c-mid`), so the goals follow the built-in suite.
 */
import type { Bound } from "./Bounds.ts"
import { optimumAt } from "./Bounds.ts"
import type { ResultRow } from "./Report.ts"
import type { ScenarioOutcome } from "./Runner.ts"

export interface GoalCheck {
  readonly scenario: string
  readonly goal: string
  readonly measured: string
  readonly target: string
  readonly met: boolean
}

const pts = (x: number) => `${(100 * x).toFixed(1)} pts`
const pct = (x: number, d = 2) => `${(100 * x).toFixed(d)}%`

const overVicidial: Record<string, number> = { s1: 0.05, s2: 0.05, s4: 0.05, s3: 0.02 }
const overProgressive: Record<string, number> = { s2: 0.1, s3: 0.1, s1: 0.05 }

export const checks = (outcomes: ReadonlyArray<ScenarioOutcome>, bounds: ReadonlyArray<Bound>): Array<GoalCheck> => {
  const out: Array<GoalCheck> = []
  outcomes.forEach((o, i) => {
    const s = o.scenario
    const id = s.name.split("-")[0] ?? s.name
    const row = (p: string): ResultRow | undefined => o.rows.find((r) => r.pacer === p)
    const ours = row("autodialer")
    if (ours === undefined) return
    const limit = s.policy.abandonLimit
    out.push({
      scenario: s.name,
      goal: "zero window violations",
      measured: `${Math.round(ours.seedsOverLimitShare * ours.seeds)} of ${ours.seeds} seeds over`,
      target: "0",
      met: ours.seedsOverLimitShare === 0
    })
    const ourRuns = o.runs.autodialer ?? []
    if (ourRuns.length > 0) {
      const worstP99 = Math.max(...ourRuns.map((r) => r.p99AnswerToAgentSeconds))
      out.push({
        scenario: s.name,
        goal: "p99 answer-to-agent time <= connect threshold (worst seed)",
        measured: `${worstP99.toFixed(2)} s`,
        target: `<= ${s.policy.connectThresholdSeconds} s`,
        met: worstP99 <= s.policy.connectThresholdSeconds + 1e-6
      })
    }
    const w = s.policy.windowSoFar
    if (w.liveAnswers === 0) {
      out.push({
        scenario: s.name,
        goal: "use >= 80% of the abandon budget",
        measured: pct(ours.abandonRate),
        target: `>= ${pct(0.8 * limit)}`,
        met: ours.abandonRate >= 0.8 * limit
      })
    }
    if (bounds[i]?.cmdpOptimal) {
      const optimum = optimumAt(s, ours.abandonRate)
      if (optimum !== null) {
        out.push({
          scenario: s.name,
          goal: "within 1.5 pts of the CMDP frontier at the rate reached",
          measured: `${pct(ours.utilization, 1)} vs ${pct(optimum, 1)} (gap ${pts(optimum - ours.utilization)})`,
          target: "gap <= 1.5 pts",
          met: optimum - ours.utilization <= 0.015
        })
      }
    }
    const vicidial = ["vicidial-hard-limit", "vicidial-tapered", "vicidial-average"].map(row).filter((r): r is ResultRow => r !== undefined)
    if (overVicidial[id] !== undefined && vicidial.length > 0) {
      const best = vicidial.reduce((a, b) => (b.utilization > a.utilization ? b : a))
      out.push({
        scenario: s.name,
        goal: `+${pts(overVicidial[id]!)} over the best VICIdial mode (${best.pacer})`,
        measured: `${pts(ours.utilization - best.utilization)}`,
        target: `>= ${pts(overVicidial[id]!)}`,
        met: ours.utilization - best.utilization >= overVicidial[id]!
      })
    }
    const progressive = row("progressive")
    if (overProgressive[id] !== undefined && progressive !== undefined) {
      out.push({
        scenario: s.name,
        goal: `+${pts(overProgressive[id]!)} over progressive`,
        measured: pts(ours.utilization - progressive.utilization),
        target: `>= ${pts(overProgressive[id]!)}`,
        met: ours.utilization - progressive.utilization >= overProgressive[id]!
      })
    }
    const power = row("power")
    if (power !== undefined) {
      out.push({
        scenario: s.name,
        goal: `at least as good as the best-tuned power (${o.power?.chosen ?? "?"} lines/agent)`,
        measured: `${pts(ours.utilization - power.utilization)}`,
        target: ">= 0 pts (within the CI)",
        met: ours.ci95.utilization[1] >= power.utilization
      })
    }
  })
  return out
}

export const goalsMarkdown = (outcomes: ReadonlyArray<ScenarioOutcome>, bounds: ReadonlyArray<Bound>): string => {
  const cs = checks(outcomes, bounds)
  if (cs.length === 0) return ""
  return [
    "Goals of PACING.md §6 for `autodialer`:",
    "",
    "| scenario | goal | measured | target | met |",
    "|---|---|---|---|---|",
    ...cs.map((c) => `| ${c.scenario} | ${c.goal} | ${c.measured} | ${c.target} | ${c.met ? "yes" : "**no**"} |`)
  ].join("\n")
}
