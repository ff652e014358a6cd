/**
 * The Postgres-backed call store on the domain schema, on the Postgres server
 * and on PGlite: a key is claimed once even by two store instances (two
 * processes), events are stored once and folded into the same state by any
 * instance, a released key can be claimed again, and two simulated carriers
 * sharing the store dial an attempt once.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { postgres } from "@autodialer/testkit"
import { DialingSessionRepo, Ids, Tenancy, TestDatabase } from "@autodialer/domain"
import type { CallEvent } from "../src/CallEvent.ts"
import { CallStore } from "../src/CallStore.ts"
import * as CallStorePg from "../src/CallStorePg.ts"
import * as SimulatedCarrier from "../src/SimulatedCarrier.ts"

const pg = postgres()
const backends = [
  { name: "postgres", skip: pg.skip, layer: () => TestDatabase.layerPg(pg.value ?? "", "call_store_pg") },
  { name: "pglite", skip: false, layer: () => TestDatabase.layerPglite() }
]

/** A campaign with one reserved entry and its dial recorded, as a session does before it originates. Returns the key. */
const recordedDial = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* DialingSessionRepo.DialingSessionRepo
  const orgId = yield* Ids.generate(Ids.OrganizationId)
  const campaignId = yield* Ids.generate(Ids.CampaignId)
  const contactId = yield* Ids.generate(Ids.ContactId)
  const entryId = yield* Ids.generate(Ids.CampaignContactId)
  yield* Tenancy.withSystem(Effect.gen(function*() {
    yield* sql`INSERT INTO organizations (id, name, slug, plan, limits, settings)
      VALUES (${orgId}, 'Store', ${`store-${orgId.slice(-12)}`}, 'pro', '{}', '{}')`
    yield* sql`INSERT INTO campaigns (id, org_id, name, mode, calling_window, abandon_policy, attempt_rules, pacing, amd)
      VALUES (${campaignId}, ${orgId}, 'Store', 'progressive', '{}', '{}', '{}', '{}', '{}')`
    yield* sql`INSERT INTO contacts (id, org_id, phone) VALUES (${contactId}, ${orgId}, '+14155550123')`
    yield* sql`INSERT INTO campaign_contacts (id, org_id, campaign_id, contact_id, next_attempt_at)
      VALUES (${entryId}, ${orgId}, ${campaignId}, ${contactId}, ${new Date(0)})`
  }))
  const now = new Date()
  yield* repo.reserve(orgId, { campaignId, sessionKey: "S#1", limit: 1, now, leaseUntil: new Date(now.getTime() + 60_000), firstAttempts: true })
  const recorded = yield* repo.recordDial(orgId, {
    campaignId, sessionKey: "S#1", sessionCallId: "S#1:1", entryId, attempt: 1, from: "+14155550100", to: "+14155550123",
    provider: "simulated", at: now
  })
  assert.isTrue(recorded)
  return { key: DialingSessionRepo.idempotencyKey(entryId, 1), orgId }
}).pipe(Effect.provide(DialingSessionRepo.DialingSessionRepo.layer))

/** A second, independent store instance over the same database (another process). */
const otherStore = <A, E>(effect: Effect.Effect<A, E, CallStore>) => Effect.provide(effect, CallStorePg.layer)

const event = (callId: string, tag: "Ringing" | "Completed", at: number): CallEvent =>
  tag === "Ringing"
    ? { _tag: "Ringing", callId, provider: "simulated", providerCallId: callId, eventKey: `sim:${callId}:ringing`, at }
    : { _tag: "Completed", callId, provider: "simulated", providerCallId: callId, eventKey: `sim:${callId}:completed`, at, durationSec: 3 }

