/**
 * The CRM connector port: the four things the dialer needs from any CRM.
 *
 * - `pullContacts`: one page of contacts changed since a watermark, mapped to our contact model.
 *   Bad records come back as `RecordRejected` values beside the good ones; they never fail the page.
 * - `pushCallActivities`: write call activities against the CRM record each dial came from (its
 *   CRM id, never a phone lookup). Every activity carries an idempotency key, and a re-push of a
 *   key the CRM already has is reported as `duplicate`, not created twice.
 * - `updateContactStatus`: write our contact status (mapped per organization) to the CRM record.
 * - `pullDoNotCall`: the CRM's own do-not-call / opt-out flags, page by page.
 *
 * Each CRM provides one implementation (HubSpot, Salesforce, Zoho, CsvWebhook). All types here are
 * Schemas so the workflow layer can persist checkpoints and results as JSON.
 */
import { ContactStatus, CrmType } from "@autodialer/domain/Enums"
import { E164 } from "@autodialer/domain/Phone"
import { IanaTimeZone } from "@autodialer/domain/TimeZone"
import { Context, Effect, Schema } from "effect"
import type { CrmError } from "./CrmError.ts"

/**
 * A contact as read from a CRM, in the domain's terms (`Contact` from @autodialer/domain):
 * the sync workflow upserts it by (organization, `crmId`, source CRM).
 */
export const CrmContact = Schema.Struct({
  crmId: Schema.String,
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  phone: E164,
  company: Schema.NullOr(Schema.String),
  /** The CRM's lead status / lifecycle stage, verbatim (domain `Contact.stage`). */
  stage: Schema.NullOr(Schema.String),
  timeZone: Schema.NullOr(IanaTimeZone),
  doNotCall: Schema.Boolean,
  custom: Schema.Record(Schema.String, Schema.String),
  /** ISO 8601 UTC. */
  modifiedAt: Schema.String
})
export type CrmContact = typeof CrmContact.Type

/** One problem with one field of a CRM record. */
export class FieldIssue extends Schema.Class<FieldIssue>("@autodialer/crm-sync/FieldIssue")({
  /** Our field ("phone", "custom.tier", "modifiedAt", or "record" for an undecodable envelope). */
  field: Schema.String,
  /** The CRM property it came from, when there is one. */
  crmField: Schema.NullOr(Schema.String),
  /** The offending value, JSON-rendered. */
  value: Schema.String,
  expected: Schema.String
}) {}

/** A CRM record we could not import, with every reason. The rest of its page is unaffected. */
export class RecordRejected extends Schema.Class<RecordRejected>("@autodialer/crm-sync/RecordRejected")({
  crmId: Schema.NullOr(Schema.String),
  /** 1-based line for file sources. */
  line: Schema.NullOr(Schema.Number),
  issues: Schema.Array(FieldIssue),
  message: Schema.String
}) {}

/**
 * Where an incremental pull stands. A run starts with `since` = the previous run's `highWater`
 * and walks pages through `cursor`; when a run finishes, `cursor` is null and the caller stores
 * the checkpoint for the next run. Timestamps are ISO 8601 UTC; `since` is exclusive.
 */
/** An ISO 8601 instant, e.g. 2026-11-25T10:00:00.000Z. */
export const IsoTimestamp = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) && Number.isFinite(Date.parse(s))
      ? undefined
      : `'${s}' is not an ISO 8601 timestamp (expected e.g. 2026-11-25T10:00:00.000Z)`
  ))
)

export class SyncCheckpoint extends Schema.Class<SyncCheckpoint>("@autodialer/crm-sync/SyncCheckpoint")({
  since: Schema.NullOr(IsoTimestamp),
  cursor: Schema.NullOr(Schema.String),
  highWater: Schema.NullOr(IsoTimestamp)
}) {
  static readonly initial = new SyncCheckpoint({ since: null, cursor: null, highWater: null })

  /** The checkpoint the next incremental run starts from, once this run is done. */
  get nextRun(): SyncCheckpoint {
    return new SyncCheckpoint({ since: this.highWater ?? this.since, cursor: null, highWater: this.highWater ?? this.since })
  }
}

/** One page of a pull. A Schema, so it can cross a Temporal activity boundary as JSON. */
export const ContactPage = Schema.Struct({
  contacts: Schema.Array(CrmContact),
  rejected: Schema.Array(RecordRejected),
  /** Pass back to get the next page. */
  checkpoint: SyncCheckpoint,
  /** True when this was the last page of the run (then `checkpoint.nextRun` starts the next run). */
  done: Schema.Boolean
})
export type ContactPage = typeof ContactPage.Type

