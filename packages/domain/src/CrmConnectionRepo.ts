/**
 * CRM connections with credentials encrypted at rest. Plain credentials go
 * in and come out only through this repository; the row holds a `Secrets`
 * envelope bound to the connection (AAD = org and connection id), so a
 * ciphertext copied into another row does not decrypt. Sync cursors advance
 * per object type.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { CrmConnection } from "./CrmConnection.ts"
import type { CrmConnectionStatus, CrmObjectType, CrmType } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import type { CrmConnectionId, OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { uniqueViolation } from "./internal/repo.ts"
import { type DecryptionFailed, Secrets } from "./Secrets.ts"
import { withSystem } from "./Tenancy.ts"

export class CrmConnectionNotFound extends Schema.TaggedError<CrmConnectionNotFound>()("CrmConnectionNotFound", {
  connectionId: Schema.String
}) {
  override get message() {
    return `CRM connection ${this.connectionId} does not exist in this organization`
  }
}

export class DuplicateCrmConnection extends Schema.TaggedError<DuplicateCrmConnection>()("DuplicateCrmConnection", {
  crmType: Schema.String,
  name: Schema.String
}) {
  override get message() {
    return `a ${this.crmType} connection named '${this.name}' already exists in this organization`
  }
}

export interface NewCrmConnection {
  readonly crmType: CrmType
  readonly name: string
  readonly externalAccountId: string | null
  readonly instanceUrl: string | null
  /** The plain credentials (typically a JSON document of tokens); encrypted before storage. */
  readonly credentials: string
}

/** Additional authenticated data binding a ciphertext to its row. */
export const credentialsContext = (orgId: string, id: string): string => `crm_connections:${orgId}:${id}`

