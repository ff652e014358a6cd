/**
 * The person we call (seed 000 `Contact`, seed 001 `leads`, seeds 002-004 CRM
 * contacts/leads). A contact may come from a CRM (`crm_id` + `source_crm`,
 * unique per org) or be ours only (CSV, API). Phone numbers are E.164; the
 * time zone is IANA with its provenance because calling windows depend on it.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { ConsentStatus, ContactStatus, CrmType } from "./Enums.ts"
import { CreatedAt, IsoTimestampText, Json, JsonObject, NullableTimestamp, OrgId, Tags, UpdatedAt } from "./Fields.ts"
import { ContactId, UserId } from "./Ids.ts"
import { E164 } from "./Phone.ts"
import { IanaTimeZone, TimeZoneSource } from "./TimeZone.ts"
import { Email } from "./User.ts"

/** 0-100, higher is hotter (seed 001 `leads.score`, CRM lead scores rescaled). */
export const LeadScore = Schema.Int.pipe(Schema.check(Schema.makeFilter((n: number) =>
  n >= 0 && n <= 100 ? undefined : `lead score ${n} is out of range (expected an integer from 0 to 100)`
)))

/** Permission to call, per channel, with its evidence. */
export const Consent = Schema.Struct({
  status: ConsentStatus,
  /** How it was obtained: "web_form", "verbal", "crm", "import". */
  method: Schema.NullOr(Schema.String),
  capturedAt: Schema.NullOr(IsoTimestampText),
  /** Free text or URL pointing to the evidence. */
  evidence: Schema.NullOr(Schema.String)
})
export type Consent = typeof Consent.Type

export class Contact extends Model.Class<Contact>("Contact")({
  id: Model.GeneratedByApp(ContactId),
  orgId: OrgId,
  crmId: Schema.NullOr(Schema.String),
  sourceCrm: Schema.NullOr(CrmType),
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  company: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Email),
  phone: E164,
  alternatePhones: Schema.Array(E164),
  timeZone: Schema.NullOr(IanaTimeZone),
  timeZoneSource: Schema.NullOr(TimeZoneSource),
  leadScore: Schema.NullOr(LeadScore),
  status: ContactStatus,
  /** The CRM's lifecycle stage or pipeline stage name, verbatim. */
  stage: Schema.NullOr(Schema.String),
  /** Where the lead came from ("webinar", "csv:2026-11-import"). */
  source: Schema.NullOr(Schema.String),
  ownerId: Schema.NullOr(UserId),
  tags: Tags,
  customFields: Json(JsonObject),
  consent: Json(Consent),
  lastContactedAt: NullableTimestamp,
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}

/**
 * Rules across fields that the column types cannot express (the database
 * enforces the same ones with CHECK constraints). Returns what is wrong, or
 * an empty list.
 */
export const crossFieldProblems = (
  c: Pick<Contact, "crmId" | "sourceCrm" | "timeZone" | "timeZoneSource">
): ReadonlyArray<string> => [
  ...((c.crmId === null) === (c.sourceCrm === null)
    ? []
    : ["crmId and sourceCrm go together (expected both set for a CRM record, or both null)"]),
  ...((c.timeZone === null) === (c.timeZoneSource === null)
    ? []
    : ["timeZone and timeZoneSource go together (expected the zone with where it came from, or both null)"])
]
