/**
 * The JSON shapes the pages read and send, mirrored from the server's HttpApi
 * contract (`packages/server/src/api/Resources.ts`). They are written out here,
 * not imported, so the browser bundle does not pull in Effect; the browser
 * tests run every page against the real server, which is what keeps the two
 * in step.
 */

export type Role = "admin" | "manager" | "agent"
export type AgentState = "offline" | "available" | "reserved" | "on_call" | "wrap_up" | "paused"
export type CampaignMode = "preview" | "progressive" | "predictive" | "agentless"

export interface Page<A> { readonly items: ReadonlyArray<A>; readonly nextCursor: string | null }

export interface User {
  readonly id: string; readonly email: string; readonly fullName: string; readonly role: Role
  readonly teamId: string | null; readonly isActive: boolean; readonly createdAt: string
}
export interface Organization {
  readonly id: string; readonly name: string; readonly slug: string; readonly plan: string
  readonly defaultTimeZone: string; readonly defaultRegion: string; readonly createdAt: string
}
export interface LoginResult { readonly token: string; readonly expiresAt: string; readonly user: User }
export interface Me { readonly user: User; readonly organization: Organization; readonly via: "apiKey" | "session" }

export interface Contact {
  readonly id: string; readonly phone: string; readonly firstName: string | null; readonly lastName: string | null
  readonly company: string | null; readonly email: string | null; readonly timeZone: string | null
  readonly status: string; readonly crmId: string | null; readonly sourceCrm: string | null
  readonly tags: ReadonlyArray<string>; readonly customFields: Readonly<Record<string, unknown>>
  readonly createdAt: string; readonly updatedAt: string
}

export interface RowError { readonly line: number; readonly column?: string; readonly value?: string; readonly message: string }
export interface ImportReport {
  readonly rowsRead: number; readonly created: number; readonly updated: number; readonly duplicatesInFile: number
  readonly enrolled: number; readonly skippedDnc: number; readonly dryRun: boolean; readonly warnings: ReadonlyArray<RowError>
}

export type DncReason = "requested" | "national_registry" | "litigator" | "wrong_number" | "regulatory" | "other"
export interface DncEntry {
  readonly id: string; readonly phone: string; readonly scope: string; readonly campaignId: string | null
  readonly reason: string; readonly note: string | null; readonly addedAt: string; readonly expiresAt: string | null
}
export interface DncCheck { readonly phone: string; readonly listed: boolean; readonly entries: ReadonlyArray<DncEntry> }

export interface PhoneNumber {
  readonly id: string; readonly number: string; readonly provider: string; readonly friendlyName: string | null
  readonly isDefault: boolean; readonly isActive: boolean; readonly createdAt: string
}
export interface Disposition {
  readonly id: string; readonly code: string; readonly label: string; readonly humanAnswered: boolean
  readonly contact: boolean; readonly sale: boolean; readonly dnc: boolean; readonly callback: boolean; readonly isActive: boolean
}

export interface CallingWindow { readonly days: ReadonlyArray<number>; readonly start: string; readonly end: string }
export interface PauseCode { readonly code: string; readonly label: string }
export interface Amd {
  readonly enabled: boolean
  readonly onMachine: "hangup" | "drop_voicemail"
  readonly voicemailMessage: string | null
}
export type CallerId =
  | { readonly strategy: "org_default" }
  | { readonly strategy: "fixed"; readonly phoneNumberId: string }
  | { readonly strategy: "local_presence" }
export interface CampaignSettings {
  readonly description?: string | null
  readonly script?: string | null
  readonly timeZone?: string
  readonly windows?: ReadonlyArray<CallingWindow>
  readonly abandonLimit?: number
  readonly maxAttempts?: number
  readonly retryDelayMinutes?: number
  readonly linesPerAgent?: number
  readonly voiceServerId?: string | null
  readonly pauseCodes?: ReadonlyArray<PauseCode>
  readonly amd?: Amd
  readonly callerId?: CallerId
}
export interface NewCampaign extends CampaignSettings { readonly name: string; readonly mode: CampaignMode }
export interface Campaign {
  readonly id: string; readonly name: string; readonly mode: string; readonly status: string
  readonly description: string | null; readonly script: string | null; readonly timeZone: string
  readonly windows: ReadonlyArray<CallingWindow>; readonly abandonLimit: number; readonly maxAttempts: number
  readonly retryDelayMinutes: number; readonly linesPerAgent: number; readonly voiceServerId: string | null
  readonly pauseCodes: ReadonlyArray<PauseCode>; readonly amd: Amd; readonly callerId: CallerId
  readonly totalCalls: number; readonly createdAt: string; readonly updatedAt: string
}
export interface AgentCounts {
  readonly offline: number; readonly available: number; readonly reserved: number
  readonly on_call: number; readonly wrap_up: number; readonly paused: number
}
export interface CampaignStats {
  readonly campaignId: string; readonly status: string; readonly runtime: string
  readonly queue: { readonly pending: number; readonly inProgress: number; readonly done: number }
  readonly callsPlaced: number; readonly callsInFlight: number; readonly connects: number; readonly abandoned: number
  readonly abandonRate: number; readonly abandonLimit: number; readonly dialLevel: number
  readonly agents: AgentCounts; readonly talkSeconds: number; readonly talkMinutesPerAgentHour: number
  readonly at: string
}

export interface AgentStatus {
  readonly agentId: string; readonly fullName: string; readonly state: AgentState; readonly campaignId: string | null
  readonly callId: string | null; readonly reason: string | null; readonly since: string
}

export interface CallEventView {
  readonly id: string; readonly type: string; readonly provider: string; readonly occurredAt: string; readonly payload: unknown
}
export interface Call {
  readonly id: string; readonly campaignId: string | null; readonly contactId: string | null; readonly agentId: string | null
  readonly provider: string; readonly providerCallId: string | null; readonly direction: string
  readonly fromNumber: string; readonly toNumber: string; readonly status: string; readonly outcome: string | null
  readonly answeredBy: string | null; readonly attempt: number; readonly talkSeconds: number | null
  readonly summary: string | null; readonly transcriptStatus: string; readonly isTransferred: boolean
  readonly transferredTo: string | null; readonly dispositionId: string | null; readonly notes: string | null
  readonly createdAt: string; readonly endedAt: string | null
}
/** `GET /agents/me`: what the console restores after a reload or a reconnect. */
export interface AgentDesk {
  readonly user: User; readonly state: AgentState; readonly since: string; readonly secondsInState: number
  readonly reason: string | null; readonly campaign: Campaign | null; readonly call: Call | null
}
export interface CallDetail {
  readonly call: Call; readonly events: ReadonlyArray<CallEventView>; readonly transcript: string | null
  readonly recordingUrl: string | null; readonly notes: string | null
}

/** One message of a realtime channel, as the server's `RealtimeEvent` (minus the organization). */
export interface RealtimeMessage {
  readonly channel?: string
  readonly type: string
  readonly at: number
  readonly data: unknown
}
