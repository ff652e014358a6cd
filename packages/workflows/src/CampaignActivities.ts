/**
 * The contract between the campaign workflow and its activities: the input of
 * a dialing session and the activity interface. Workflows import it with
 * `import type` only, so no activity code is bundled into the sandbox.
 */
import type { CampaignConfig } from "./CampaignConfig.ts"
import type { SessionReport } from "./CampaignStatus.ts"

export interface SessionInput {
  readonly campaignId: string
  readonly config: CampaignConfig
  readonly configVersion: number
  /** The session winds down (finishes in-flight calls, dials nothing new) at this instant. */
  readonly windowClosesAt: number
  /** Drain: start no contact that has never been attempted. */
  readonly draining: boolean
  /** Identifies the workflow run and session number, for logs and reservations. */
  readonly sessionKey: string
}

export interface CampaignActivities {
  /** The real-time dialing loop; long-running, heartbeating, retried on failure. */
  runDialingSession(input: SessionInput): Promise<SessionReport>
}
