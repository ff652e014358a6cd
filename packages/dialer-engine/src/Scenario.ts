/**
 * The scenario file: a simulated call centre, as JSON (PACING.md §4).
 *
 * This module owns the Schema of that file and nothing else: agents and their
 * schedule, outcome shares over time, time-to-outcome distributions, AMD delay
 * and accuracy, talk and wrap-up distributions, and the abandon policy. Unknown
 * keys are an error, because a misspelt key that is silently ignored would make
 * a benchmark measure something other than what its author wrote.
 *
 * `decodeScenario` returns the decoded file with its regime-dependent defaults
 * resolved (`countAmdFalsePositives`, `windowSoFar`, `dropLockoutHours`,
 * `markovian`), so consumers (the simulator, the benchmark) never re-derive them.
 */
import { Result, Schema } from "effect"

// ---------------------------------------------------------------------------
// Numbers

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Finite.check(Schema.isGreaterThan(0))
const Share = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** Tolerance on the sum of outcome shares and mixture weights (JSON decimals). */
const SUM_TOLERANCE = 1e-9

// ---------------------------------------------------------------------------
// Distributions (seconds)

const ConstantFields = { dist: Schema.Literal("constant"), value: NonNegative }
const ExponentialFields = { dist: Schema.Literal("exponential"), mean: Positive }
const LognormalFields = { dist: Schema.Literal("lognormal"), mean: Positive, cv: Positive }
const GammaFields = { dist: Schema.Literal("gamma"), mean: Positive, cv: Positive }
const UniformFields = { dist: Schema.Literal("uniform"), min: NonNegative, max: NonNegative }

const minNotAboveMax = Schema.makeFilter<{ readonly min: number; readonly max: number }>((u) =>
  u.min <= u.max ? undefined : { path: ["max"], issue: `Expected max >= min (${u.min}), got ${u.max}` }
)

export const Constant = Schema.Struct(ConstantFields)
export const Exponential = Schema.Struct(ExponentialFields)
export const Lognormal = Schema.Struct(LognormalFields)
export const Gamma = Schema.Struct(GammaFields)
export const Uniform = Schema.Struct(UniformFields).check(minNotAboveMax)

const BASE_EXPECTED =
  `a distribution: {"dist":"constant","value"} | {"dist":"exponential","mean"} | ` +
  `{"dist":"lognormal","mean","cv"} | {"dist":"gamma","mean","cv"} | {"dist":"uniform","min","max"}`

const Weight = { weight: Positive }

/** One component of a mixture: `{ "weight": 0.7, "dist": "lognormal", "mean": 45, "cv": 0.5 }`. */
export const MixturePart = Schema.Union([
  Schema.Struct({ ...Weight, ...ConstantFields }),
  Schema.Struct({ ...Weight, ...ExponentialFields }),
  Schema.Struct({ ...Weight, ...LognormalFields }),
  Schema.Struct({ ...Weight, ...GammaFields }),
  Schema.Struct({ ...Weight, ...UniformFields }).check(minNotAboveMax)
]).annotate({ expected: `a weighted part {"weight", ...} of ${BASE_EXPECTED}` })
export type MixturePart = typeof MixturePart.Type

/** Mixture weights are relative: they must be positive, and are normalised by their sum. */
export const Mixture = Schema.Struct({
  dist: Schema.Literal("mixture"),
  parts: Schema.Array(MixturePart).check(
    Schema.makeFilter((parts) => (parts.length > 0 ? undefined : "Expected at least one part"))
  )
})

export const Distribution = Schema.Union([Constant, Exponential, Lognormal, Gamma, Uniform, Mixture]).annotate({
  expected: `${BASE_EXPECTED} | {"dist":"mixture","parts":[{"weight", ...}]}`
})
export type Distribution = typeof Distribution.Type

/** The mean of a distribution, in seconds. */
export const meanOf = (d: Distribution): number => {
  switch (d.dist) {
    case "constant":
      return d.value
    case "exponential":
    case "lognormal":
    case "gamma":
      return d.mean
    case "uniform":
      return (d.min + d.max) / 2
    case "mixture": {
      const total = d.parts.reduce((s, p) => s + p.weight, 0)
      return d.parts.reduce((s, p) => s + (p.weight / total) * meanOf(p), 0)
    }
  }
}

// ---------------------------------------------------------------------------
// Agents

export const ScheduleStep = Schema.Struct({
  atMinute: NonNegative,
  count: Count
})