for (const backend of backends) {
  describe.skipIf(backend.skip)(backend.name, () => {
    layer(CallStorePg.layer.pipe(Layer.provideMerge(backend.layer())), { timeout: "120 seconds", excludeTestServices: true })("CallStorePg", (it) => {
      it.effect("a key is claimed once across store instances; events are stored once and fold to the same state anywhere", () =>
        Effect.gen(function*() {
          const store = yield* CallStore
          const sql = yield* SqlClient.SqlClient
          const { key } = yield* recordedDial
          const first = yield* store.claim({ idempotencyKey: key, callId: "sim-1-1", provider: "simulated" })
          assert.strictEqual(first._tag, "Claimed")
          const again = yield* otherStore(CallStore.use((s) => s.claim({ idempotencyKey: key, callId: "sim-2-1", provider: "simulated" })))
          assert.strictEqual(again._tag, "AlreadyClaimed")
          assert.strictEqual(again.record.callId, "sim-1-1")

          const ringing = yield* store.transition(event("sim-1-1", "Ringing", 1_000))
          assert.strictEqual(ringing._tag, "Applied")
          const duplicate = yield* otherStore(CallStore.use((s) => s.transition(event("sim-1-1", "Ringing", 1_000))))
          assert.strictEqual(duplicate._tag, "Duplicate")
          assert.strictEqual((yield* store.transition(event("sim-1-1", "Completed", 4_000)))._tag, "Applied")
          const late = yield* store.transition({ ...event("sim-1-1", "Ringing", 5_000), eventKey: "sim:sim-1-1:ringing-late" })
          assert.strictEqual(late._tag, "Stale")

          const here = Option.getOrThrow(yield* store.get("sim-1-1"))
          const there = Option.getOrThrow(yield* otherStore(CallStore.use((s) => s.get("sim-1-1"))))
          assert.strictEqual(here.state.status, "completed")
          assert.deepStrictEqual({ ...there.state, seen: [...there.state.seen].sort() }, { ...here.state, seen: [...here.state.seen].sort() })
          assert.strictEqual(here.providerCallId, "sim-1-1")
          assert.isTrue(Option.isSome(yield* store.findByProviderCallId("simulated", "sim-1-1")))

          const stored = yield* sql<{ readonly n: number; readonly orgs: number }>`
            SELECT count(*)::int AS n, count(DISTINCT org_id)::int AS orgs FROM call_events
            WHERE call_id = (SELECT id FROM calls WHERE idempotency_key = ${key})`
          assert.deepStrictEqual([...stored], [{ n: 3, orgs: 1 }])
          assert.strictEqual((yield* Effect.flip(store.transition(event("sim-unknown", "Ringing", 1))))._tag, "CallNotFound")
        }))

      it.effect("a released key (the carrier did not act) can be claimed again", () =>
        Effect.gen(function*() {
          const store = yield* CallStore
          const { key } = yield* recordedDial
          assert.strictEqual((yield* store.claim({ idempotencyKey: key, callId: "sim-3-1", provider: "simulated" }))._tag, "Claimed")
          yield* store.release(key)
          assert.isTrue(Option.isNone(yield* store.get("sim-3-1")))
          const retried = yield* store.claim({ idempotencyKey: key, callId: "sim-3-2", provider: "simulated" })
          assert.strictEqual(retried._tag, "Claimed")
          assert.strictEqual(retried.record.callId, "sim-3-2")
        }))

      it.effect("two simulated carriers sharing the store dial an attempt once", () =>
        Effect.gen(function*() {
          const { key } = yield* recordedDial
          const originate = (seed: number) =>
            Effect.scoped(Effect.gen(function*() {
              const { telephony } = yield* SimulatedCarrier.make({ seed, scripted: true })
              return yield* telephony.originate({
                to: "+14155550123", from: "+14155550100", ringTimeoutSec: 20, amd: "off", record: false, idempotencyKey: key
              })
            })).pipe(Effect.provide(CallStorePg.layer))
          const first = yield* originate(11)
          const second = yield* originate(12)
          assert.isFalse(first.deduplicated)
          assert.isTrue(second.deduplicated)
          assert.strictEqual(second.callId, first.callId)
          const telephonyState = yield* CallStore.use((s) => s.get(first.callId))
          assert.strictEqual(Option.getOrThrow(telephonyState).state.status, "initiated")
        }))
    })
  })
}
