/**
 * Group commit of webhook events (`CallEventBatcher` over
 * `CallEventStore.storeBatch`) on a real Postgres: concurrent events share one
 * transaction, each caller is answered only once its batch has committed, a
 * batch that cannot commit fails all its callers and stores nothing, and the
 * per-event guarantees (idempotence, calls only move forward, arrival order
 * within a call) hold inside a batch.
 */
import { postgres } from "@autodialer/testkit"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import * as TestDatabase from "@autodialer/domain/TestDatabase"
import type { CallEvent as CallEvents } from "@autodialer/telephony"
import { EventBus } from "@autodialer/workflows/EventBus"
import { Effect, Exit, Layer, ManagedRuntime, Queue } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as CallEventStore from "../src/CallEventStore.ts"
import * as Provisioning from "../src/Provisioning.ts"
import { CallEventBatcher, EventStoreUnavailable } from "../src/webhooks/CallEventBatcher.ts"

type CallEvent = CallEvents.CallEvent

const pg = postgres()

const sid = (n: number) => `CA${n.toString(16).padStart(32, "0")}`
const ringing = (n: number, key = "ringing"): CallEvent =>
  ({ _tag: "Ringing", callId: "", provider: "twilio", providerCallId: sid(n), eventKey: `twilio:${sid(n)}:status:${key}`, at: 1_700_000_000_000 })

