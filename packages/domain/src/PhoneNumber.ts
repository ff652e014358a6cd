/**
 * Our own numbers used as caller ids (seed 000 `PhoneNumber`, seed 001
 * `phone_numbers`): provider, provider SID, capabilities, monthly cost, and
 * at most one default per organization (partial unique index).
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { PhoneCapability, Provider } from "./Enums.ts"
import { CreatedAt, Currency, Decimal, NonNegativeInt, OrgId, UpdatedAt } from "./Fields.ts"
import { PhoneNumberId } from "./Ids.ts"
import { E164 } from "./Phone.ts"

export class PhoneNumber extends Model.Class<PhoneNumber>("PhoneNumber")({
  id: Model.GeneratedByApp(PhoneNumberId),
  orgId: OrgId,
  number: E164,
  provider: Provider,
  /** Twilio IncomingPhoneNumber SID, Plivo number id, or trunk name. */
  providerSid: Schema.NullOr(Schema.String),
  friendlyName: Schema.NullOr(Schema.String),
  capabilities: Schema.Array(PhoneCapability),
  isDefault: Schema.Boolean,
  isActive: Schema.Boolean,
  monthlyCost: Schema.NullOr(Decimal),
  costCurrency: Schema.NullOr(Currency),
  /** Calls placed today, for caller-id rotation and spam-flag avoidance. */
  dailyCallCount: NonNegativeInt,
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
