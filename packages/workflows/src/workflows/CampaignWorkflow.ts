/**
 * The campaign workflow: one per campaign (id from `campaignWorkflowId`), it
 * owns the lifecycle and the calendar, never the real-time dialing.
 *
 * - Lifecycle draft -> running <-> paused -> completed | stopped, through
 *   signals (fire and forget) or validated updates (accepted or refused with
 *   a reason). The status query reports it live.
 * - Outside every calling window it sleeps on a durable timer until the next
 *   opens; when every contact left is a retry or callback due later, it sleeps
 *   until the earliest is due (the queue's next-attempt time).
 * - Inside a window it runs the dialing-session activity (long-running,
 *   heartbeating, retried with backoff; a retry rebuilds from Postgres). A
 *   lifecycle or config change cancels the session, which finishes its calls
 *   in flight before it returns.
 * - It continues as new when Temporal suggests it or after `maxHistoryEvents`,
 *   carrying its status, so the history of a campaign of weeks stays bounded.
 *
 * Deterministic by construction: time comes from the workflow clock, and the
 * only imports are type-only activities and plain functions.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo
} from "@temporalio/workflow"
import type { CampaignActivities, SessionInput } from "../CampaignActivities.ts"
import { type CampaignConfig, formatIssues, validateCampaignConfig } from "../CampaignConfig.ts"
import { type LifecycleCommand, isTerminal, transition } from "../CampaignLifecycle.ts"
import type { CampaignStatus, Lifecycle, Phase, SessionReport, Transition } from "../CampaignStatus.ts"
import { windowState } from "../CallingWindow.ts"
import { FailureTypes, Queries, Signals, Updates } from "../Names.ts"

export interface CampaignWorkflowInput {
  readonly campaignId: string
  readonly config: CampaignConfig
  /** Start dialing at once instead of waiting in draft for `start`. */
  readonly autoStart?: boolean
  /** Continue as new once the history has this many events (default 5000). */
  readonly maxHistoryEvents?: number
  /** The status carried over by continue-as-new. */
  readonly carried?: CampaignStatus
}

const maxTransitionsKept = 20
const defaultMaxHistoryEvents = 5_000

/** Failures of the session that retrying cannot fix: they pause the campaign. */
const nonRetryable = [FailureTypes.invalidConfig, FailureTypes.campaignNotFound]