describe.skipIf(pg.skip)("webhook group commit", () => {
  // A long window makes batch membership deterministic: everything submitted together lands in one batch.
  const layer = CallEventBatcher.layer({ windowMs: 150, maxBatch: 64, concurrency: 2, attempts: 1 }).pipe(
    Layer.provideMerge(EventBus.layerMemory),
    Layer.provideMerge(TestDatabase.layerPg(pg.value!, "server_webhook_batch"))
  )
  let runtime: ManagedRuntime.ManagedRuntime<CallEventBatcher | SqlClient.SqlClient | EventBus, unknown>
  let orgId = ""
  let campaignId = ""
  let next = 0

  const run = <A, E>(effect: Effect.Effect<A, E, CallEventBatcher | SqlClient.SqlClient | EventBus>) => runtime.runPromise(effect)
  const system = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
    run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* Tenancy.withSystem(query(sql))
    }))

  const owner = <A>(query: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
    run(Effect.flatMap(SqlClient.SqlClient, query))

  /** Calls with fresh Twilio CallSids; returns their numbers (the CallSid is `sid(n)`). */
  const seedCalls = (count: number, campaign: string | null = null) =>
    system((sql) =>
      Effect.gen(function*() {
        const ns: Array<number> = []
        for (let k = 0; k < count; k++) {
          const n = ++next
          ns.push(n)
          yield* sql`INSERT INTO calls ${sql.insert({
            id: yield* UuidV7.generate, orgId, campaignId: campaign, provider: "twilio", providerCallId: sid(n), direction: "outbound",
            fromNumber: "+14155550100", toNumber: "+14155550123", status: "initiated"
          })}`
        }
        return ns
      }))
  const submit = (event: CallEvent) =>
    Effect.gen(function*() {
      const batcher = yield* CallEventBatcher
      return yield* batcher.submit({ event, payload: { CallSid: event.providerCallId }, callIdHint: undefined })
    })
  const callOf = (n: number) =>
    system((sql) =>
      Effect.map(
        sql<{ readonly status: string; readonly ringingAt: Date | null; readonly answeredAt: Date | null; readonly endedAt: Date | null; readonly talkDurationSeconds: number | null }>`
          SELECT status, ringing_at, answered_at, ended_at, talk_duration_seconds FROM calls WHERE provider_call_id = ${sid(n)}`,
        (rows) => rows[0]!
      ))
  const eventsOf = (ns: ReadonlyArray<number>) =>
    system((sql) =>
      sql<{ readonly providerCallId: string; readonly eventType: string; readonly tx: string }>`
        SELECT provider_call_id, event_type, xmin::text AS tx FROM call_events
        WHERE provider_call_id IN ${sql.in(ns.map(sid))} ORDER BY provider_call_id, received_at`)

  beforeAll(async () => {
    runtime = ManagedRuntime.make(layer)
    orgId = (await run(Provisioning.createOrganization({
      name: "Batch", slug: "batch", admin: { email: "admin@batch.test", fullName: "Admin", password: "correct horse battery" }
    }))).orgId
    campaignId = await run(UuidV7.generate)
    await system((sql) => sql`INSERT INTO campaigns (id, org_id, name, mode, calling_window, abandon_policy, attempt_rules, pacing, amd)
      VALUES (${campaignId}, ${orgId}, 'Batch test', 'progressive', '{}', '{}', '{}', '{}', '{}')`)
  }, 60_000)
  afterAll(async () => {
    await runtime?.dispose()
  })

  it("stores concurrent events in one transaction and answers each only after it committed", async () => {
    const ns = await seedCalls(12)
    // Each caller checks, from another connection, that its event is visible the moment it is answered.
    const visibleOnAnswer = await run(Effect.forEach(ns, (n) =>
      Effect.gen(function*() {
        const stored = yield* submit(ringing(n))
        const sql = yield* SqlClient.SqlClient
        const seen = yield* Tenancy.withSystem(sql`SELECT 1 FROM call_events WHERE provider_event_key = ${ringing(n).eventKey}`)
        return { inserted: stored?.inserted, seen: seen.length }
      }), { concurrency: "unbounded" }))
    expect(visibleOnAnswer).toEqual(ns.map(() => ({ inserted: true, seen: 1 })))
    const rows = await eventsOf(ns)
    expect(rows).toHaveLength(12)
    // Rows written by one transaction share its id (xmin): the whole batch was one commit.
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1)
    for (const n of ns) expect((await callOf(n)).status).toBe("ringing")
  })

  it("fails every request of a batch that cannot commit, and stores none of it", async () => {
    const ns = await seedCalls(5)
    const poisoned = sid(ns[2]!)
    // A trigger that refuses the update of one call: the batch's INSERT has already run when it fires.
    // DDL runs as the database owner (the connection's own role), not through the system role.
    await owner((sql) => Effect.andThen(
      sql.unsafe(`CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.provider_call_id = '${poisoned}' THEN RAISE EXCEPTION 'poisoned call'; END IF; RETURN NEW; END $$`),
      sql.unsafe(`CREATE TRIGGER refuse_poisoned BEFORE UPDATE ON calls FOR EACH ROW EXECUTE FUNCTION refuse_poisoned()`)
    ))
    const exits = await run(Effect.forEach(ns, (n) => Effect.exit(submit(ringing(n))), { concurrency: "unbounded" }))
    for (const exit of exits) {
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(exit.cause.toString()).toMatch(/EventStoreUnavailable|event store is unavailable/)
    }
    expect(await eventsOf(ns)).toEqual([])
    for (const n of ns) expect((await callOf(n)).status).toBe("initiated")
    // The carrier's redelivery, once the store accepts it again, stores each event once.
    await owner((sql) => Effect.andThen(sql.unsafe(`DROP TRIGGER refuse_poisoned ON calls`), sql.unsafe(`DROP FUNCTION refuse_poisoned()`)))
    const retried = await run(Effect.forEach(ns, (n) => submit(ringing(n)), { concurrency: "unbounded" }))
    expect(retried.map((s) => s?.inserted)).toEqual(ns.map(() => true))
    expect(await eventsOf(ns)).toHaveLength(5)
  })

  it("inside one batch: a repeated event is stored once, a call's events apply in arrival order (one wave each), never backwards", async () => {
    const [n] = await seedCalls(1)
    const at = (ms: number) => 1_700_000_000_000 + ms
    const events: ReadonlyArray<CallEvent> = [
      { ...ringing(n!), at: at(0) },
      { _tag: "Completed", callId: "", provider: "twilio", providerCallId: sid(n!), eventKey: `twilio:${sid(n!)}:status:completed`, at: at(40_000), durationSec: 31 },
      { ...ringing(n!), at: at(0) },
      { _tag: "Answered", callId: "", provider: "twilio", providerCallId: sid(n!), eventKey: `twilio:${sid(n!)}:status:in-progress`, at: at(9_000), answeredBy: "human" }
    ]
    const results = await run(Effect.forEach(events, submit, { concurrency: "unbounded" }))
    expect(results.map((r) => r?.inserted)).toEqual([true, true, false, true])
    const rows = await eventsOf([n!])
    expect(rows.map((r) => r.eventType).sort()).toEqual(["Answered", "Completed", "Ringing"])
    // One statement can move a call once: each event of the call is committed by its own wave, in order.
    expect(new Set(rows.map((r) => r.tx)).size).toBe(3)
    const call = await callOf(n!)
    // As if delivered one by one: ringing, then completed; the late "in-progress" is kept but does not rewind the call.
    expect(call.status).toBe("completed")
    expect(call.ringingAt?.getTime()).toBe(at(0))
    expect(call.endedAt?.getTime()).toBe(at(40_000))
    expect(call.talkDurationSeconds).toBe(31)
    expect(call.answeredAt).toBeNull()
    // A redelivery in a later batch changes nothing.
    expect((await run(submit(events[1]!)))?.inserted).toBe(false)
    expect(await eventsOf([n!])).toHaveLength(3)
  })

  it("answers an event for a call that is not ours as unknown and stores nothing", async () => {
    const unknown = 0xfffff
    expect(await run(submit(ringing(unknown)))).toBeUndefined()
    expect(await eventsOf([unknown])).toEqual([])
  })

  it("publishes new events of a campaign's calls after the commit, and duplicates not at all", async () => {
    const [n] = await seedCalls(1, campaignId)
    const received = await run(Effect.scoped(Effect.gen(function*() {
      const bus = yield* EventBus
      const queue = yield* bus.subscribe(campaignId)
      yield* submit(ringing(n!))
      yield* submit(ringing(n!))
      const first = yield* Queue.take(queue)
      const more = yield* Effect.sleep(300).pipe(Effect.andThen(Queue.size(queue)))
      return { first, more }
    })))
    expect(received.first).toMatchObject({ _tag: "Ringing", providerCallId: sid(n!) })
    expect("callId" in received.first ? received.first.callId : undefined).toMatch(UuidV7.uuidPattern)
    expect(received.more).toBe(0)
  })

  it("replaces a lane whose connection was lost and stores the batch on the retry", async () => {
    const [a, b] = await seedCalls(2)
    expect((await run(submit(ringing(a!))))?.inserted).toBe(true)
    // Every other session of this database is killed, the lanes' included (as an admin or a failover would).
    await owner((sql) => sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
    expect((await run(submit(ringing(b!))))?.inserted).toBe(true)
    expect((await callOf(b!)).status).toBe("ringing")
  })

  it("moves calls forward with heap-only updates until the final callback (no index entries per status change)", async () => {
    const ns = await seedCalls(3)
    // Earlier tests left dead row versions on the table's pages; a heap-only update needs room on the row's own page.
    await owner((sql) => sql`VACUUM calls`)
    const items = (make: (n: number) => CallEvent) => ns.map((n) => ({ event: make(n), payload: { CallSid: sid(n) }, callIdHint: undefined }))
    const base = (n: number, key: string) =>
      ({ callId: "", provider: "twilio", providerCallId: sid(n), eventKey: `twilio:${sid(n)}:status:${key}`, at: 1_700_000_000_000 }) as const
    const answered = (n: number): CallEvent => ({ ...base(n, "in-progress"), _tag: "Answered", answeredBy: "human" })
    const completed = (n: number): CallEvent => ({ ...base(n, "completed"), _tag: "Completed", durationSec: 30 })
    // The counters of the current transaction: each batch runs in one.
    const updates = (make: (n: number) => CallEvent) =>
      system((sql) =>
        Effect.gen(function*() {
          yield* CallEventStore.storeBatch((text, params) => sql.unsafe(text, params), items(make))
          const [row] = yield* sql<{ readonly updated: number; readonly hot: number }>`
            SELECT pg_stat_get_xact_tuples_updated('calls'::regclass)::int AS updated,
                   pg_stat_get_xact_tuples_hot_updated('calls'::regclass)::int AS hot`
          return row!
        }))
    // Ringing and answered change only unindexed columns (status is in no index since migration 8).
    for (const make of [(n: number) => ringing(n), answered]) {
      const counts = await updates(make)
      expect(counts.updated).toBeGreaterThanOrEqual(3)
      expect(counts.hot).toBe(counts.updated)
    }
    // The last one sets ended_at, which the open-calls index is partial on: those rows leave the index.
    const last = await updates(completed)
    expect(last.hot).toBeLessThan(last.updated)
    expect((await callOf(ns[0]!)).status).toBe("completed")
  })

  it("names the failure the routes turn into 503", () => {
    expect(new EventStoreUnavailable({ batchSize: 3, cause: "x" }).message).toMatch(/batch of 3 events was rolled back.*retry later/)
  })
})

