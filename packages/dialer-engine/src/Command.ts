/**
 * What a dialing session asks its host to do. Adapters translate these into
 * carrier requests (originate, bridge, play, hang up) and store updates.
 *
 * Call ids are minted by the session (`<sessionId>:<n>`), so the same event
 * sequence always yields byte-identical commands.
 */
import type { Outcome } from "./Config.ts"

export type SessionCommand =
  | {
      readonly _tag: "Dial"
      readonly callId: string
      readonly contactId: string
      readonly number: string
      readonly callerId: string
      readonly ringTimeoutSeconds: number
      readonly amd: "off" | "detect" | "detectAndDropVoicemail"
      /** Set when an agent is waiting for this call (preview, callback, parallel). */
      readonly agentId?: string
    }
  | { readonly _tag: "Cancel"; readonly callId: string; readonly reason: "parallelLoser" | "agentGone" }
  | { readonly _tag: "Bridge"; readonly callId: string; readonly agentId: string }
  | { readonly _tag: "PlaySafeHarbourAndRelease"; readonly callId: string; readonly message: string }
  | { readonly _tag: "DropVoicemail"; readonly callId: string; readonly message: string }
  | { readonly _tag: "HangUp"; readonly callId: string; readonly reason: string }
  | { readonly _tag: "ScheduleRetry"; readonly contactId: string; readonly at: number; readonly outcome: Outcome }
  | {
      readonly _tag: "MarkContactDone"
      readonly contactId: string
      readonly reason: "connected" | "dnc" | "attemptsExhausted" | "noDialableNumber" | "retriesExhausted"
    }
  | { readonly _tag: "OfferPreview"; readonly agentId: string; readonly contactId: string; readonly autoDialAt?: number }
