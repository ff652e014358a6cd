import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { agentsAt, decodeScenario, decodeScenarioText, meanOf, outcomesAt, type Scenario } from "../src/Scenario.ts"

/** The example file of PACING.md §4, verbatim. */
const example = () => ({
  name: "s2-b2c-mid",
  description: "Mid-size B2C sales team",
  hours: 8,
  markovian: false,
  agents: { count: 25, schedule: [{ atMinute: 240, count: 30 }], breaks: { everyMinutes: 120, minutes: 10 } },
  outcomes: [{ fromMinute: 0, human: 0.20, machine: 0.30, noAnswer: 0.35, busy: 0.15 }],
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
  policy: { regime: "fcc", abandonLimit: 0.03, connectThresholdSeconds: 2, windowSoFar: { liveAnswers: 0, abandoned: 0 }, maxLinesPerAgent: 3, countAmdFalsePositives: false }
})

/** A file that satisfies every Markov condition. */
const markov = () => ({
  name: "m",
  hours: 1,
  markovian: true,
  agents: { count: 10 },
  outcomes: [{ fromMinute: 0, human: 0.25, machine: 0, noAnswer: 0.75, busy: 0 }],
  secondsToOutcome: { human: { dist: "exponential", mean: 20 }, noAnswer: { dist: "exponential", mean: 20 } },
  ringTimeoutSeconds: null,
  greetingSeconds: { dist: "constant", value: 0 },
  amd: { enabled: false },
  talkSeconds: { dist: "exponential", mean: 200 },
  wrapSeconds: { dist: "constant", value: 0 },
  policy: { regime: "fcc", abandonLimit: 0.03, connectThresholdSeconds: 0, maxLinesPerAgent: 3 }
})

const ok = (json: unknown): Scenario => {
  const r = decodeScenario(json)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}
const errorOf = (json: unknown): string => {
  const r = decodeScenario(json, "test.json")
  if (Result.isSuccess(r)) throw new Error("expected a decoding error")
  expect(r.failure._tag).toBe("ScenarioDecodeError")
  return r.failure.message
}