export const CallOutcome = Schema.Literals(["answered", "no_answer", "busy", "failed", "voicemail", "cancelled"])
export type CallOutcome = typeof CallOutcome.Type

export const CrmRecordType = Schema.Literals(["contact", "lead"])
export type CrmRecordType = typeof CrmRecordType.Type

export class CallAgent extends Schema.Class<CallAgent>("@autodialer/crm-sync/CallAgent")({
  id: Schema.String,
  name: Schema.String,
  /** The agent's user id in the CRM, when mapped; the activity is owned by them. */
  crmUserId: Schema.NullOr(Schema.String)
}) {}

/** A finished call to write back to the CRM. */
export class CallActivity extends Schema.Class<CallActivity>("@autodialer/crm-sync/CallActivity")({
  /** Stable per call (e.g. the call id): re-pushing the same key never creates a second activity. */
  idempotencyKey: Schema.String.pipe(Schema.check(Schema.isPattern(/^[A-Za-z0-9._:-]{1,80}$/, { message: "expected 1-80 characters of [A-Za-z0-9._:-]" }))),
  /** The CRM record the dial came from. */
  crmRecordId: Schema.String.pipe(Schema.check(Schema.isNonEmpty())),
  crmRecordType: CrmRecordType,
  outcome: CallOutcome,
  /** Free-text disposition chosen by the agent ("Interested", "Call back"). */
  disposition: Schema.NullOr(Schema.String),
  durationSeconds: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(0))),
  /** ISO 8601 UTC. */
  startedAt: Schema.String,
  toNumber: E164,
  fromNumber: Schema.NullOr(E164),
  recordingUrl: Schema.NullOr(Schema.String),
  notes: Schema.NullOr(Schema.String),
  agent: Schema.NullOr(CallAgent)
}) {}

/** What happened to one activity of a push. */
export const PushOutcome = Schema.Union([
  Schema.TaggedStruct("Created", { idempotencyKey: Schema.String, crmActivityId: Schema.String }),
  /** The CRM already had this key: nothing was created. */
  Schema.TaggedStruct("Duplicate", { idempotencyKey: Schema.String, crmActivityId: Schema.String }),
  Schema.TaggedStruct("Failed", { idempotencyKey: Schema.String, message: Schema.String, retryable: Schema.Boolean })
])
export type PushOutcome = typeof PushOutcome.Type

export class StatusUpdate extends Schema.Class<StatusUpdate>("@autodialer/crm-sync/StatusUpdate")({
  crmRecordId: Schema.String.pipe(Schema.check(Schema.isNonEmpty())),
  crmRecordType: CrmRecordType,
  /** Our contact status; the connection's mapping turns it into the CRM's value. */
  status: ContactStatus
}) {}

export const DncEntry = Schema.Struct({
  crmId: Schema.String,
  /** Null when the CRM record has no readable phone: match it by `crmId`. */
  phone: Schema.NullOr(E164),
  doNotCall: Schema.Boolean
})
export type DncEntry = typeof DncEntry.Type

export const DncPage = Schema.Struct({
  entries: Schema.Array(DncEntry),
  rejected: Schema.Array(RecordRejected),
  /** Null when there are no more pages. */
  nextCursor: Schema.NullOr(Schema.String)
})
export type DncPage = typeof DncPage.Type

export interface CrmConnectorShape {
  readonly provider: CrmType
  readonly pullContacts: (checkpoint: SyncCheckpoint) => Effect.Effect<ContactPage, CrmError>
  readonly pushCallActivities: (
    activities: ReadonlyArray<CallActivity>
  ) => Effect.Effect<ReadonlyArray<PushOutcome>, CrmError>
  readonly updateContactStatus: (update: StatusUpdate) => Effect.Effect<void, CrmError>
  readonly pullDoNotCall: (cursor: string | null) => Effect.Effect<DncPage, CrmError>
}

/** The port. Provide it with `HubSpot.layer`, `Salesforce.layer`, `Zoho.layer` or `CsvWebhook.layer`. */
export class CrmConnector extends Context.Service<CrmConnector, CrmConnectorShape>()(
  "@autodialer/crm-sync/CrmConnector"
) {}

/** Folds the `highWater` of a run over the contacts of one page. */
export const advanceHighWater = (highWater: string | null, contacts: ReadonlyArray<{ readonly modifiedAt: string }>): string | null =>
  contacts.reduce<string | null>((acc, c) => (acc === null || c.modifiedAt > acc ? c.modifiedAt : acc), highWater)
