/**
 * The contract every CrmConnector passes against its vendor's loopback fake: pagination across
 * several pages, incremental pull from a watermark, 429 with and without Retry-After, expired
 * access token refreshed, idempotent re-push, a batch with bad records and a bad activity,
 * field-mapping overrides, DNC pull, and status update. Each connector test file calls
 * `crmContract` with a target that knows how to start its fake and build its layer.
 */
import { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import { seal, Secrets } from "@autodialer/domain/Secrets"
import { assert, describe, it } from "@effect/vitest"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Redacted, Schema } from "effect"
import type { HttpClient } from "effect/http"
import {
  CallActivity,
  ContactPage,
  CrmConnector,
  type CrmError,
  type DncEntry,
  type DncPage,
  FieldMapping,
  RateLimiter,
  StatusUpdate,
  SyncCheckpoint,
  SyncLog,
  SyncLogMemory,
  type SealedCredentials
} from "../../src/index.ts"
import { type FakeState, seedContacts } from "../fakes/Loopback.ts"

export interface ConnectorOptions {
  readonly pageSize: number
  readonly overrides?: FieldMapping.FieldMappingOverrides
  readonly maxRetries?: number
}

export type ConnectorLayer = Layer.Layer<CrmConnector, never, HttpClient.HttpClient | RateLimiter | SyncLog | Secrets>

export const orgId = Schema.decodeUnknownSync(OrganizationId)("0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f")
export const connectionId = Schema.decodeUnknownSync(CrmConnectionId)("0190a3c2-7b1e-7cde-8f00-0000000000c1")

/** Seals credentials with the key of `Secrets.layerTest`, bound to the connection id, as the server stores them. */
export const sealForTest = (credentials: unknown): SealedCredentials => ({
  envelope: seal(
    { id: "test", material: Redacted.make(new Uint8Array(32).fill(7)) },
    JSON.stringify(credentials),
    new Uint8Array(12).fill(1),
    connectionId
  ),
  context: connectionId
})

export interface StartedFake {
  readonly state: FakeState
  readonly close: () => Promise<void>
  readonly connector: (options: ConnectorOptions) => ConnectorLayer
}

export interface ContractTarget {
  readonly name: string
  readonly start: () => Promise<StartedFake>
  /** Vendor property names used by the override test. */
  readonly mobileProperty: string
  readonly tierProperty: string
  /** The fake's ids for the seeded contacts; vendors differ in id shape. */
  readonly contactIds?: ReadonlyArray<string>
  /** An id of the vendor's shape that does not exist. */
  readonly unknownId: string
}

export const activity = (key: string, crmRecordId: string, overrides: Partial<CallActivity> = {}) =>
  new CallActivity({
    idempotencyKey: key,
    crmRecordId,
    crmRecordType: "contact",
    outcome: "answered",
    disposition: "Interested",
    durationSeconds: 125,
    startedAt: "2026-02-03T15:04:05.000Z",
    toNumber: "+14155550101" as CallActivity["toNumber"],
    fromNumber: "+14155550199" as CallActivity["toNumber"],
    recordingUrl: "https://recordings.example.com/r/1.mp3",
    notes: "Wants a demo next week",
    agent: { id: "agent-7", name: "Grace Hopper", crmUserId: null } as CallActivity["agent"],
    ...overrides
  })

export const pullAll = (start: SyncCheckpoint, maxPages = 50) =>
  Effect.gen(function*() {
    const connector = yield* CrmConnector
    const pages: Array<ContactPage> = []
    let checkpoint = start
    for (let i = 0; i < maxPages; i++) {
      const page = yield* connector.pullContacts(checkpoint)
      pages.push(page)
      checkpoint = page.checkpoint
      if (page.done) return pages
    }
    return yield* Effect.die(new Error(`pull did not finish in ${maxPages} pages`))
  })

/** The failure of an effect that must fail; a success is a test bug, so it dies. */
export const expectFailure = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<E, never, R> =>
  Effect.flatMap(Effect.result(self), (r) =>
    r._tag === "Failure" ? Effect.succeed(r.failure) : Effect.die(new Error(`expected a failure, got ${JSON.stringify(r.success)}`)))

