/**
 * The repositories on the dialing path, on both backends: campaigns and
 * their counters, the call queue (reservations never overlap, leases expire),
 * calls and their idempotent event log, DNC checks, caller ids and
 * dispositions.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { CallEventRepo } from "../src/CallEventRepo.ts"
import { CallNoteRepo } from "../src/CallNoteRepo.ts"
import { CallQueueRepo } from "../src/CallQueueRepo.ts"
import { CallRepo } from "../src/CallRepo.ts"
import { CampaignRepo } from "../src/CampaignRepo.ts"
import { ContactRepo } from "../src/ContactRepo.ts"
import { DispositionRepo } from "../src/DispositionRepo.ts"
import { DncRepo } from "../src/DncRepo.ts"
import type { ContactId } from "../src/Ids.ts"
import type { E164 } from "../src/Phone.ts"
import { PhoneNumberRepo } from "../src/PhoneNumberRepo.ts"
import { RecordingRepo } from "../src/RecordingRepo.ts"
import { VoicemailRepo } from "../src/VoicemailRepo.ts"
import * as Tenancy from "../src/Tenancy.ts"
import { backends, layerTimeout } from "./support/backends.ts"
import * as F from "./support/fixtures.ts"
import { newCall, newCampaign, newContact } from "./support/inputs.ts"

const repos = Layer.mergeAll(
  CampaignRepo.layer, CallQueueRepo.layer, CallRepo.layer, CallEventRepo.layer, ContactRepo.layer,
  DncRepo.layer, PhoneNumberRepo.layer, DispositionRepo.layer, CallNoteRepo.layer, RecordingRepo.layer, VoicemailRepo.layer
)

const t0 = new Date("2026-11-25T15:00:00Z")
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

for (const backend of backends("dialing")) {
  describe.skipIf(backend.skip)(backend.name, () => {
    layer(repos.pipe(Layer.provideMerge(backend.layer())), { timeout: layerTimeout, excludeTestServices: true })("dialing", (it) => {
      it.effect("campaign status follows the allowed transitions; counters drive the conversion rate", () =>
        Effect.gen(function*() {
          const campaigns = yield* CampaignRepo
          const org = yield* F.organization("campaigns")
          const campaign = yield* campaigns.create(org, newCampaign())
          assert.strictEqual(campaign.conversionRate, null)
          assert.deepStrictEqual(campaign.retryRules[0], { outcome: "no_answer", delayMinutes: 120, maxRetries: 3 })

          const running = yield* campaigns.setStatus(org, campaign.id, "running")
          assert.strictEqual(running.status, "running")
          const bad = yield* Effect.flip(campaigns.setStatus(org, campaign.id, "draft"))
          assert.strictEqual(bad._tag, "InvalidStatusTransition")
          assert.include(bad.message, "cannot go from running to draft (allowed: paused, completed)")

          yield* campaigns.recordCall(org, campaign.id, true)
          yield* campaigns.recordCall(org, campaign.id, false)
          yield* campaigns.recordCall(org, campaign.id, false)
          const counted = yield* campaigns.recordCall(org, campaign.id, true)
          assert.strictEqual(counted.totalCalls, 4)
          assert.strictEqual(counted.transferredCalls, 2)
          assert.strictEqual(counted.conversionRate, 0.5)

          const page = yield* campaigns.list(org, {}, "running")
          assert.deepStrictEqual(page.items.map((c) => c.id), [campaign.id])
        }))

      it.effect("reservations hand out due rows once, in priority order, and expired leases return to the queue", () =>
        Effect.gen(function*() {
          const campaigns = yield* CampaignRepo
          const contacts = yield* ContactRepo
          const queue = yield* CallQueueRepo
          const org = yield* F.organization("queue")
          const campaign = yield* campaigns.create(org, newCampaign())
          const ids: Array<ContactId> = []
          for (let i = 0; i < 10; i++) ids.push((yield* contacts.create(org, newContact(`+1415555020${i}`))).id)

          const added = yield* queue.enqueue(org, campaign.id, ids.map((contactId, i) => ({
            contactId,
            priority: i === 9 ? 10 : 0,
            // Two contacts are not due yet.
            nextAttemptAt: i < 2 ? at(3600) : at(-60 + i)
          })), t0)
          assert.strictEqual(added, 10)
          assert.strictEqual(yield* queue.enqueue(org, campaign.id, [{ contactId: ids[0]! }], t0), 0, "re-enrolling is a no-op")

          // Two sessions reserve concurrently: on Postgres these are two connections racing.
          const [a, b] = yield* Effect.all([
            queue.reserveDue(org, { campaignId: campaign.id, now: t0, limit: 3, reservedBy: "session-a", leaseSeconds: 30 }),
            queue.reserveDue(org, { campaignId: campaign.id, now: t0, limit: 3, reservedBy: "session-b", leaseSeconds: 30 })
          ], { concurrency: 2 })
          const taken = [...a, ...b].map((r) => r.contactId)
          assert.strictEqual(taken.length, 6)
          assert.strictEqual(new Set(taken).size, 6, "no row is reserved twice")
          assert.isTrue(taken.includes(ids[9]!), "the high-priority contact is among the first reserved")
          assert.isFalse(taken.includes(ids[0]!) || taken.includes(ids[1]!), "rows not yet due are not reserved")

          const rest = yield* queue.reserveDue(org, { campaignId: campaign.id, now: t0, limit: 10, reservedBy: "session-c", leaseSeconds: 30 })
          assert.strictEqual(rest.length, 2, "only the two remaining due rows")

          // session-a dies: its lease expires and the rows become due again.
          assert.strictEqual(yield* queue.reclaimExpired(org, campaign.id, at(10)), 0)
          assert.strictEqual(yield* queue.reclaimExpired(org, campaign.id, at(31)), 8)

          const again = yield* queue.reserveDue(org, { campaignId: campaign.id, now: at(31), limit: 1, reservedBy: "session-d", leaseSeconds: 30 })
          const entry = again[0]!
          assert.strictEqual(entry.contactId, ids[9], "priority first")
          const lost = yield* Effect.flip(queue.markDialing(org, entry.id, "session-a"))
          assert.strictEqual(lost._tag, "QueueEntryNotReserved")
          const dialing = yield* queue.markDialing(org, entry.id, "session-d")
          assert.strictEqual(dialing.status, "dialing")

          const retried = yield* queue.recordAttempt(org, entry.id, { outcome: "no_answer", at: at(60), retryAt: at(7260) })
          assert.deepStrictEqual(
            [retried.status, retried.attempts, retried.lastOutcome, retried.nextAttemptAt.toISOString(), retried.reservedBy],
            ["pending", 1, "no_answer", at(7260).toISOString(), null]
          )
          const done = yield* queue.recordAttempt(org, entry.id, { outcome: "human_answered", at: at(7300), retryAt: null })
          assert.strictEqual(done.status, "completed")
          assert.strictEqual(done.attempts, 2)

          assert.strictEqual(yield* queue.release(org, "session-d"), 0)
          const counts = yield* queue.countByStatus(org, campaign.id)
          assert.deepStrictEqual(counts, { pending: 9, completed: 1 })
        }))

      // Needs two real connections; PGlite has one backend (see STACK-NOTES).
      it.effect.skipIf(backend.name !== "postgres")(
        "a session holding uncommitted reservations does not block another session (SKIP LOCKED)",
        () =>
          Effect.gen(function*() {
            const campaigns = yield* CampaignRepo
            const contacts = yield* ContactRepo
            const queue = yield* CallQueueRepo
            const org = yield* F.organization("skip-locked")
            const campaign = yield* campaigns.create(org, newCampaign())
            const ids: Array<ContactId> = []
            for (let i = 0; i < 4; i++) ids.push((yield* contacts.create(org, newContact(`+1415555060${i}`))).id)
            yield* queue.enqueue(org, campaign.id, ids.map((contactId) => ({ contactId })), t0)
            const reserve = (by: string) =>
              queue.reserveDue(org, { campaignId: campaign.id, now: t0, limit: 2, reservedBy: by, leaseSeconds: 30 })

            const locked = yield* Deferred.make<ReadonlyArray<ContactId>>()
            const done = yield* Deferred.make<void>()
            // Session A reserves inside a transaction it keeps open until B has finished.
            const a = yield* Effect.forkChild(Tenancy.withTenant(org)(Effect.gen(function*() {
              const rows = yield* reserve("session-a")
              yield* Deferred.succeed(locked, rows.map((r) => r.contactId))
              yield* Deferred.await(done)
            })))
            const heldByA = yield* Deferred.await(locked)
            // Forked from the test fiber, not from A: B gets its own connection and transaction.
            const b = yield* reserve("session-b").pipe(Effect.timeout("5 seconds"))
            yield* Deferred.succeed(done, undefined)
            yield* Fiber.join(a)
            const heldByB = b.map((r) => r.contactId)
            assert.strictEqual(heldByA.length, 2)
            assert.strictEqual(heldByB.length, 2)
            assert.deepStrictEqual(new Set([...heldByA, ...heldByB]), new Set(ids), "disjoint, and nothing waited")
          }),
        30_000
      )

      it.effect("a call is found by its provider id; duplicate provider events are stored once", () =>
        Effect.gen(function*() {
          const calls = yield* CallRepo
          const events = yield* CallEventRepo
          const campaigns = yield* CampaignRepo
          const org = yield* F.organization("calls")
          const campaign = yield* campaigns.create(org, newCampaign())
          const call = yield* calls.create(org, newCall(campaign.id, null))
          const sid = `CA${call.id.replace(/-/g, "")}`

          // The first webhook can arrive before we stored the provider call id.
          const early = yield* events.append(org, {
            callId: null, provider: "twilio", providerCallId: sid, providerEventKey: `${sid}:0`,
            eventType: "initiated", payload: { CallStatus: "initiated" }, occurredAt: at(1)
          })
          assert.isTrue(early.inserted)
          const updated = yield* calls.update(org, call.id, { providerCallId: sid, status: "initiated", initiatedAt: at(1) })
          assert.strictEqual(updated.providerCallId, sid)
          assert.strictEqual(yield* events.linkToCall(org, "twilio", sid, call.id), 1)
          assert.deepStrictEqual((yield* calls.live(org, campaign.id)).map((c) => c.id), [call.id])

          const ringing = {
            callId: call.id, provider: "twilio" as const, providerCallId: sid, providerEventKey: `${sid}:1`,
            eventType: "ringing", payload: { CallStatus: "ringing", SequenceNumber: "1" }, occurredAt: at(2)
          }
          const first = yield* events.append(org, ringing)
          const retry = yield* events.append(org, ringing)
          assert.isTrue(first.inserted)
          assert.isFalse(retry.inserted)
          assert.strictEqual(retry.event.id, first.event.id)
          const log = yield* events.forCall(org, call.id)
          assert.deepStrictEqual(log.map((e) => e.eventType), ["initiated", "ringing"])
          assert.deepStrictEqual(log[1]!.payload, { CallStatus: "ringing", SequenceNumber: "1" })

          const byProvider = yield* calls.findByProviderCallId(org, "twilio", sid)
          assert.strictEqual(Option.getOrThrow(byProvider).id, call.id)

          const other = yield* F.organization("calls-other")
          const conflict = yield* Effect.flip(events.append(other, { ...ringing, callId: null }))
          assert.strictEqual(conflict._tag, "CallEventKeyConflict")

          const finished = yield* calls.update(org, call.id, {
            status: "completed", answeredBy: "human", outcome: "human_answered", answeredAt: at(5), endedAt: at(65),
            talkDurationSeconds: 60, billableSeconds: 60, price: "0.01400", priceUnit: "USD"
          })
          assert.strictEqual(finished.price, "0.01400")
          assert.deepStrictEqual(yield* calls.live(org, campaign.id), [], "a completed call is no longer live")
        }))

      it.effect("a call's recordings, notes and voicemails; deleting the contact removes its notes and voicemails", () =>
        Effect.gen(function*() {
          const contacts = yield* ContactRepo
          const calls = yield* CallRepo
          const recordings = yield* RecordingRepo
          const notes = yield* CallNoteRepo
          const voicemails = yield* VoicemailRepo
          const org = yield* F.organization("artifacts")
          const contact = yield* contacts.create(org, newContact("+14155550701"))
          const call = yield* calls.create(org, newCall(null, contact.id))

          const rec = yield* recordings.create(org, {
            callId: call.id, kind: "call", provider: "twilio", providerRecordingId: "RE9", url: "https://example.com/RE9.mp3",
            durationSeconds: null, status: "in_progress", contentType: "audio/mpeg"
          })
          const done = yield* recordings.setStatus(org, rec.id, "completed", 42)
          assert.deepStrictEqual([done.status, done.durationSeconds], ["completed", 42])
          assert.deepStrictEqual((yield* recordings.forCall(org, call.id)).map((r) => r.id), [rec.id])

          const note = yield* notes.add(org, { contactId: contact.id, callId: call.id, authorId: null, body: "Call back after 3pm" })
          yield* notes.edit(org, note.id, "Call back after 4pm")
          const page = yield* notes.forContact(org, contact.id, {})
          assert.deepStrictEqual(page.items.map((n) => n.body), ["Call back after 4pm"])

          const vm = yield* voicemails.record(org, {
            callId: null, contactId: contact.id, recordingId: rec.id, direction: "received", fromNumber: contact.phone,
            durationSeconds: 20, transcript: "hi, returning your call"
          })
          assert.deepStrictEqual((yield* voicemails.unheard(org)).map((v) => v.id), [vm.id])
          yield* voicemails.markListened(org, vm.id, t0)
          assert.deepStrictEqual(yield* voicemails.unheard(org), [])

          yield* contacts.remove(org, contact.id)
          assert.deepStrictEqual((yield* notes.forContact(org, contact.id, {})).items, [])
          assert.deepStrictEqual(yield* voicemails.forContact(org, contact.id), [])
          assert.strictEqual((yield* calls.findById(org, call.id)).contactId, null, "the call stays, without its contact")
          assert.strictEqual((yield* recordings.findById(org, rec.id)).callId, call.id, "its recording stays with it")
        }))

      it.effect("DNC entries block by scope and expire; global entries are visible to every tenant", () =>
        Effect.gen(function*() {
          const dnc = yield* DncRepo
          const campaigns = yield* CampaignRepo
          const org = yield* F.organization("dnc")
          const other = yield* F.organization("dnc-other")
          const campaign = yield* campaigns.create(org, newCampaign())
          const phone = (n: number) => `+1415555030${n}` as E164

          yield* dnc.add(org, { phone: phone(1), reason: "requested", addedAt: t0 })
          const again = yield* dnc.add(org, { phone: phone(1), reason: "requested", addedAt: at(5) })
          assert.strictEqual(again.addedAt.toISOString(), t0.toISOString(), "adding twice keeps the first entry")
          yield* dnc.add(org, { phone: phone(2), reason: "other", campaignId: campaign.id, addedAt: t0 })
          yield* dnc.add(org, { phone: phone(3), reason: "requested", addedAt: t0, expiresAt: at(60) })
          yield* dnc.addGlobal({ phone: phone(4), reason: "litigator", addedAt: t0 })

          const blocked = (n: number, campaignId: typeof campaign.id | null, now = t0) =>
            Effect.map(dnc.blocking(org, phone(n), campaignId, now), (e) => e.map((x) => x.scope))
          assert.deepStrictEqual(yield* blocked(1, null), ["organization"])
          assert.deepStrictEqual(yield* blocked(2, campaign.id), ["campaign"])
          assert.deepStrictEqual(yield* blocked(2, null), [], "a campaign entry does not block other campaigns")
          assert.deepStrictEqual(yield* blocked(3, null), ["organization"])
          assert.deepStrictEqual(yield* blocked(3, null, at(61)), [], "expired")
          assert.deepStrictEqual(yield* blocked(4, null), ["global"])
          assert.deepStrictEqual(
            (yield* dnc.blocking(other, phone(1), null, t0)).length, 0, "another tenant's list does not apply")
          assert.deepStrictEqual((yield* dnc.blocking(other, phone(4), null, t0)).map((e) => e.scope), ["global"])
        }))

      it.effect("repositories work over a plain SqlClient that does not rename columns", () =>
        Effect.gen(function*() {
          const plain = (yield* SqlClient.SqlClient).withoutTransforms()
          const org = yield* F.organization("plain")
          const { contact, reserved } = yield* Effect.gen(function*() {
            const contacts = yield* ContactRepo
            const campaigns = yield* CampaignRepo
            const queue = yield* CallQueueRepo
            const contact = yield* contacts.create(org, newContact("+14155550501", { customFields: { someKey: 1 } }))
            const campaign = yield* campaigns.create(org, newCampaign())
            yield* queue.enqueue(org, campaign.id, [{ contactId: contact.id }], t0)
            const reserved = yield* queue.reserveDue(org, { campaignId: campaign.id, now: t0, limit: 5, reservedBy: "s", leaseSeconds: 10 })
            return { contact, reserved }
          }).pipe(Effect.provide(
            // `fresh`: layers are memoized, and the suite already built these repositories over the transforming client.
            Layer.fresh(Layer.mergeAll(ContactRepo.layer, CampaignRepo.layer, CallQueueRepo.layer)).pipe(
              Layer.provide(Layer.succeed(SqlClient.SqlClient, plain))
            )
          ))
          assert.deepStrictEqual(contact.customFields, { someKey: 1 }, "jsonb keys are not renamed")
          assert.strictEqual(contact.orgId, org)
          assert.deepStrictEqual(reserved.map((r) => r.contactId), [contact.id])
          const viaTransforming = yield* (yield* ContactRepo).findById(org, contact.id)
          assert.deepStrictEqual(viaTransforming, contact)
        }))

      it.effect("one default caller id per organization; dispositions seed once", () =>
        Effect.gen(function*() {
          const numbers = yield* PhoneNumberRepo
          const dispositions = yield* DispositionRepo
          const org = yield* F.organization("numbers")
          const base = { provider: "twilio" as const, providerSid: null, friendlyName: null, capabilities: ["voice" as const],
            isActive: true, monthlyCost: "1.15000", costCurrency: "USD", dailyCallCount: 0 }
          const a = yield* numbers.create(org, { ...base, number: "+14155550401" as E164 })
          const b = yield* numbers.create(org, { ...base, number: "+14155550402" as E164 })
          const dup = yield* Effect.flip(numbers.create(org, { ...base, number: "+14155550401" as E164 }))
          assert.strictEqual(dup._tag, "DuplicatePhoneNumber")
          yield* numbers.setDefault(org, a.id)
          yield* numbers.setDefault(org, b.id)
          const current = yield* numbers.defaultNumber(org)
          assert.strictEqual(Option.getOrThrow(current).id, b.id)
          assert.strictEqual((yield* numbers.findById(org, a.id)).isDefault, false)

          assert.strictEqual(yield* dispositions.seedDefaults(org), 8)
          assert.strictEqual(yield* dispositions.seedDefaults(org), 0)
          const sale = Option.getOrThrow(yield* dispositions.findByCode(org, "sale"))
          assert.deepStrictEqual([sale.sale, sale.contact, sale.humanAnswered, sale.dnc], [true, true, true, false])
          const active = yield* dispositions.active(org)
          assert.strictEqual(active[0]!.code, "sale")
        }))
    })
  })
}