export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignStatus> {
  const initial = validateCampaignConfig(input.config)
  if (!initial.ok) {
    throw ApplicationFailure.nonRetryable(`invalid campaign config: ${formatIssues(initial.issues)}`, FailureTypes.invalidConfig)
  }
  let status: CampaignStatus = input.carried ?? {
    campaignId: input.campaignId,
    lifecycle: input.autoStart === true ? "running" : "draft",
    phase: input.autoStart === true ? "dialing" : "awaitingStart",
    draining: false,
    config: initial.config,
    configVersion: 1,
    sessionsRun: 0,
    totals: { dialsPlaced: 0, callsFinished: 0 },
    continuedAsNew: 0,
    transitions: []
  }
  /** Bumped by every accepted command; waits end when it changes. */
  let epoch = 0

  const set = (patch: Partial<CampaignStatus>): void => {
    status = { ...status, ...patch }
  }
  const setPhase = (phase: Phase, sleepingUntil?: number): void => {
    const { sleepingUntil: _s, windowClosesAt: _w, ...rest } = status
    status = sleepingUntil === undefined ? { ...rest, phase } : { ...rest, phase, sleepingUntil }
  }
  const record = (to: Lifecycle, reason?: string): void => {
    const t: Transition = reason === undefined || reason === ""
      ? { from: status.lifecycle, to, at: Date.now() }
      : { from: status.lifecycle, to, at: Date.now(), reason }
    set({ lifecycle: to, transitions: [...status.transitions, t].slice(-maxTransitionsKept) })
  }
  const apply = (command: LifecycleCommand, reason?: string): CampaignStatus => {
    const r = transition(status.lifecycle, status.draining, command)
    if (!r.ok) return status
    if (r.lifecycle !== status.lifecycle) record(r.lifecycle, reason)
    set({ draining: r.draining })
    epoch++
    return status
  }
  const validate = (command: LifecycleCommand) => (..._args: ReadonlyArray<unknown>): void => {
    const r = transition(status.lifecycle, status.draining, command)
    if (!r.ok) throw ApplicationFailure.nonRetryable(r.reason, FailureTypes.invalidTransition)
  }

  setHandler(Queries.status, () => status)
  setHandler(Signals.start, () => void apply("start"))
  setHandler(Signals.pause, (reason) => void apply("pause", reason))
  setHandler(Signals.resume, () => void apply("resume"))
  setHandler(Signals.stop, (reason) => void apply("stop", reason))
  setHandler(Signals.drain, () => void apply("drain"))
  setHandler(Updates.start, () => apply("start"), { validator: validate("start") })
  setHandler(Updates.pause, (reason) => apply("pause", reason), { validator: validate("pause") })
  setHandler(Updates.resume, () => apply("resume"), { validator: validate("resume") })
  setHandler(Updates.stop, (reason) => apply("stop", reason), { validator: validate("stop") })
  setHandler(Updates.drain, () => apply("drain"), { validator: validate("drain") })
  setHandler(
    Updates.configure,
    (config) => {
      set({ config, configVersion: status.configVersion + 1 })
      epoch++
      return status
    },
    {
      validator: (config) => {
        if (isTerminal(status.lifecycle)) {
          throw ApplicationFailure.nonRetryable(`cannot configure a campaign that is ${status.lifecycle}`, FailureTypes.invalidTransition)
        }
        const v = validateCampaignConfig(config)
        if (!v.ok) throw ApplicationFailure.nonRetryable(`invalid campaign config: ${formatIssues(v.issues)}`, FailureTypes.invalidConfig)
      }
    }
  )

  /** Waits until a command arrives or `ms` elapse (durable timer); true if a command arrived. */
  const waitForCommand = async (ms?: number): Promise<boolean> => {
    const at = epoch
    if (ms === undefined) {
      await condition(() => epoch !== at)
      return true
    }
    return condition(() => epoch !== at, Math.max(1, ms))
  }

  const maxHistory = input.maxHistoryEvents ?? defaultMaxHistoryEvents
  const shouldContinueAsNew = (): boolean => {
    const info = workflowInfo()
    return info.continueAsNewSuggested || info.historyLength >= maxHistory
  }

  while (!isTerminal(status.lifecycle)) {
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished)
      const next: CampaignWorkflowInput = {
        ...input,
        carried: { ...status, continuedAsNew: status.continuedAsNew + 1 }
      }
      return continueAsNew<typeof campaignWorkflow>(next)
    }
    if (status.lifecycle === "draft") {
      setPhase("awaitingStart")
      await waitForCommand()
      continue
    }
    if (status.lifecycle === "paused") {
      setPhase("paused")
      await waitForCommand()
      continue
    }
    const now = Date.now()
    const window = windowState(status.config.windows, status.config.timeZone, now)
    if (!window.open) {
      // No window ever opens: wait for a new config (or stop).
      setPhase("awaitingWindow", window.opensAt)
      await waitForCommand(window.opensAt === undefined ? undefined : window.opensAt - now)
      continue
    }
    if (status.nextDueAt !== undefined && status.nextDueAt > now) {
      setPhase("awaitingDueContacts", Math.min(status.nextDueAt, window.closesAt))
      const commanded = await waitForCommand(Math.min(status.nextDueAt, window.closesAt) - now)
      if (!commanded && Date.now() >= status.nextDueAt) {
        const { nextDueAt: _n, ...rest } = status
        status = rest
      }
      continue
    }
    const report = await runSession(window.closesAt)
    if (report === undefined) continue
    const { nextDueAt: _n, ...rest } = status
    status = {
      ...rest,
      sessionsRun: status.sessionsRun + 1,
      totals: {
        dialsPlaced: status.totals.dialsPlaced + report.dialsPlaced,
        callsFinished: status.totals.callsFinished + report.callsFinished
      },
      lastSession: report,
      ...(report.outcome === "idle" && report.nextDueAt !== undefined ? { nextDueAt: report.nextDueAt } : {})
    }
    if (report.outcome === "exhausted" && status.lifecycle === "running") record("completed", "queue exhausted")
  }
  setPhase("finished")
  await condition(allHandlersFinished)
  return status

  /** One dialing session until it ends by itself or a command cancels it. */
  async function runSession(windowClosesAt: number): Promise<SessionReport | undefined> {
    const { sleepingUntil: _s, ...rest } = status
    status = { ...rest, phase: "dialing", windowClosesAt }
    const heartbeatTimeout = status.config.sessionHeartbeatTimeoutSeconds * 1000
    const activities = proxyActivities<CampaignActivities>({
      // The session lasts until the window closes, plus time to finish calls in flight.
      startToCloseTimeout: Math.max(60_000, windowClosesAt - Date.now() + 15 * 60_000),
      heartbeatTimeout,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        initialInterval: 1_000,
        backoffCoefficient: 2,
        maximumInterval: 30_000,
        nonRetryableErrorTypes: nonRetryable
      }
    })
    const sessionInput: SessionInput = {
      campaignId: status.campaignId,
      config: status.config,
      configVersion: status.configVersion,
      windowClosesAt,
      draining: status.draining,
      sessionKey: `${workflowInfo().runId}/${status.sessionsRun + 1}`
    }
    const at = epoch
    let done = false
    const scope = new CancellationScope()
    const session = scope.run(() => activities.runDialingSession(sessionInput)).finally(() => {
      done = true
    })
    await condition(() => done || epoch !== at)
    if (!done) scope.cancel()
    try {
      return await session
    } catch (err) {
      if (isCancellation(err)) return undefined
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
        const message = `dialing session failed: ${err.cause.message}`
        log.warn(message, { campaignId: status.campaignId })
        set({ lastError: message })
        if (status.lifecycle === "running") record("paused", message)
        return undefined
      }
      throw err
    }
  }
}
