import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ContactRepo } from "../src/ContactRepo.ts"
import type { E164 } from "../src/Phone.ts"
import type { IanaTimeZone } from "../src/TimeZone.ts"
import { backends, layerTimeout } from "./support/backends.ts"
import * as F from "./support/fixtures.ts"
import { newContact } from "./support/inputs.ts"

for (const backend of backends("contacts")) {
  describe.skipIf(backend.skip)(backend.name, () => {
    layer(ContactRepo.layer.pipe(Layer.provideMerge(backend.layer())), { timeout: layerTimeout, excludeTestServices: true })("ContactRepo", (it) => {
      it.effect("creates, reads back (jsonb, arrays, timestamps), updates and deletes a contact", () =>
        Effect.gen(function*() {
          const repo = yield* ContactRepo
          const org = yield* F.organization("contacts")
          const created = yield* repo.create(org, newContact("+14155550130", {
            timeZone: "America/Chicago" as IanaTimeZone,
            timeZoneSource: "crm",
            alternatePhones: ["+14155550131" as E164]
          }))
          assert.strictEqual(created.orgId, org)
          assert.instanceOf(created.createdAt, Date)
          assert.deepStrictEqual(created.customFields, { plan: "gold", seats: 12 })
          assert.deepStrictEqual(created.alternatePhones, ["+14155550131" as E164])

          const found = yield* repo.findById(org, created.id)
          assert.deepStrictEqual(found, created)

          const byAlternate = yield* repo.findByPhone(org, "+14155550131" as E164)
          assert.deepStrictEqual(byAlternate.map((c) => c.id), [created.id])

          const updated = yield* repo.update(org, created.id, { status: "qualified", leadScore: 90 })
          assert.strictEqual(updated.status, "qualified")
          assert.strictEqual(updated.leadScore, 90)
          assert.strictEqual(updated.firstName, "Grace")
          assert.isTrue(updated.updatedAt.getTime() >= created.updatedAt.getTime())

          yield* repo.remove(org, created.id)
          const missing = yield* Effect.flip(repo.findById(org, created.id))
          assert.strictEqual(missing._tag, "ContactNotFound")
        }))

      it.effect("rejects a second contact with the same CRM id, and upserts CRM records idempotently", () =>
        Effect.gen(function*() {
          const repo = yield* ContactRepo
          const org = yield* F.organization("crm-contacts")
          const input = { ...newContact("+14155550132"), sourceCrm: "hubspot" as const, crmId: "hs-1" }
          yield* repo.create(org, input)
          const duplicate = yield* Effect.flip(repo.create(org, input))
          assert.strictEqual(duplicate._tag, "DuplicateContact")
          assert.include(duplicate.message, "hubspot id 'hs-1'")

          const first = yield* repo.upsertFromCrm(org, { ...input, crmId: "hs-2", tags: ["a"] })
          const second = yield* repo.upsertFromCrm(org, { ...input, crmId: "hs-2", tags: ["b"], firstName: "Amazing" })
          assert.isTrue(first.created)
          assert.isFalse(second.created)
          assert.strictEqual(second.contact.id, first.contact.id)
          assert.strictEqual(second.contact.firstName, "Amazing")
          assert.deepStrictEqual([...second.contact.tags].sort(), ["a", "b"])
        }))

      it.effect("half-set field pairs are typed errors naming both fields", () =>
        Effect.gen(function*() {
          const repo = yield* ContactRepo
          const org = yield* F.organization("pairs")
          const orphan = yield* Effect.flip(repo.create(org, newContact("+14155550180", { crmId: "x-1" })))
          assert.strictEqual(orphan._tag, "InvalidContact")
          assert.strictEqual(orphan.message,
            "invalid contact: crmId and sourceCrm go together (expected both set for a CRM record, or both null)")
          const created = yield* repo.create(org, newContact("+14155550181"))
          const zone = yield* Effect.flip(repo.update(org, created.id, { timeZone: "Europe/Paris" as IanaTimeZone }))
          assert.include(zone.message, "timeZone and timeZoneSource go together")
          const fixed = yield* repo.update(org, created.id, { timeZone: "Europe/Paris" as IanaTimeZone, timeZoneSource: "user" })
          assert.deepStrictEqual([fixed.timeZone, fixed.timeZoneSource], ["Europe/Paris", "user"])
        }))

      it.effect("lists with keyset pagination, newest first, without gaps or repeats", () =>
        Effect.gen(function*() {
          const repo = yield* ContactRepo
          const org = yield* F.organization("paging")
          const ids: Array<string> = []
          for (let i = 0; i < 7; i++) ids.push((yield* repo.create(org, newContact(`+1415555014${i}`))).id)
          const seen: Array<string> = []
          let cursor: string | undefined
          let pages = 0
          do {
            const page = yield* repo.list(org, cursor === undefined ? { limit: 3 } : { limit: 3, cursor })
            seen.push(...page.items.map((c) => c.id))
            cursor = page.nextCursor ?? undefined
            pages++
          } while (cursor !== undefined)
          assert.strictEqual(pages, 3)
          assert.deepStrictEqual(seen, [...ids].reverse())
          const bad = yield* Effect.flip(repo.list(org, { cursor: "not-a-cursor" }))
          assert.strictEqual(bad._tag, "InvalidCursor")
        }))
    })
  })
}
