/**
 * People and machine principals: users (admin / manager / agent a.k.a. SDR)
 * with password hash, TOTP 2FA and lockout (seed 000 `User`, seed 001
 * `users`, CRM owner ids from seeds 002-004), API keys and login sessions.
 * Secrets are stored only as hashes (`Passwords.ts`); the `Sensitive`
 * fields never appear in the JSON variants.
 */
import { Schema } from "effect"
import { Model } from "effect/schema"
import { UserRole } from "./Enums.ts"
import { CreatedAt, NonBlank, NonNegativeInt, NullableTimestamp, OrgId, Timestamp, UpdatedAt } from "./Fields.ts"
import { ApiKeyId, SessionId, TeamId, UserId } from "./Ids.ts"

export const Email = Schema.String.pipe(Schema.check(Schema.makeFilter((s: string) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? undefined : `email '${s}' is not an email address (expected e.g. ada@example.com)`
)))

export class User extends Model.Class<User>("User")({
  id: Model.GeneratedByApp(UserId),
  orgId: OrgId,
  teamId: Schema.NullOr(TeamId),
  email: Email,
  fullName: NonBlank,
  role: UserRole,
  /** The same person's user id in the connected CRM (owner of records). */
  crmUserId: Schema.NullOr(Schema.String),
  /** scrypt hash in PHC-like form, see `Passwords.ts`; null for SSO-only users. */
  passwordHash: Model.Sensitive(Schema.NullOr(Schema.String)),
  twoFactorEnabled: Schema.Boolean,
  /** TOTP secret, encrypted with `Secrets` (never the plain base32 secret). */
  twoFactorSecretEncrypted: Model.Sensitive(Schema.NullOr(Schema.String)),
  /** Hashes of unused recovery codes. */
  twoFactorRecoveryHashes: Model.Sensitive(Schema.Array(Schema.String)),
  failedLoginAttempts: NonNegativeInt,
  lockedUntil: NullableTimestamp,
  lastLoginAt: NullableTimestamp,
  isActive: Schema.Boolean,
  createdAt: CreatedAt,
  updatedAt: UpdatedAt
}) {}

export class ApiKey extends Model.Class<ApiKey>("ApiKey")({
  id: Model.GeneratedByApp(ApiKeyId),
  orgId: OrgId,
  /** The user the key acts as; null for organization-level keys. */
  userId: Schema.NullOr(UserId),
  name: NonBlank,
  /** First characters of the key, shown so a person can recognise it. */
  prefix: Schema.String,
  keyHash: Model.Sensitive(Schema.String),
  scopes: Schema.Array(Schema.String),
  expiresAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
  lastUsedAt: NullableTimestamp,
  createdAt: CreatedAt
}) {}

export class Session extends Model.Class<Session>("Session")({
  id: Model.GeneratedByApp(SessionId),
  orgId: OrgId,
  userId: UserId,
  /** SHA-256 of the bearer token: a leaked table cannot be replayed. */
  tokenHash: Model.Sensitive(Schema.String),
  ipAddress: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  expiresAt: Timestamp,
  revokedAt: NullableTimestamp,
  lastSeenAt: NullableTimestamp,
  createdAt: CreatedAt
}) {}

/** Lockout after repeated failed logins: `maxAttempts` failures lock the account for `lockMinutes`. */
export interface LockoutPolicy {
  readonly maxAttempts: number
  readonly lockMinutes: number
}

export const defaultLockoutPolicy: LockoutPolicy = { maxAttempts: 5, lockMinutes: 15 }

export const isLocked = (user: Pick<User, "lockedUntil">, now: Date): boolean =>
  user.lockedUntil !== null && user.lockedUntil.getTime() > now.getTime()

/** The lockout fields after one more failed attempt at `now`. */
export const afterFailedLogin = (
  user: Pick<User, "failedLoginAttempts" | "lockedUntil">,
  now: Date,
  policy: LockoutPolicy = defaultLockoutPolicy
): { readonly failedLoginAttempts: number; readonly lockedUntil: Date | null } => {
  const attempts = user.failedLoginAttempts + 1
  return attempts >= policy.maxAttempts
    ? { failedLoginAttempts: 0, lockedUntil: new Date(now.getTime() + policy.lockMinutes * 60_000) }
    : { failedLoginAttempts: attempts, lockedUntil: user.lockedUntil }
}

/** True when the API key may be used at `now`. */
export const isApiKeyUsable = (key: Pick<ApiKey, "revokedAt" | "expiresAt">, now: Date): boolean =>
  key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > now.getTime())

/** True when the session may be used at `now`. */
export const isSessionActive = (session: Pick<Session, "revokedAt" | "expiresAt">, now: Date): boolean =>
  session.revokedAt === null && session.expiresAt.getTime() > now.getTime()
