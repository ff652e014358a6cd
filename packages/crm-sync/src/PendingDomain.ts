/**
 * Stand-ins for domain types that `@autodialer/domain` has not published yet.
 *
 * The domain package owns the canonical `OrganizationId`, `CrmConnectionId`, `E164` and the
 * CRM provider enum. Until those land, this module defines the minimal shapes the connectors
 * need, with the same names, so switching over is an import change and nothing else.
 * Nothing outside crm-sync should import this module.
 */
import { Schema } from "effect"

/** Tenant of every row; the sync log and rate limits are partitioned by it. */
export const OrganizationId = Schema.String.pipe(Schema.check(Schema.isNonEmpty()), Schema.brand("OrganizationId"))
export type OrganizationId = typeof OrganizationId.Type

/** One configured connection between an organization and a CRM account. */
export const CrmConnectionId = Schema.String.pipe(Schema.check(Schema.isNonEmpty()), Schema.brand("CrmConnectionId"))
export type CrmConnectionId = typeof CrmConnectionId.Type

/** A phone number in E.164 form: '+' then 8 to 15 digits, no leading zero. */
export const E164 = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^\+[1-9]\d{7,14}$/, { message: "expected an E.164 number such as +14155550123" })),
  Schema.brand("E164")
)
export type E164 = typeof E164.Type

/** The CRMs we sync with. `csv` covers CSV files in and the generic signed webhook out. */
export const CrmProvider = Schema.Literals(["hubspot", "salesforce", "zoho", "csv"])
export type CrmProvider = typeof CrmProvider.Type
