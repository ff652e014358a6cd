/**
 * Users: create, find (by id or email within an organization), update, the
 * login bookkeeping (failed attempts and lockout, last login) and lists.
 * Password hashing is `Passwords.ts`; this module stores the hash only.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Ids from "./Ids.ts"
import type { OrganizationId, UserId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { uniqueViolation } from "./internal/repo.ts"
import type * as Page from "./Page.ts"
import { afterFailedLogin, defaultLockoutPolicy, type LockoutPolicy, User } from "./User.ts"

export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", {
  userId: Schema.String
}) {
  override get message() {
    return `user ${this.userId} does not exist in this organization`
  }
}

export class DuplicateUserEmail extends Schema.TaggedError<DuplicateUserEmail>()("DuplicateUserEmail", {
  email: Schema.String
}) {
  override get message() {
    return `a user with email '${this.email}' already exists in this organization`
  }
}

export type NewUser = Omit<typeof User.insert.Type, "id" | "orgId" | "failedLoginAttempts" | "lockedUntil" | "lastLoginAt">
export type UserPatch = Partial<NewUser>

export class UserRepo extends Context.Service<UserRepo, {
  readonly create: (orgId: OrganizationId, input: NewUser) => Effect.Effect<User, DuplicateUserEmail | SqlError>
  readonly findById: (orgId: OrganizationId, id: UserId) => Effect.Effect<User, UserNotFound | SqlError>
  /** Case-insensitive. */
  readonly findByEmail: (orgId: OrganizationId, email: string) => Effect.Effect<Option.Option<User>, SqlError>
  readonly update: (orgId: OrganizationId, id: UserId, patch: UserPatch) => Effect.Effect<User, UserNotFound | DuplicateUserEmail | SqlError>
  readonly recordFailedLogin: (
    orgId: OrganizationId,
    id: UserId,
    now: Date,
    policy?: LockoutPolicy
  ) => Effect.Effect<User, UserNotFound | SqlError>
  readonly recordLogin: (orgId: OrganizationId, id: UserId, now: Date) => Effect.Effect<User, UserNotFound | SqlError>
  readonly list: (orgId: OrganizationId, request: Page.PageRequest) => Effect.Effect<Page.Page<User>, Page.InvalidCursor | SqlError>
}>()("@autodialer/domain/UserRepo") {
  static readonly layer = Layer.effect(
    UserRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(User, "users")
      const notFound = (id: string) => new UserNotFound({ userId: id })
      const orNotFound = (id: string) => Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed<User> })
      const duplicate = (email: string | undefined) => (error: SqlError): Effect.Effect<never, DuplicateUserEmail | SqlError> =>
        uniqueViolation(error) === "users_org_email_key" && email !== undefined
          ? Effect.fail(new DuplicateUserEmail({ email }))
          : Effect.fail(error)
      const modify = (orgId: OrganizationId, id: UserId, f: (u: User) => Partial<typeof User.update.Type>) =>
        Effect.flatMap(rows.modify(orgId, id, (current) => User.update.make({ ...current, ...f(current) })), orNotFound(id))

      const create: UserRepo["Service"]["create"] = (orgId, input) =>
        Ids.generate(Ids.UserId).pipe(
          Effect.flatMap((id) =>
            rows.insert(orgId, User.insert.make({ ...input, id, orgId, failedLoginAttempts: 0, lockedUntil: null, lastLoginAt: null }))
          ),
          Effect.catchTag("SqlError", duplicate(input.email))
        )

      const findById: UserRepo["Service"]["findById"] = (orgId, id) => Effect.flatMap(rows.find(orgId, id), orNotFound(id))

      const findByEmail: UserRepo["Service"]["findByEmail"] = (orgId, email) =>
        Effect.map(rows.findWhere(orgId, sql`lower(email) = lower(${email})`), (r) => Option.fromNullishOr(r[0]))

      const update: UserRepo["Service"]["update"] = (orgId, id, patch) =>
        modify(orgId, id, () => patch).pipe(Effect.catchTag("SqlError", duplicate(patch.email)))

      const recordFailedLogin: UserRepo["Service"]["recordFailedLogin"] = (orgId, id, now, policy = defaultLockoutPolicy) =>
        modify(orgId, id, (current) => afterFailedLogin(current, now, policy))

      const recordLogin: UserRepo["Service"]["recordLogin"] = (orgId, id, now) =>
        modify(orgId, id, () => ({ failedLoginAttempts: 0, lockedUntil: null, lastLoginAt: now }))

      const list: UserRepo["Service"]["list"] = (orgId, request) => rows.list(orgId, request, sql`org_id = ${orgId}`)

      return UserRepo.of({ create, findById, findByEmail, update, recordFailedLogin, recordLogin, list })
    })
  )
}
