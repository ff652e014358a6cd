/**
 * Embedding the dialer engine: a predictive dialing session driven by the
 * seeded call-centre simulator, with no database, no Temporal and no carrier.
 *
 *   npm run example:embed-engine -- --seed 7 [--hours 8] [--agents 25]
 *
 * The same seed prints the same output, byte for byte: the engine never reads
 * the clock and every random draw comes from the seed.
 */
import { Scenario, Simulator } from "@autodialer/dialer-engine"
import { Result } from "effect"
import { summarize } from "./Summary.ts"

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return fallback
  const v = Number(process.argv[i + 1])
  if (!Number.isFinite(v) || v < 0) {
    process.stderr.write(`--${name} expects a non-negative number, got '${process.argv[i + 1] ?? ""}'\n`)
    process.exit(2)
  }
  return v
}

const seed = arg("seed", 1)
const hours = arg("hours", 8)
const agents = arg("agents", 25)

// A mid-size B2C sales floor (PACING.md s2), decoded like any scenario file.
const decoded = Scenario.decodeScenario({
  name: "embed-example",
  hours,
  agents: { count: agents },
  outcomes: [{ fromMinute: 0, human: 0.2, machine: 0.3, noAnswer: 0.35, busy: 0.15 }],
  secondsToOutcome: {
    human: { dist: "lognormal", mean: 9, cv: 0.55 },
    machine: { dist: "lognormal", mean: 18, cv: 0.4 },
    busy: { dist: "constant", value: 4 }
  },
  ringTimeoutSeconds: 25,
  greetingSeconds: { dist: "constant", value: 1.2 },
  amd: { enabled: true, decisionSeconds: { dist: "constant", value: 2.5 }, sensitivity: 0.85, falsePositive: 0.03, agentSecondsOnMissedMachine: 8 },
  talkSeconds: { dist: "lognormal", mean: 240, cv: 1.2 },
  wrapSeconds: { dist: "constant", value: 30 },
  policy: { regime: "fcc", abandonLimit: 0.03, connectThresholdSeconds: 2, maxLinesPerAgent: 3 }
})
if (Result.isFailure(decoded)) {
  process.stderr.write(`${decoded.failure.message}\n`)
  process.exit(1)
}

const result = Simulator.simulate({ scenario: decoded.success, seed, timeSeriesEverySeconds: 3600 })
process.stdout.write(summarize(result))
