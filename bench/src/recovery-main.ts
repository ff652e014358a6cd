/**
 * `node --conditions=@autodialer/source bench/src/recovery-main.ts [--seeds N]`: the s5 recovery
 * goal of PACING.md §6 for `autodialer`, as markdown on stdout.
 */
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { Result } from "effect"
import { decodeScenarioText } from "@autodialer/dialer-engine/Scenario"
import { meanUtilisationPerMinute, recovery, s5Steps } from "./Recovery.ts"

const { values } = parseArgs({ options: { seeds: { type: "string" } }, strict: true })
const seeds = Number(values.seeds ?? "20")
if (!Number.isInteger(seeds) || seeds < 1) {
  process.stderr.write(`--seeds must be a positive integer, got '${values.seeds}'\n`)
  process.exit(2)
}
const decoded = decodeScenarioText(readFileSync(new URL("../scenarios/s5.json", import.meta.url), "utf8"), "s5.json")
if (Result.isFailure(decoded)) {
  process.stderr.write(`${decoded.failure.message}\n`)
  process.exit(2)
}
const util = meanUtilisationPerMinute(decoded.success, seeds)
const pct = (x: number) => `${(100 * x).toFixed(1)}`
const lines = [
  `s5 recovery of \`autodialer\` (mean utilisation per minute over ${seeds} seeds; goal: within 2 points of the new steady state within 5 minutes of the step)`,
  "",
  "| step | steady state | gap minute by minute after the step (points) | back within 2 points after |",
  "|---|---:|---|---:|"
]
for (const step of s5Steps) {
  const r = recovery(util, step)
  lines.push(
    `| minute ${step.atMinute} | ${pct(r.steady)}% (minutes ${step.steadyFrom}-${step.steadyTo}) | ${r.gaps.slice(0, 12).map(pct).join(" ")} | ${r.minutes === null ? "never" : `${r.minutes} min`} |`
  )
}
process.stdout.write(`${lines.join("\n")}\n`)