describe("webhook group commit on embedded PGlite (one connection: no held lanes)", () => {
  it("stores concurrent events in one transaction through a borrowed connection, and leaves it usable", async () => {
    const runtime = ManagedRuntime.make(
      CallEventBatcher.layer({ windowMs: 100 }).pipe(Layer.provideMerge(TestDatabase.layerPglite()))
    )
    try {
      const result = await runtime.runPromise(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const batcher = yield* CallEventBatcher
        const org = yield* Provisioning.createOrganization({
          name: "Embedded", slug: "embedded", admin: { email: "admin@embedded.test", fullName: "Admin", password: "correct horse battery" }
        })
        const ns = [1, 2, 3, 4, 5]
        yield* Tenancy.withSystem(Effect.forEach(ns, (n) =>
          Effect.gen(function*() {
            yield* sql`INSERT INTO calls ${sql.insert({
              id: yield* UuidV7.generate, orgId: org.orgId, provider: "twilio", providerCallId: sid(n), direction: "outbound",
              fromNumber: "+14155550100", toNumber: "+14155550123", status: "initiated"
            })}`
          })))
        const stored = yield* Effect.forEach(ns, (n) => batcher.submit({ event: ringing(n), payload: {}, callIdHint: undefined }), { concurrency: "unbounded" })
        const rows = yield* Tenancy.withSystem(sql<{ readonly tx: string; readonly status: string }>`
          SELECT e.xmin::text AS tx, c.status FROM call_events e JOIN calls c ON c.id = e.call_id`)
        // The one connection went back to the pool as it came: an ordinary query still works afterwards, as the app role.
        const role = yield* sql<{ readonly role: string }>`SELECT current_user AS role`
        return { inserted: stored.map((s) => s?.inserted), txs: new Set(rows.map((r) => r.tx)).size, statuses: rows.map((r) => r.status), role: role[0]?.role }
      }))
      expect(result.inserted).toEqual([true, true, true, true, true])
      expect(result.txs).toBe(1)
      expect(result.statuses).toEqual(["ringing", "ringing", "ringing", "ringing", "ringing"])
      expect(result.role).not.toBe(Tenancy.systemRole)
    } finally {
      await runtime.dispose()
    }
  }, 60_000)
})
