/**
 * How callers authenticate, as part of the API contract: a bearer token that
 * is either an API key (`adk_...`, made at `POST /api-keys`) or a session token
 * (`ads_...`, from `POST /auth/login`). The middleware provides the
 * `CurrentPrincipal` (organization, user, role) to every handler; the
 * implementation lives in `http/Authentication.ts`.
 */
import { Context, Schema } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { Unauthorized } from "./Errors.ts"

export const Role = Schema.Literals(["admin", "manager", "agent"])
export type Role = typeof Role.Type

export interface Principal {
  readonly orgId: string
  /** The user acting; for an API key, the user it belongs to. */
  readonly userId: string
  readonly role: Role
  readonly apiKeyId: string | null
}

export class CurrentPrincipal extends Context.Service<CurrentPrincipal, Principal>()(
  "@autodialer/server/CurrentPrincipal"
) {}

export class Authentication extends HttpApiMiddleware.Service<Authentication, {
  provides: CurrentPrincipal
  requires: never
}>()("@autodialer/server/Authentication", {
  requiredForClient: true,
  security: { bearer: HttpApiSecurity.bearer },
  error: Unauthorized
}) {}

/** Roles ordered by power: a check for "manager" admits managers and admins. */
export const rank: Readonly<Record<Role, number>> = { agent: 0, manager: 1, admin: 2 }