export const Breaks = Schema.Struct({
  /** Each agent takes a break every `everyMinutes` of logged-in time (staggered by the simulator). */
  everyMinutes: Positive,
  minutes: Positive
})

export const Agents = Schema.Struct({
  count: Count,
  schedule: Schema.optionalKey(
    Schema.Array(ScheduleStep).check(
      Schema.makeFilter((steps) => {
        for (let i = 1; i < steps.length; i++) {
          const prev = steps[i - 1]!
          const cur = steps[i]!
          if (cur.atMinute <= prev.atMinute) {
            return { path: [i, "atMinute"], issue: `Expected steps in increasing atMinute order (after ${prev.atMinute}), got ${cur.atMinute}` }
          }
        }
        return undefined
      })
    )
  ),
  breaks: Schema.optionalKey(Breaks)
})

// ---------------------------------------------------------------------------
// Outcomes

export const OutcomeStep = Schema.Struct({
  fromMinute: NonNegative,
  human: Share,
  machine: Share,
  noAnswer: Share,
  busy: Share
}).check(
  Schema.makeFilter((o) => {
    const sum = o.human + o.machine + o.noAnswer + o.busy
    return Math.abs(sum - 1) <= SUM_TOLERANCE
      ? undefined
      : `Expected human + machine + noAnswer + busy = 1, got ${Number(sum.toPrecision(12))}`
  })
)
export type OutcomeStep = typeof OutcomeStep.Type

const Outcomes = Schema.Array(OutcomeStep).check(
  Schema.makeFilter((steps) => {
    if (steps.length === 0) return "Expected at least one outcome step"
    if (steps[0]!.fromMinute !== 0) {
      return { path: [0, "fromMinute"], issue: `Expected the first outcome step to start at minute 0, got ${steps[0]!.fromMinute}` }
    }
    for (let i = 1; i < steps.length; i++) {
      if (steps[i]!.fromMinute <= steps[i - 1]!.fromMinute) {
        return {
          path: [i, "fromMinute"],
          issue: `Expected steps in increasing fromMinute order (after ${steps[i - 1]!.fromMinute}), got ${steps[i]!.fromMinute}`
        }
      }
    }
    return undefined
  })
)

/**
 * Time from dial to the outcome, per outcome. `machine` and `busy` are needed
 * only when some step gives them a share; `noAnswer` only when there is no ring
 * timeout (otherwise a no-answer dial ends at the timeout).
 */
export const SecondsToOutcome = Schema.Struct({
  human: Distribution,
  machine: Schema.optionalKey(Distribution),
  noAnswer: Schema.optionalKey(Distribution),
  busy: Schema.optionalKey(Distribution)
})

// ---------------------------------------------------------------------------
// AMD

export const AmdOff = Schema.Struct({ enabled: Schema.Literal(false) })
export const AmdOn = Schema.Struct({
  enabled: Schema.Literal(true),
  /** Seconds after the answer at which AMD gives its verdict. */
  decisionSeconds: Distribution,
  /** Share of machines detected as machines. */
  sensitivity: Share,
  /** Share of humans classed as machines and released (AMD false positives). */
  falsePositive: Share,
  /** Agent seconds lost when a machine AMD missed reaches an agent. */
  agentSecondsOnMissedMachine: NonNegative
})
export const Amd = Schema.Union([AmdOff, AmdOn]).annotate({
  expected:
    `{"enabled":false} | {"enabled":true,"decisionSeconds","sensitivity","falsePositive","agentSecondsOnMissedMachine"}`
})
export type Amd = typeof Amd.Type

// ---------------------------------------------------------------------------
// Policy

export const Regime = Schema.Literals(["fcc", "ofcom"])
export type Regime = typeof Regime.Type

export const WindowSoFar = Schema.Struct({ liveAnswers: Count, abandoned: Count }).check(
  Schema.makeFilter((w) =>
    w.abandoned <= w.liveAnswers
      ? undefined
      : { path: ["abandoned"], issue: `Expected abandoned <= liveAnswers (${w.liveAnswers}), got ${w.abandoned}` }
  )
)
export type WindowSoFar = typeof WindowSoFar.Type

export const Policy = Schema.Struct({
  regime: Regime,
  abandonLimit: Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThan(1)),
  connectThresholdSeconds: NonNegative,
  windowSoFar: Schema.optionalKey(WindowSoFar),
  maxLinesPerAgent: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1)),
  countAmdFalsePositives: Schema.optionalKey(Schema.Boolean),
  /** Hours a number may not be dialled after an abandon (Ofcom: 72). Not in the §4 example; defaults by regime. */
  dropLockoutHours: Schema.optionalKey(NonNegative)
})

