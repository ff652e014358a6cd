/**
 * One benchmark job through the engine's simulator: the scenario, the pacer
 * built from its spec, the seed. The raw result is reduced to the totals the
 * metrics need, plus the time series when asked (one sample a minute).
 */
import type { Scenario } from "@autodialer/dialer-engine/Scenario"
import { simulate } from "@autodialer/dialer-engine/Simulator"
import type { TimeSeries } from "./Charts.ts"
import { pacerFor } from "./Registry.ts"
import type { Job, JobResult } from "./Runner.ts"

const TIME_SERIES_EVERY_SECONDS = 60

/**
 * The scenario as handed to the simulator. A Markovian scenario has a connect
 * threshold of 0 s (a live answer is bridged at the instant it arrives or is
 * lost), but the session's deadline check is strict, so at exactly 0 it drops
 * every live answer. One microsecond restores the model's meaning: agents free
 * up only at events, so the chance that one frees inside that microsecond is
 * about N x mu x 1e-6, far below anything measurable.
 */
export const simulatorScenario = (scenario: Scenario): Scenario =>
  scenario.markovian && scenario.policy.connectThresholdSeconds === 0
    ? { ...scenario, policy: { ...scenario.policy, connectThresholdSeconds: 1e-6 } }
    : scenario

export const runJob = (original: Scenario, job: Job): JobResult => {
  const scenario = simulatorScenario(original)
  const pacer = pacerFor(job.pacer, scenario)
  const r = simulate({
    scenario,
    seed: job.seed,
    hours: job.hours,
    ...(pacer === undefined ? {} : { pacer }),
    ...(job.timeSeries ? { timeSeriesEverySeconds: TIME_SERIES_EVERY_SECONDS } : {})
  })
  const totals = {
    hours: r.hours,
    loggedInSeconds: r.loggedInSeconds,
    talkSeconds: r.talkSeconds,
    handleSeconds: r.handleSeconds,
    liveAnswers: r.liveAnswers,
    abandoned: r.abandoned,
    amdFalsePositives: r.amdFalsePositives,
    dials: r.dials,
    connects: r.connects,
    agentWaitSeconds: r.agentWaitSeconds,
    worstWindowAbandonRate: r.worstWindowAbandonRate,
    answerToAgentSeconds: r.answerToAgentSeconds
  }
  if (!job.timeSeries || r.timeSeries === undefined) return { totals }
  const ts = r.timeSeries
  const timeSeries: TimeSeries = {
    t: ts.map((x) => x.atSeconds),
    dialLevel: ts.map((x) => x.dialLevel),
    agentsWaiting: ts.map((x) => x.agentsWaiting),
    callsInFlight: ts.map((x) => x.callsInFlight),
    rollingAbandonRate: ts.map((x) => x.rollingAbandonRate)
  }
  return { totals, timeSeries }
}
