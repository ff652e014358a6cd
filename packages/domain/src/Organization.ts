/**
 * Tenancy: the organization (seed 000 `Organization`, seed 001 `organizations`)
 * with its plan and limits, and teams of users (seed 000 `Team`). Every other
 * tenant row carries `org_id` and is guarded by row-level security.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { OrganizationPlan } from "./Enums.ts"
import { CreatedAt, Json, JsonObject, Matching, NonBlank, NonNegativeInt, OrgId, UpdatedAt } from "./Fields.ts"
import { OrganizationId, TeamId, UserId } from "./Ids.ts"
import { IanaTimeZone } from "./TimeZone.ts"

export const OrganizationLimits = Schema.Struct({
  /** Seats; seed 001 `organizations.max_users`. */
  maxUsers: NonNegativeInt,
  /** AI (agentless) calls per calendar month; seed 001 `organizations.max_ai_calls_per_month`. */
  maxAiCallsPerMonth: NonNegativeInt,
  /** Concurrent outbound lines across all campaigns. */
  maxConcurrentCalls: NonNegativeInt
})
export type OrganizationLimits = typeof OrganizationLimits.Type

export const OrganizationSettings = Schema.Struct({
  /** Fallback zone for contacts whose zone cannot be derived. */
  defaultTimeZone: IanaTimeZone,
  /** ISO region used to read national phone numbers in imports. */
  defaultRegion: Schema.String,
  recordCalls: Schema.Boolean,
  /** Anything else the UI stores; never interpreted by the domain. */
  extra: Schema.optionalKey(JsonObject)
})
export type OrganizationSettings = typeof OrganizationSettings.Type

export class Organization extends Model.Class<Organization>("Organization")({
  id: Model.GeneratedByApp(OrganizationId),
  name: NonBlank,
  /** URL-safe unique handle. */
  slug: Matching(/^[a-z0-9][a-z0-9-]{1,62}$/, "slug", "2-63 lower-case letters, digits and dashes, e.g. acme-sales"),
  plan: OrganizationPlan,
  limits: Json(OrganizationLimits),
  settings: Json(OrganizationSettings),
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}

export class Team extends Model.Class<Team>("Team")({
  id: Model.GeneratedByApp(TeamId),
  orgId: OrgId,
  name: NonBlank,
  managerId: Schema.NullOr(UserId),
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