describe("Scenario", () => {
  it("decodes the example of PACING.md §4", () => {
    const s = ok(example())
    expect(s.name).toBe("s2-b2c-mid")
    expect(s.agents.schedule).toEqual([{ atMinute: 240, count: 30 }])
    expect(s.amd.enabled).toBe(true)
    expect(s.policy.countAmdFalsePositives).toBe(false)
  })

  it("defaults countAmdFalsePositives, the lockout and windowSoFar by regime", () => {
    const base = example()
    const { countAmdFalsePositives: _c, windowSoFar: _w, ...policy } = base.policy
    const fcc = ok({ ...base, policy })
    expect(fcc.policy.countAmdFalsePositives).toBe(false)
    expect(fcc.policy.dropLockoutHours).toBe(0)
    expect(fcc.policy.windowSoFar).toEqual({ liveAnswers: 0, abandoned: 0 })
    const ofcom = ok({ ...base, policy: { ...policy, regime: "ofcom" } })
    expect(ofcom.policy.countAmdFalsePositives).toBe(true)
    expect(ofcom.policy.dropLockoutHours).toBe(72)
    // an explicit value wins over the regime default
    expect(ok({ ...base, policy: { ...policy, regime: "ofcom", countAmdFalsePositives: false } }).policy.countAmdFalsePositives).toBe(false)
  })

  it("accepts AMD off with no other field, and refuses AMD on with a missing field", () => {
    expect(ok({ ...example(), amd: { enabled: false } }).amd).toEqual({ enabled: false })
    const message = errorOf({ ...example(), amd: { enabled: true, sensitivity: 0.85 } })
    expect(message).toContain(`["amd"]`)
  })

  it("refuses unknown keys at any depth, naming the path", () => {
    expect(errorOf({ ...example(), agentz: 3 })).toMatch(/excess property[\s\S]*\["agentz"\]/)
    const e = example()
    const nested = errorOf({ ...e, policy: { ...e.policy, abandonLimt: 0.03 } })
    expect(nested).toContain(`["policy"]["abandonLimt"]`)
  })

  it("names the field and what was expected for a bad value", () => {
    const e = example()
    const m1 = errorOf({ ...e, talkSeconds: { dist: "lognormal", mean: -5, cv: 1 } })
    expect(m1).toContain("greater than 0")
    expect(m1).toContain(`["talkSeconds"]["mean"]`)
    const m2 = errorOf({ ...e, talkSeconds: { dist: "weibull", shape: 2 } })
    expect(m2).toContain(`["talkSeconds"]`)
    expect(m2).toContain(`"dist":"lognormal"`)
    const m3 = errorOf({ ...e, agents: { count: 2.5 } })
    expect(m3).toContain(`["agents"]["count"]`)
    expect(m3.startsWith("test.json is not a valid scenario")).toBe(true)
  })

  it("requires outcome shares to sum to 1 in each step, and steps to be ordered from minute 0", () => {
    const e = example()
    const m = errorOf({ ...e, outcomes: [...e.outcomes, { fromMinute: 60, human: 0.5, machine: 0.3, noAnswer: 0.35, busy: 0.15 }] })
    expect(m).toContain("= 1, got 1.3")
    expect(m).toContain(`["outcomes"][1]`)
    expect(errorOf({ ...e, outcomes: [{ ...e.outcomes[0], fromMinute: 5 }] })).toContain(`["outcomes"][0]["fromMinute"]`)
    expect(errorOf({ ...e, outcomes: [] })).toContain("at least one outcome step")
  })

  it("requires a time-to-outcome distribution for every outcome that can happen", () => {
    const e = example()
    const { busy: _b, ...sto } = e.secondsToOutcome
    expect(errorOf({ ...e, secondsToOutcome: sto })).toContain(`["secondsToOutcome"]["busy"]`)
    expect(errorOf({ ...e, ringTimeoutSeconds: null })).toContain(`["secondsToOutcome"]["noAnswer"]`)
  })

  it("decodes mixtures, and computes means", () => {
    const s = ok({
      ...example(),
      talkSeconds: { dist: "mixture", parts: [{ weight: 0.7, dist: "lognormal", mean: 45, cv: 0.5 }, { weight: 0.3, dist: "constant", value: 240 }] }
    })
    expect(meanOf(s.talkSeconds)).toBeCloseTo(0.7 * 45 + 0.3 * 240, 9)
    expect(meanOf({ dist: "uniform", min: 2, max: 4 })).toBe(3)
    expect(errorOf({ ...example(), talkSeconds: { dist: "mixture", parts: [] } })).toContain("at least one part")
    expect(errorOf({ ...example(), talkSeconds: { dist: "uniform", min: 5, max: 1 } })).toContain(`["talkSeconds"]["max"]`)
  })

  it("refuses windowSoFar with more abandons than live answers", () => {
    const e = example()
    expect(errorOf({ ...e, policy: { ...e.policy, windowSoFar: { liveAnswers: 10, abandoned: 11 } } })).toContain(
      `["policy"]["windowSoFar"]["abandoned"]`
    )
  })

  it("accepts a file that meets the Markov conditions", () => {
    const s = ok(markov())
    expect(s.markovian).toBe(true)
  })

  it("refuses a file that claims to be Markovian but breaks a condition, naming each", () => {
    const m = markov()
    const cases: Array<[unknown, string]> = [
      [{ ...m, talkSeconds: { dist: "lognormal", mean: 200, cv: 1 } }, `["talkSeconds"]`],
      [{ ...m, wrapSeconds: { dist: "constant", value: 5 } }, `["wrapSeconds"]`],
      [{ ...m, greetingSeconds: { dist: "constant", value: 1 } }, `["greetingSeconds"]`],
      [{ ...m, ringTimeoutSeconds: 25 }, `["ringTimeoutSeconds"]`],
      [{ ...m, amd: example().amd }, `["amd"]["enabled"]`],
      [{ ...m, policy: { ...m.policy, connectThresholdSeconds: 2 } }, `["policy"]["connectThresholdSeconds"]`],
      [{ ...m, secondsToOutcome: { ...m.secondsToOutcome, noAnswer: { dist: "exponential", mean: 25 } } }, `["secondsToOutcome"]["noAnswer"]`],
      [{ ...m, outcomes: [{ fromMinute: 0, human: 0.25, machine: 0.1, noAnswer: 0.65, busy: 0 }], secondsToOutcome: { ...m.secondsToOutcome, machine: { dist: "exponential", mean: 20 } } }, `["outcomes"][0]["machine"]`],
      [{ ...m, agents: { count: 10, schedule: [{ atMinute: 30, count: 12 }] } }, `["agents"]["schedule"]`]
    ]
    for (const [json, path] of cases) {
      const message = errorOf(json)
      expect(message).toContain(path)
      expect(message).toContain(`"markovian": true`)
    }
    // the same files are fine when they do not claim to be Markovian
    expect(ok({ ...m, markovian: false, wrapSeconds: { dist: "constant", value: 5 } }).markovian).toBe(false)
  })

  it("reports JSON syntax errors with the source name", () => {
    const r = decodeScenarioText("{ not json", "bad.json")
    expect(Result.isFailure(r) && r.failure.message.startsWith("bad.json is not valid JSON")).toBe(true)
  })

  it("reads agents and outcome steps at a minute", () => {
    const s = ok({ ...example(), outcomes: [example().outcomes[0], { fromMinute: 120, human: 0.1, machine: 0.3, noAnswer: 0.45, busy: 0.15 }] })
    expect(agentsAt(s, 0)).toBe(25)
    expect(agentsAt(s, 240)).toBe(30)
    expect(outcomesAt(s, 119).human).toBe(0.2)
    expect(outcomesAt(s, 120).human).toBe(0.1)
  })
})
