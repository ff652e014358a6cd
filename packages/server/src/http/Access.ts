/**
 * The one place where a request reaches the database: `inOrg` runs an effect
 * in a transaction scoped to the caller's organization (the domain tenancy
 * helper sets the RLS role and `app.org_id`), so even a query that forgot its
 * `org_id` filter sees one tenant. SQL failures become API errors here, once:
 * a unique violation is a 409, a check or foreign-key violation a 400 with
 * the constraint named, anything else a defect (500, logged).
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { isSqlError, type SqlError } from "effect/sql/SqlError"
import { Tenancy } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { Conflict, Forbidden, InvalidRequest } from "../api/Errors.ts"
import { CurrentPrincipal, type Principal, rank, type Role } from "../api/Security.ts"

const constraintHints: Readonly<Record<string, string>> = {
  users_org_email_key: "a user with this email already exists in the organization",
  teams_org_id_name_key: "a team with this name already exists",
  contacts_crm_key: "a contact with this CRM id already exists",
  phone_numbers_org_id_number_key: "this phone number is already registered",
  phone_numbers_one_default_key: "another number is already the default; unset it first",
  dispositions_org_id_code_key: "a disposition with this code already exists",
  voice_servers_org_id_url_key: "a voice server with this URL is already registered",
  dnc_entries_key: "this number is already on the list",
  campaign_contacts_campaign_id_contact_id_key: "this contact is already in the campaign"
}

export const fromSql = (error: SqlError): Effect.Effect<never, Conflict | InvalidRequest> => {
  const reason = error.reason
  if (reason._tag === "UniqueViolation") {
    const constraint = reason.constraint ?? "unique"
    return Effect.fail(new Conflict({ message: constraintHints[constraint] ?? `duplicate value (constraint ${constraint})` }))
  }
  if (reason._tag === "ConstraintError") {
    return Effect.fail(new InvalidRequest({
      message: `the value breaks a rule of the data model (${reason.message}); check ids refer to rows of your organization and values are in range`
    }))
  }
  if (reason._tag === "AuthorizationError") {
    // Row-level security refused a write: the row belongs to another organization.
    return Effect.fail(new InvalidRequest({ message: "the request refers to data outside your organization" }))
  }
  return Effect.die(error)
}

/** Runs `effect` inside the caller's tenant transaction (RLS applies), mapping SQL errors once. */
export const inOrg = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, SqlError> | Conflict | InvalidRequest, R | CurrentPrincipal | SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const principal = yield* CurrentPrincipal
    return yield* Tenancy.withTenant(principal.orgId as OrganizationId)(effect).pipe(
      Effect.catch((e: E | SqlError): Effect.Effect<never, Exclude<E, SqlError> | Conflict | InvalidRequest> =>
        isSqlError(e) ? fromSql(e) : Effect.fail(e as Exclude<E, SqlError>)
      )
    )
  }) as Effect.Effect<A, Exclude<E, SqlError> | Conflict | InvalidRequest, R | CurrentPrincipal | SqlClient.SqlClient>

const what: Readonly<Record<Role, string>> = {
  agent: "any signed-in user",
  manager: "a manager or an admin",
  admin: "an organization admin"
}

/** Fails with 403 unless the caller's role is at least `minimum`; `action` names what was refused. */
export const requireRole = (minimum: Role, action: string): Effect.Effect<Principal, Forbidden, CurrentPrincipal> =>
  Effect.flatMap(CurrentPrincipal, (p) =>
    rank[p.role] >= rank[minimum]
      ? Effect.succeed(p)
      : Effect.fail(new Forbidden({
        message: `${action} needs ${what[minimum]}; you are signed in as ${p.role}. Ask an admin to change your role or use another key.`,
        requiredRole: minimum
      })))

/** ISO-8601 from whatever the driver returns for a timestamptz. */
export const iso = (value: unknown): string =>
  value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()

export const isoOrNull = (value: unknown): string | null => value === null || value === undefined ? null : iso(value)
