/**
 * The dialing-session activity of the embedded default, for the workflows
 * package's campaign workflow: Temporal decides when a campaign may dial
 * (lifecycle updates, calling windows, retries) by running this activity,
 * and while it runs the campaign is "open" to the in-process loop
 * (`CampaignRunner`), which does the dialing on the domain tables. The
 * activity heartbeats, ends when the workflow cancels it (pause, stop, new
 * config), when the window closes, or when the campaign has nothing left.
 */
import { Context } from "@temporalio/activity"
import { ApplicationFailure } from "@temporalio/common"
import type { CampaignActivities } from "@autodialer/workflows/CampaignActivities"
import type { SessionReport } from "@autodialer/workflows/CampaignStatus"

export interface OpenSessions {
  readonly isOpen: (campaignId: string) => boolean
  /** The process is stopping: sessions end at once (and are retried by Temporal when a worker is back). */
  readonly stopAll: () => void
  readonly stopping: () => boolean
  readonly open: (campaignId: string) => void
  readonly close: (campaignId: string) => void
}

export const makeOpenSessions = (): OpenSessions => {
  const open = new Map<string, number>()
  let stopping = false
  return {
    isOpen: (id) => !stopping && (open.get(id) ?? 0) > 0,
    stopAll: () => {
      stopping = true
    },
    stopping: () => stopping,
    open: (id) => void open.set(id, (open.get(id) ?? 0) + 1),
    close: (id) => void open.set(id, Math.max(0, (open.get(id) ?? 0) - 1))
  }
}

export interface Progress {
  readonly remaining: number
  readonly inFlight: number
  readonly dialsPlaced: number
  readonly callsFinished: number
  readonly liveAnswers: number
  readonly abandoned: number
}

export const createActivities = (
  sessions: OpenSessions,
  progress: (campaignId: string) => Promise<Progress>,
  pollMs = 1_000
): CampaignActivities => ({
  async runDialingSession(input): Promise<SessionReport> {
    const ctx = Context.current()
    let cancelled = false
    ctx.cancelled.catch(() => {
      cancelled = true
    })
    const start = await progress(input.campaignId)
    sessions.open(input.campaignId)
    let outcome: SessionReport["outcome"] = "cancelled"
    let latest: Progress | undefined
    try {
      for (;;) {
        ctx.heartbeat()
        await new Promise((r) => setTimeout(r, sessions.stopping() ? 0 : pollMs))
        const last = await progress(input.campaignId)
        latest = last
        if (cancelled) break
        if (sessions.stopping()) {
          throw ApplicationFailure.retryable("the embedded worker is shutting down; the session resumes when it is back", "WorkerShuttingDown")
        }
        if (Date.now() >= input.windowClosesAt) {
          outcome = "windowClosed"
          break
        }
        if (last.remaining === 0 && last.inFlight === 0) {
          outcome = "exhausted"
          break
        }
      }
    } finally {
      sessions.close(input.campaignId)
    }
    const last = latest ?? start
    return {
      outcome,
      dialsPlaced: last.dialsPlaced - start.dialsPlaced,
      callsFinished: last.callsFinished - start.callsFinished,
      contactsRemaining: last.remaining,
      abandon: { liveAnswers: last.liveAnswers, abandoned: last.abandoned }
    }
  }
})