export const crmContract = (target: ContractTarget) => {
  describe(`${target.name} connector contract (loopback fake)`, () => {
    const withFake = <A>(
      options: ConnectorOptions,
      body: (fake: StartedFake) => Effect.Effect<A, CrmError, CrmConnector | SyncLogMemory>
    ) =>
      Effect.acquireUseRelease(
        Effect.promise(() => target.start()),
        (fake) => {
          seedContacts(fake.state, undefined, target.contactIds)
          const layer = fake.connector(options).pipe(
            Layer.provideMerge(Layer.mergeAll(SyncLog.layerTest, Secrets.layerTest, RateLimiter.layer)),
            Layer.provide(NodeHttpClient.layerUndici)
          )
          return Effect.provide(body(fake), layer)
        },
        (fake) => Effect.promise(() => fake.close())
      )
    const ids = target.contactIds ?? ["101", "102", "103", "104", "105"]
    const id = (i: number) => ids[i]!

    it.live("pulls every contact across several pages, following the cursor", () =>
      withFake({ pageSize: 2 }, (fake) =>
        Effect.gen(function*() {
          const pages = yield* pullAll(SyncCheckpoint.initial)
          assert.strictEqual(pages.length, 3)
          assert.deepStrictEqual(pages.map((p) => p.done), [false, false, true])
          const contacts = pages.flatMap((p) => p.contacts)
          assert.deepStrictEqual(contacts.map((c) => c.crmId).sort(), [...ids].sort())
          const ana = contacts.find((c) => c.crmId === id(0))!
          assert.strictEqual(ana.phone, "+14155550101")
          assert.strictEqual(ana.firstName, "Ana")
          assert.strictEqual(ana.email, "ana@example.com")
          assert.strictEqual(contacts.find((c) => c.crmId === id(3))!.phone, "+442079460958")
          assert.strictEqual(contacts.find((c) => c.crmId === id(2))!.doNotCall, true)
          // Pages cross Temporal activity boundaries as JSON.
          const wire = JSON.parse(JSON.stringify(Schema.encodeSync(ContactPage)(pages[0]!)))
          assert.deepStrictEqual(Schema.decodeUnknownSync(ContactPage)(wire), pages[0])
          const last = pages.at(-1)!.checkpoint
          assert.strictEqual(last.highWater, new Date(Math.max(...fake.state.contacts.map((c) => c.modifiedAt))).toISOString())
          assert.strictEqual(last.cursor, null)
        })))

    it.live("pulls only what changed since the watermark", () =>
      withFake({ pageSize: 2 }, (fake) =>
        Effect.gen(function*() {
          const first = yield* pullAll(SyncCheckpoint.initial)
          const next = first.at(-1)!.checkpoint.nextRun
          const later = Date.parse("2026-03-01T00:00:00Z")
          fake.state.contacts[1]!.modifiedAt = later
          fake.state.contacts[1]!.firstName = "Bob"
          fake.state.contacts[4]!.modifiedAt = later + 1000
          const second = yield* pullAll(next)
          const contacts = second.flatMap((p) => p.contacts)
          assert.deepStrictEqual(contacts.map((c) => c.crmId), [id(1), id(4)])
          assert.strictEqual(contacts[0]!.firstName, "Bob")
          assert.strictEqual(second.at(-1)!.checkpoint.highWater, new Date(later + 1000).toISOString())
          const third = yield* pullAll(second.at(-1)!.checkpoint.nextRun)
          assert.strictEqual(third.flatMap((p) => p.contacts).length, 0)
        })))

    it.live("waits for Retry-After on 429, then succeeds", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          fake.state.rateLimitNext(1, "1")
          const connector = yield* CrmConnector
          const page = yield* connector.pullContacts(SyncCheckpoint.initial)
          assert.strictEqual(page.contacts.length, 5)
          assert.strictEqual(fake.state.rateLimited, 1)
          const [limited, retried] = fake.state.log.slice(-2)
          assert.isAtLeast(retried!.at - limited!.at, 950, "retried before Retry-After elapsed")
        })))

    it.live("a Retry-After longer than we wait in-process fails at once with the delay", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          fake.state.rateLimitNext(1, "3600")
          const connector = yield* CrmConnector
          const error = yield* expectFailure(connector.pullContacts(SyncCheckpoint.initial))
          assert.strictEqual(error._tag, "CrmRateLimited")
          if (error._tag === "CrmRateLimited") assert.strictEqual(error.retryAfterMillis, 3_600_000)
          assert.strictEqual(fake.state.rateLimited, 1)
        })))

    it.live("backs off without Retry-After and gives up with CrmRateLimited after max retries", () =>
      withFake({ pageSize: 10, maxRetries: 2 }, (fake) =>
        Effect.gen(function*() {
          fake.state.rateLimitNext(2, null)
          const connector = yield* CrmConnector
          const ok = yield* connector.pullContacts(SyncCheckpoint.initial)
          assert.strictEqual(ok.contacts.length, 5)
          fake.state.rateLimitNext(10, null)
          const error = yield* expectFailure(connector.pullContacts(SyncCheckpoint.initial))
          assert.strictEqual(error._tag, "CrmRateLimited")
          assert.isTrue(error.isRetryable)
          assert.strictEqual(fake.state.rateLimited, 2 + 3)
        })))

    it.live("refreshes an expired access token once and carries on", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          yield* connector.pullContacts(SyncCheckpoint.initial)
          fake.state.expireAccessToken()
          const page = yield* connector.pullContacts(SyncCheckpoint.initial)
          assert.strictEqual(page.contacts.length, 5)
          assert.strictEqual(fake.state.refreshes, 1)
          yield* connector.pullContacts(SyncCheckpoint.initial)
          assert.strictEqual(fake.state.refreshes, 1, "the refreshed token is reused")
          assert.include(fake.state.log.at(-1)!.authorization ?? "", fake.state.accessToken)
        })))

    it.live("concurrent requests that all hit an expired token refresh it only once", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          fake.state.expireAccessToken()
          const pages = yield* Effect.all([1, 2, 3, 4].map(() => connector.pullContacts(SyncCheckpoint.initial)), { concurrency: "unbounded" })
          assert.deepStrictEqual(pages.map((p) => p.contacts.length), [5, 5, 5, 5])
          assert.strictEqual(fake.state.refreshes, 1)
        })))

    it.live("a revoked refresh token fails with CrmUnauthorized and no secret in the error or the log", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          const secrets = [fake.state.accessToken, fake.state.refreshToken, "client-secret", "secret"]
          fake.state.expireAccessToken()
          fake.state.revokeRefreshToken()
          const error = yield* expectFailure(connector.pullContacts(SyncCheckpoint.initial))
          assert.strictEqual(error._tag, "CrmUnauthorized")
          assert.isFalse(error.isRetryable)
          yield* connector.pushCallActivities([activity("call-x", id(0))])
          const log = JSON.stringify(yield* (yield* SyncLogMemory).entries)
          for (const secret of secrets) {
            assert.notInclude(error.message, secret)
            assert.notInclude(JSON.stringify(error), secret)
            assert.notInclude(log, secret)
          }
        })))

    it.live("a re-pushed activity is detected and never created twice, and both are logged", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          const call = activity("call-0001", id(0))
          const [first] = yield* connector.pushCallActivities([call])
          assert.strictEqual(first!._tag, "Created")
          const [second] = yield* connector.pushCallActivities([call])
          assert.strictEqual(second!._tag, "Duplicate")
          assert.strictEqual(fake.state.calls.length, 1)
          assert.strictEqual(fake.state.calls[0]!.contactId, id(0))
          if (first?._tag === "Created" && second?._tag === "Duplicate") {
            assert.strictEqual(second.crmActivityId, first.crmActivityId)
          }
          const log = (yield* (yield* SyncLogMemory).entries).filter((e) => e.objectType === "call")
          assert.deepStrictEqual(log.map((e) => [e.localId, e.action, e.status]), [["call-0001", "push", "success"], ["call-0001", "push", "skipped"]])
          assert.strictEqual(log[1]!.details["reason"], "duplicate")
          assert.strictEqual(log[1]!.objectId, fake.state.calls[0]!.id)
        })))

    it.live("a batch push with a bad activity creates the good ones and reports the bad one", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          const outcomes = yield* connector.pushCallActivities([
            activity("call-a", id(0)),
            activity("call-b", target.unknownId),
            activity("call-c", id(1), { outcome: "no_answer", durationSeconds: 0, recordingUrl: null, notes: null, disposition: null })
          ])
          assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Created", "Failed", "Created"])
          assert.deepStrictEqual(fake.state.calls.map((c) => [c.key, c.contactId]), [["call-a", id(0)], ["call-c", id(1)]])
          const failed = (yield* (yield* SyncLogMemory).entries).filter((e) => e.status === "failed")
          assert.strictEqual(failed.length, 1)
          assert.strictEqual(failed[0]!.localId, "call-b")
          assert.strictEqual(failed[0]!.details["retryable"], false)
        })))

    it.live("a batch larger than one vendor request is pushed in chunks, and re-pushed without duplicates", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          const batch = Array.from({ length: 250 }, (_, i) => activity(`bulk-${i}`, id(i % 5)))
          const first = yield* connector.pushCallActivities(batch)
          assert.isTrue(first.every((o) => o._tag === "Created"))
          const again = yield* connector.pushCallActivities(batch)
          assert.isTrue(again.every((o) => o._tag === "Duplicate"))
          assert.strictEqual(fake.state.calls.length, 250)
          assert.strictEqual(new Set(fake.state.calls.map((c) => c.key)).size, 250)
        })), 30_000)

    it.live("a key repeated within one batch is sent once; the repeat is a duplicate", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          const outcomes = yield* connector.pushCallActivities([activity("rep-1", id(0)), activity("rep-1", id(0)), activity("rep-2", id(1))])
          assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Created", "Duplicate", "Created"])
          assert.strictEqual(fake.state.calls.length, 2)
        })))

    it.live("malformed records are rejected with precise errors and the rest of the page survives", () =>
      withFake({ pageSize: 10 }, (fake) =>
        Effect.gen(function*() {
          fake.state.contacts[1]!.phone = "555-12"
          fake.state.contacts[3]!.email = "not-an-email"
          fake.state.contacts.push({ ...fake.state.contacts[0]!, id: `${id(0)}9`, broken: true })
          const connector = yield* CrmConnector
          const page = yield* connector.pullContacts(SyncCheckpoint.initial)
          assert.deepStrictEqual(page.contacts.map((c) => c.crmId).sort(), [id(0), id(2), id(4)].sort())
          assert.strictEqual(page.rejected.length, 3)
          const badPhone = page.rejected.find((r) => r.crmId === id(1))!
          assert.strictEqual(badPhone.issues[0]!.field, "phone")
          assert.include(badPhone.message, "555-12")
          assert.include(badPhone.message, "E.164")
          const badEmail = page.rejected.find((r) => r.crmId === id(3))!
          assert.strictEqual(badEmail.issues[0]!.field, "email")
          assert.include(badEmail.message, "not-an-email")
          assert.isDefined(page.rejected.find((r) => r.issues[0]!.field === "record"))
          const logged = (yield* (yield* SyncLogMemory).entries).filter((e) => e.action === "pull" && e.status === "failed")
          assert.strictEqual(logged.length, 3)
          assert.include(logged.find((e) => e.objectId === id(1))!.message, "555-12")
        })))

    it.live("organization field-mapping overrides change where fields come from", () =>
      withFake({
        pageSize: 10,
        overrides: new FieldMapping.FieldMappingOverrides({
          fields: { phone: target.mobileProperty, email: null },
          custom: { tier: target.tierProperty }
        })
      }, () =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          const page = yield* connector.pullContacts(SyncCheckpoint.initial)
          const byId = new Map(page.contacts.map((c) => [c.crmId, c]))
          assert.strictEqual(byId.get(id(0))!.phone, "+14155550900")
          assert.strictEqual(byId.get(id(0))!.email, null)
          assert.deepStrictEqual(byId.get(id(0))!.custom, { tier: "gold" })
          assert.deepStrictEqual(byId.get(id(1))!.custom, {})
        })))

    it.live("pulls the CRM's do-not-call flags", () =>
      withFake({ pageSize: 1 }, (fake) =>
        Effect.gen(function*() {
          fake.state.contacts[4]!.dnc = true
          const connector = yield* CrmConnector
          const entries: Array<DncEntry> = []
          let cursor: string | null = null
          for (let i = 0; i < 10; i++) {
            const page: DncPage = yield* connector.pullDoNotCall(cursor)
            entries.push(...page.entries)
            cursor = page.nextCursor
            if (cursor === null) break
          }
          assert.deepStrictEqual(entries.map((e) => e.crmId).sort(), [id(2), id(4)].sort())
          assert.isTrue(entries.every((e) => e.doNotCall))
          assert.strictEqual(entries.find((e) => e.crmId === id(4))!.phone, "+14155550105")
        })))

    it.live("updates a contact's status through the mapped value, and logs failures", () =>
      withFake({
        pageSize: 10,
        overrides: new FieldMapping.FieldMappingOverrides({ statusValues: { qualified: "Qualified Lead" } })
      }, (fake) =>
        Effect.gen(function*() {
          const connector = yield* CrmConnector
          yield* connector.updateContactStatus(new StatusUpdate({ crmRecordId: id(0), crmRecordType: "contact", status: "qualified" }))
          assert.strictEqual(fake.state.contact(id(0))!.status, "Qualified Lead")
          const error = yield* expectFailure(
            connector.updateContactStatus(new StatusUpdate({ crmRecordId: target.unknownId, crmRecordType: "contact", status: "qualified" }))
          )
          assert.strictEqual(error._tag, "CrmRequestFailed")
          const log = (yield* (yield* SyncLogMemory).entries).filter((e) => e.action === "update")
          assert.deepStrictEqual(log.map((e) => e.status), ["success", "failed"])
        })))
  })
}