// ---------------------------------------------------------------------------
// The file

const isExponential = (d: Distribution | undefined): boolean => d !== undefined && d.dist === "exponential"
const isConstantZero = (d: Distribution): boolean => d.dist === "constant" && d.value === 0
const show = (d: Distribution | undefined): string => (d === undefined ? "nothing" : JSON.stringify(d))

const ScenarioFields = {
  name: Schema.NonEmptyString,
  description: Schema.optionalKey(Schema.String),
  hours: Positive,
  markovian: Schema.optionalKey(Schema.Boolean),
  agents: Agents,
  outcomes: Outcomes,
  secondsToOutcome: SecondsToOutcome,
  ringTimeoutSeconds: Schema.NullOr(Positive),
  greetingSeconds: Distribution,
  amd: Amd,
  talkSeconds: Distribution,
  wrapSeconds: Distribution,
  policy: Policy
}

type FileShape = Schema.Struct<typeof ScenarioFields>["Type"]

/** Cross-field rules that hold for every file. */
const consistent = Schema.makeFilter<FileShape>((s) => {
  const issues: Array<Schema.FilterIssue> = []
  for (const outcome of ["machine", "busy"] as const) {
    const i = s.outcomes.findIndex((o) => o[outcome] > 0)
    if (i >= 0 && s.secondsToOutcome[outcome] === undefined) {
      issues.push({
        path: ["secondsToOutcome", outcome],
        issue: `Expected a distribution, because outcomes[${i}].${outcome} is ${s.outcomes[i]![outcome]}`
      })
    }
  }
  if (s.ringTimeoutSeconds === null && s.secondsToOutcome.noAnswer === undefined && s.outcomes.some((o) => o.noAnswer > 0)) {
    issues.push({
      path: ["secondsToOutcome", "noAnswer"],
      issue: "Expected a distribution, because ringTimeoutSeconds is null (a no-answer dial needs an end)"
    })
  }
  return issues
})

/** The Markov conditions of PACING.md §4, checked only when the file claims `"markovian": true`. */
const markovConditions = Schema.makeFilter<FileShape>((s) => {
  if (s.markovian !== true) return undefined
  const issues: Array<Schema.FilterIssue> = []
  const why = "(required by \"markovian\": true)"
  s.outcomes.forEach((o, i) => {
    for (const outcome of ["machine", "busy"] as const) {
      if (o[outcome] !== 0) issues.push({ path: ["outcomes", i, outcome], issue: `Expected 0 ${why}, got ${o[outcome]}` })
    }
  })
  if (s.outcomes.length !== 1) {
    issues.push({ path: ["outcomes"], issue: `Expected exactly one outcome step (a constant answer rate) ${why}, got ${s.outcomes.length}` })
  }
  if (s.agents.schedule !== undefined) {
    issues.push({ path: ["agents", "schedule"], issue: `Expected no schedule (a constant number of agents) ${why}` })
  }
  if (s.agents.breaks !== undefined) {
    issues.push({ path: ["agents", "breaks"], issue: `Expected no breaks ${why}` })
  }
  const human = s.secondsToOutcome.human
  if (!isExponential(human)) {
    issues.push({ path: ["secondsToOutcome", "human"], issue: `Expected an exponential distribution ${why}, got ${show(human)}` })
  }
  const noAnswer = s.secondsToOutcome.noAnswer
  if (!isExponential(noAnswer) || JSON.stringify(noAnswer) !== JSON.stringify(human)) {
    issues.push({
      path: ["secondsToOutcome", "noAnswer"],
      issue: `Expected the same exponential distribution as secondsToOutcome.human ${why}, got ${show(noAnswer)}`
    })
  }
  for (const outcome of ["machine", "busy"] as const) {
    const d = s.secondsToOutcome[outcome]
    if (d !== undefined && !isExponential(d)) {
      issues.push({ path: ["secondsToOutcome", outcome], issue: `Expected an exponential distribution ${why}, got ${show(d)}` })
    }
  }
  if (s.ringTimeoutSeconds !== null) {
    issues.push({ path: ["ringTimeoutSeconds"], issue: `Expected null ${why}, got ${s.ringTimeoutSeconds}` })
  }
  if (s.amd.enabled) issues.push({ path: ["amd", "enabled"], issue: `Expected false ${why}, got true` })
  if (!isConstantZero(s.greetingSeconds)) {
    issues.push({ path: ["greetingSeconds"], issue: `Expected {"dist":"constant","value":0} ${why}, got ${show(s.greetingSeconds)}` })
  }
  if (!isExponential(s.talkSeconds)) {
    issues.push({ path: ["talkSeconds"], issue: `Expected an exponential distribution ${why}, got ${show(s.talkSeconds)}` })
  }
  if (!isConstantZero(s.wrapSeconds)) {
    issues.push({ path: ["wrapSeconds"], issue: `Expected {"dist":"constant","value":0} ${why}, got ${show(s.wrapSeconds)}` })
  }
  if (s.policy.connectThresholdSeconds !== 0) {
    issues.push({ path: ["policy", "connectThresholdSeconds"], issue: `Expected 0 ${why}, got ${s.policy.connectThresholdSeconds}` })
  }
  return issues
})

