/**
 * The call queue (`campaign_contacts`). Dialing sessions take due rows with
 * `reserveDue`, which locks them with `FOR UPDATE SKIP LOCKED`: concurrent
 * sessions (or a restarted one racing its predecessor) get disjoint rows and
 * never wait on each other. A reservation is a lease: if its holder dies, the
 * row becomes due again once `reserved_until` passes (`reclaimExpired`).
 *
 * Time is an argument everywhere (`now`): the caller's clock, not the
 * database's, decides what is due, which keeps the engine replayable.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { CampaignContact } from "./CampaignContact.ts"
import type { CallOutcome, QueueStatus } from "./Enums.ts"
import * as Ids from "./Ids.ts"
import { type CampaignContactId, type CampaignId, type ContactId, type OrganizationId } from "./Ids.ts"
import * as crud from "./internal/crud.ts"
import { withTenant } from "./Tenancy.ts"

export class QueueEntryNotFound extends Schema.TaggedError<QueueEntryNotFound>()("QueueEntryNotFound", {
  entryId: Schema.String
}) {
  override get message() {
    return `queue entry ${this.entryId} does not exist in this organization`
  }
}

export class QueueEntryNotReserved extends Schema.TaggedError<QueueEntryNotReserved>()("QueueEntryNotReserved", {
  entryId: Schema.String,
  reservedBy: Schema.String
}) {
  override get message() {
    return `queue entry ${this.entryId} is not reserved by ${this.reservedBy} (the lease expired or another session holds it)`
  }
}

export interface Enrolment {
  readonly contactId: ContactId
  readonly priority?: number
  readonly nextAttemptAt?: Date
}

export interface Reservation {
  readonly campaignId: CampaignId
  readonly now: Date
  readonly limit: number
  /** The dialing session taking the rows. */
  readonly reservedBy: string
  readonly leaseSeconds: number
}

/** What happened to an attempt and what to do next. */
export interface AttemptResult {
  readonly outcome: CallOutcome
  readonly at: Date
  /** Retry at this time, or null when the contact is done with. */
  readonly retryAt: Date | null
  /** When done: `completed` (reached) or `exhausted` (out of attempts). */
  readonly finalStatus?: "completed" | "exhausted" | "removed"
}