export class CrmConnectionRepo extends Context.Service<CrmConnectionRepo, {
  readonly create: (
    orgId: OrganizationId,
    input: NewCrmConnection
  ) => Effect.Effect<CrmConnection, DuplicateCrmConnection | SqlError>
  readonly findById: (orgId: OrganizationId, id: CrmConnectionId) => Effect.Effect<CrmConnection, CrmConnectionNotFound | SqlError>
  readonly list: (orgId: OrganizationId) => Effect.Effect<ReadonlyArray<CrmConnection>, SqlError>
  /** The decrypted credentials. */
  readonly credentials: (
    orgId: OrganizationId,
    id: CrmConnectionId
  ) => Effect.Effect<string, CrmConnectionNotFound | DecryptionFailed | SqlError>
  /** Stores new credentials (token refresh) or re-encrypts with the current key (rotation). */
  readonly replaceCredentials: (
    orgId: OrganizationId,
    id: CrmConnectionId,
    credentials: string
  ) => Effect.Effect<CrmConnection, CrmConnectionNotFound | SqlError>
  /** Re-encrypts with the current key when the stored envelope used a retired one; true when it did. */
  readonly rotate: (
    orgId: OrganizationId,
    id: CrmConnectionId
  ) => Effect.Effect<boolean, CrmConnectionNotFound | DecryptionFailed | SqlError>
  /** System path: every connection whose credentials are sealed with a key other than the current one. */
  readonly needingRotation: Effect.Effect<ReadonlyArray<{ readonly orgId: OrganizationId; readonly id: CrmConnectionId }>, SqlError>
  readonly advanceCursor: (
    orgId: OrganizationId,
    id: CrmConnectionId,
    objectType: CrmObjectType,
    cursor: string,
    syncedAt: Date
  ) => Effect.Effect<CrmConnection, CrmConnectionNotFound | SqlError>
  readonly setStatus: (
    orgId: OrganizationId,
    id: CrmConnectionId,
    status: CrmConnectionStatus,
    lastError: string | null
  ) => Effect.Effect<CrmConnection, CrmConnectionNotFound | SqlError>
  readonly remove: (orgId: OrganizationId, id: CrmConnectionId) => Effect.Effect<void, CrmConnectionNotFound | SqlError>
}>()("@autodialer/domain/CrmConnectionRepo") {
  static readonly layer = Layer.effect(
    CrmConnectionRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const secrets = yield* Secrets
      const rows = yield* crud.make(CrmConnection, "crm_connections")
      const notFound = (id: string) => new CrmConnectionNotFound({ connectionId: id })
      const orNotFound = (id: string) =>
        Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed<CrmConnection> })
      const modify = (orgId: OrganizationId, id: CrmConnectionId, f: (c: CrmConnection) => Partial<typeof CrmConnection.update.Type>) =>
        Effect.flatMap(rows.modify(orgId, id, (current) => CrmConnection.update.make({ ...current, ...f(current) })), orNotFound(id))

      const create: CrmConnectionRepo["Service"]["create"] = (orgId, input) =>
        Effect.gen(function*() {
          const id = yield* Ids.generate(Ids.CrmConnectionId)
          const credentialsEncrypted = yield* secrets.encrypt(input.credentials, credentialsContext(orgId, id))
          return yield* rows.insert(orgId, CrmConnection.insert.make({
            id,
            orgId,
            crmType: input.crmType,
            name: input.name,
            externalAccountId: input.externalAccountId,
            instanceUrl: input.instanceUrl,
            credentialsEncrypted,
            credentialsKeyId: secrets.currentKeyId,
            status: "active",
            syncCursors: {},
            lastSyncedAt: null,
            lastError: null
          }))
        }).pipe(Effect.catchTag("SqlError", (error): Effect.Effect<never, DuplicateCrmConnection | SqlError> =>
          uniqueViolation(error) === undefined
            ? Effect.fail(error)
            : Effect.fail(new DuplicateCrmConnection({ crmType: input.crmType, name: input.name }))))

      const findById: CrmConnectionRepo["Service"]["findById"] = (orgId, id) => Effect.flatMap(rows.find(orgId, id), orNotFound(id))

      const list: CrmConnectionRepo["Service"]["list"] = (orgId) => rows.findWhere(orgId, sql`true`)

      const credentials: CrmConnectionRepo["Service"]["credentials"] = (orgId, id) =>
        Effect.flatMap(findById(orgId, id), (c) => secrets.decrypt(c.credentialsEncrypted, credentialsContext(orgId, id)))

      const replaceCredentials: CrmConnectionRepo["Service"]["replaceCredentials"] = (orgId, id, plain) =>
        Effect.flatMap(secrets.encrypt(plain, credentialsContext(orgId, id)), (credentialsEncrypted) =>
          modify(orgId, id, () => ({ credentialsEncrypted, credentialsKeyId: secrets.currentKeyId })))

      const rotate: CrmConnectionRepo["Service"]["rotate"] = (orgId, id) =>
        Effect.gen(function*() {
          const current = yield* findById(orgId, id)
          if (!secrets.needsRotation(current.credentialsEncrypted)) return false
          const plain = yield* secrets.decrypt(current.credentialsEncrypted, credentialsContext(orgId, id))
          yield* replaceCredentials(orgId, id, plain)
          return true
        })

      const needingRotation: CrmConnectionRepo["Service"]["needingRotation"] = withSystem(
        sql<{ readonly orgId: OrganizationId; readonly id: CrmConnectionId }>`
          SELECT org_id AS "orgId", id FROM crm_connections WHERE credentials_key_id <> ${secrets.currentKeyId} ORDER BY id`
      ).pipe(Effect.provideService(SqlClient.SqlClient, sql))

      const advanceCursor: CrmConnectionRepo["Service"]["advanceCursor"] = (orgId, id, objectType, cursor, syncedAt) =>
        modify(orgId, id, (c) => ({ syncCursors: { ...c.syncCursors, [objectType]: cursor }, lastSyncedAt: syncedAt, lastError: null }))

      const setStatus: CrmConnectionRepo["Service"]["setStatus"] = (orgId, id, status, lastError) =>
        modify(orgId, id, () => ({ status, lastError }))

      const remove: CrmConnectionRepo["Service"]["remove"] = (orgId, id) =>
        Effect.flatMap(rows.remove(orgId, id), (removed) => removed ? Effect.void : Effect.fail(notFound(id)))

      return CrmConnectionRepo.of({
        create, findById, list, credentials, replaceCredentials, rotate, needingRotation, advanceCursor, setStatus, remove
      })
    })
  )
}
