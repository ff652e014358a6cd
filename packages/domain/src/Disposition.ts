/**
 * Dispositions: the label an agent (or the AI) gives a finished call (seed 000
 * `Disposition`, seed 004 call outcomes). Labels are per organization; the
 * semantic flags are what the engine and the reports act on, so a tenant can
 * rename "Sale" to "Booked demo" without breaking the conversion numbers.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { CreatedAt, Matching, NonBlank, OrgId, UpdatedAt } from "./Fields.ts"
import { DispositionId } from "./Ids.ts"

export class Disposition extends Model.Class<Disposition>("Disposition")({
  id: Model.GeneratedByApp(DispositionId),
  orgId: OrgId,
  /** Stable machine code, unique per org ("sale", "not_interested"). */
  code: Matching(/^[a-z][a-z0-9_]{0,62}$/, "disposition code", "lower_snake_case such as not_interested"),
  label: NonBlank,
  humanAnswered: Schema.Boolean,
  /** A conversation with the right person happened (right-party contact). */
  contact: Schema.Boolean,
  sale: Schema.Boolean,
  /** Adds the number to the org DNC list. */
  dnc: Schema.Boolean,
  /** Schedules a callback instead of ending the contact's sequence. */
  callback: Schema.Boolean,
  answeringMachine: Schema.Boolean,
  sortOrder: Schema.Int,
  isActive: Schema.Boolean,
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}