export class CallQueueRepo extends Context.Service<CallQueueRepo, {
  /** Adds contacts to a campaign's queue; already-enrolled contacts are left as they are. Returns how many were added. */
  readonly enqueue: (
    orgId: OrganizationId,
    campaignId: CampaignId,
    entries: ReadonlyArray<Enrolment>,
    now: Date
  ) => Effect.Effect<number, SqlError>
  readonly reserveDue: (orgId: OrganizationId, request: Reservation) => Effect.Effect<ReadonlyArray<CampaignContact>, SqlError>
  readonly markDialing: (
    orgId: OrganizationId,
    id: CampaignContactId,
    reservedBy: string
  ) => Effect.Effect<CampaignContact, QueueEntryNotReserved | SqlError>
  readonly recordAttempt: (
    orgId: OrganizationId,
    id: CampaignContactId,
    result: AttemptResult
  ) => Effect.Effect<CampaignContact, QueueEntryNotFound | SqlError>
  /** Returns reserved rows to the queue unchanged (a session stopping cleanly). */
  readonly release: (orgId: OrganizationId, reservedBy: string) => Effect.Effect<number, SqlError>
  /** Makes rows whose lease expired before `now` due again. */
  readonly reclaimExpired: (orgId: OrganizationId, campaignId: CampaignId, now: Date) => Effect.Effect<number, SqlError>
  readonly findById: (orgId: OrganizationId, id: CampaignContactId) => Effect.Effect<CampaignContact, QueueEntryNotFound | SqlError>
  readonly countByStatus: (
    orgId: OrganizationId,
    campaignId: CampaignId
  ) => Effect.Effect<Readonly<Partial<Record<QueueStatus, number>>>, SqlError>
}>()("@autodialer/domain/CallQueueRepo") {
  static readonly layer = Layer.effect(
    CallQueueRepo,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* crud.make(CampaignContact, "campaign_contacts")
      const tenant = (orgId: OrganizationId) => <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
        withTenant(orgId)(effect).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      const notFound = (id: string) => new QueueEntryNotFound({ entryId: id })

      const enqueue: CallQueueRepo["Service"]["enqueue"] = (orgId, campaignId, entries, now) =>
        entries.length === 0 ? Effect.succeed(0) : tenant(orgId)(Effect.gen(function*() {
          const values: Array<Record<string, unknown>> = []
          for (const entry of entries) {
            values.push({
              id: yield* Ids.generate(Ids.CampaignContactId),
              org_id: orgId,
              campaign_id: campaignId,
              contact_id: entry.contactId,
              priority: entry.priority ?? 0,
              next_attempt_at: entry.nextAttemptAt ?? now
            })
          }
          const inserted = yield* sql<{ readonly id: string }>`
            INSERT INTO campaign_contacts ${sql.insert([values[0]!, ...values.slice(1)])}
            ON CONFLICT (campaign_id, contact_id) DO NOTHING
            RETURNING id`
          return inserted.length
        }))

      const reserveDue: CallQueueRepo["Service"]["reserveDue"] = (orgId, r) =>
        tenant(orgId)(Effect.gen(function*() {
          const until = new Date(r.now.getTime() + r.leaseSeconds * 1000)
          const reserved = yield* rows.decode(yield* sql`
            WITH due AS (
              SELECT id FROM campaign_contacts
              WHERE campaign_id = ${r.campaignId} AND status = 'pending' AND next_attempt_at <= ${r.now}
              ORDER BY priority DESC, next_attempt_at, id
              LIMIT ${r.limit}
              FOR UPDATE SKIP LOCKED
            )
            UPDATE campaign_contacts q
            SET status = 'reserved', reserved_by = ${r.reservedBy}, reserved_until = ${until}
            FROM due WHERE q.id = due.id
            RETURNING q.*`)
          // UPDATE ... RETURNING has no order; restore the queue order.
          return [...reserved].sort((a, b) =>
            b.priority - a.priority || a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || (a.id < b.id ? -1 : 1)
          )
        }))

      const markDialing: CallQueueRepo["Service"]["markDialing"] = (orgId, id, reservedBy) =>
        tenant(orgId)(Effect.gen(function*() {
          // Still 'reserved' in the CHECK sense: the lease covers the call setup.
          const updated = yield* rows.decode(yield* sql`
            UPDATE campaign_contacts SET status = 'dialing', reserved_until = NULL
            WHERE id = ${id} AND status = 'reserved' AND reserved_by = ${reservedBy}
            RETURNING *`)
          const row = updated[0]
          return row === undefined ? yield* new QueueEntryNotReserved({ entryId: id, reservedBy }) : row
        }))

      const recordAttempt: CallQueueRepo["Service"]["recordAttempt"] = (orgId, id, result) =>
        tenant(orgId)(Effect.gen(function*() {
          const status: QueueStatus = result.retryAt === null ? (result.finalStatus ?? "completed") : "pending"
          const updated = yield* rows.decode(yield* sql`
            UPDATE campaign_contacts
            SET attempts = attempts + 1,
                last_attempt_at = ${result.at},
                last_outcome = ${result.outcome},
                status = ${status},
                next_attempt_at = ${result.retryAt ?? result.at},
                reserved_by = NULL,
                reserved_until = NULL
            WHERE id = ${id}
            RETURNING *`)
          const row = updated[0]
          return row === undefined ? yield* notFound(id) : row
        }))

      const release: CallQueueRepo["Service"]["release"] = (orgId, reservedBy) =>
        tenant(orgId)(Effect.map(sql<{ readonly id: string }>`
          UPDATE campaign_contacts SET status = 'pending', reserved_by = NULL, reserved_until = NULL
          WHERE status = 'reserved' AND reserved_by = ${reservedBy}
          RETURNING id`, (r) => r.length))

      const reclaimExpired: CallQueueRepo["Service"]["reclaimExpired"] = (orgId, campaignId, now) =>
        tenant(orgId)(Effect.map(sql<{ readonly id: string }>`
          UPDATE campaign_contacts SET status = 'pending', reserved_by = NULL, reserved_until = NULL
          WHERE campaign_id = ${campaignId} AND status = 'reserved' AND reserved_until < ${now}
          RETURNING id`, (r) => r.length))

      const findById: CallQueueRepo["Service"]["findById"] = (orgId, id) =>
        Effect.flatMap(rows.find(orgId, id), Option.match({
          onNone: () => Effect.fail(notFound(id)),
          onSome: Effect.succeed
        }))

      const countByStatus: CallQueueRepo["Service"]["countByStatus"] = (orgId, campaignId) =>
        tenant(orgId)(Effect.map(
          sql<{ readonly status: QueueStatus; readonly n: number }>`
            SELECT status, count(*)::int AS n FROM campaign_contacts WHERE campaign_id = ${campaignId} GROUP BY status`,
          (r) => Object.fromEntries(r.map((x) => [x.status, x.n]))
        ))

      return CallQueueRepo.of({ enqueue, reserveDue, markDialing, recordAttempt, release, reclaimExpired, findById, countByStatus })
    })
  )
}