/** The scenario file as written (defaults not yet applied). */
export const ScenarioFile = Schema.Struct(ScenarioFields).check(consistent, markovConditions)
export type ScenarioFile = typeof ScenarioFile.Type

/** The abandon policy with its defaults resolved. */
export interface ResolvedPolicy {
  readonly regime: Regime
  readonly abandonLimit: number
  readonly connectThresholdSeconds: number
  readonly windowSoFar: WindowSoFar
  readonly maxLinesPerAgent: number
  /** Defaults to true for `ofcom`, false for `fcc`. */
  readonly countAmdFalsePositives: boolean
  /** Defaults to 72 for `ofcom`, 0 for `fcc`. */
  readonly dropLockoutHours: number
}

/** A decoded scenario, with defaults resolved. */
export interface Scenario extends Omit<ScenarioFile, "markovian" | "policy"> {
  readonly markovian: boolean
  readonly policy: ResolvedPolicy
}

/** A scenario file that does not decode; `message` names each bad field, its value and what was expected. */
export class ScenarioDecodeError extends Schema.TaggedError<ScenarioDecodeError>()("ScenarioDecodeError", {
  source: Schema.String,
  message: Schema.String
}) {}

const decodeFile = Schema.decodeUnknownResult(ScenarioFile, { onExcessProperty: "error", errors: "all" })

const resolve = (file: ScenarioFile): Scenario => {
  const { markovian, policy, ...rest } = file
  const ofcom = policy.regime === "ofcom"
  return {
    ...rest,
    markovian: markovian ?? false,
    policy: {
      regime: policy.regime,
      abandonLimit: policy.abandonLimit,
      connectThresholdSeconds: policy.connectThresholdSeconds,
      windowSoFar: policy.windowSoFar ?? { liveAnswers: 0, abandoned: 0 },
      maxLinesPerAgent: policy.maxLinesPerAgent,
      countAmdFalsePositives: policy.countAmdFalsePositives ?? ofcom,
      dropLockoutHours: policy.dropLockoutHours ?? (ofcom ? 72 : 0)
    }
  }
}

/**
 * Decode a parsed JSON value into a `Scenario`. `source` (a file name) is only
 * used in the error message.
 */
export const decodeScenario = (json: unknown, source = "scenario"): Result.Result<Scenario, ScenarioDecodeError> => {
  const decoded = decodeFile(json)
  return Result.isFailure(decoded)
    ? Result.fail(new ScenarioDecodeError({ source, message: `${source} is not a valid scenario:\n${decoded.failure.message}` }))
    : Result.succeed(resolve(decoded.success))
}

/** Decode scenario JSON text (a file's contents). */
export const decodeScenarioText = (text: string, source = "scenario"): Result.Result<Scenario, ScenarioDecodeError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Result.fail(
      new ScenarioDecodeError({ source, message: `${source} is not valid JSON: ${e instanceof Error ? e.message : String(e)}` })
    )
  }
  return decodeScenario(json, source)
}

/** Agents logged in at a minute of the shift, from `count` and `schedule` (breaks not applied). */
export const agentsAt = (s: Pick<Scenario, "agents">, minute: number): number => {
  let count = s.agents.count
  for (const step of s.agents.schedule ?? []) if (step.atMinute <= minute) count = step.count
  return count
}

/** The outcome step in force at a minute of the shift. */
export const outcomesAt = (s: Pick<Scenario, "outcomes">, minute: number): OutcomeStep => {
  let current = s.outcomes[0]!
  for (const step of s.outcomes) if (step.fromMinute <= minute) current = step
  return current
}
