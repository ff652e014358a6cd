import { NodeHttpClient } from "@effect/platform-node"
import { Secrets } from "@autodialer/domain/Secrets"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Result } from "effect"
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  CrmConnector,
  type CrmError,
  CsvWebhook,
  FieldMapping,
  RateLimiter,
  StatusUpdate,
  SyncCheckpoint,
  SyncLog,
  SyncLogMemory,
  WebhookSignature
} from "../src/index.ts"
import { activity, connectionId, expectFailure, orgId, pullAll, sealForTest } from "./contract/CrmContract.ts"
import { serve } from "./fakes/Loopback.ts"

const SECRET = "whsec_0123456789abcdef"

const HEADER = "id,first_name,last_name,email,phone,mobile,company,status,tier,do_not_call,updated_at"
const ROWS = [
  `c1,Ana,Silva,ana@example.com,(415) 555-0101,+14155550900,Acme,new,gold,false,2026-01-01T00:00:00Z`,
  `c2,Bo,"Chen, Jr.",bo@example.com,+1 415 555 0102,+14155550901,Acme,new,,false,2026-01-01T00:01:00Z`,
  `c3,Cy,Diaz,,415.555.0103,+14155550902,"Acme ""East""",new,gold,true,2026-01-01T00:02:00Z`,
  `c4,Di,Evans,di@example.com,+44 20 7946 0958,+14155550903,Acme,new,,false,2026-01-01T00:03:00Z`,
  `c5,Ed,Fox,ed@example.com,4155550105,+14155550904,Acme,new,gold,yes,2026-01-01T00:04:00Z`
]

interface Delivery {
  readonly key: string
  readonly event: Record<string, unknown>
}

/** A customer's webhook receiver: verifies our signature, dedupes by Idempotency-Key. */
const startReceiver = async () => {
  const stored = new Map<string, Delivery>()
  const attempts: Array<{ at: number; status: number }> = []
  let rateLimitNext = 0
  const served = await serve((req) => {
    const respond = (status: number, body?: unknown) => {
      attempts.push({ at: Date.now(), status })
      return { status, body }
    }
    if (rateLimitNext > 0) {
      rateLimitNext--
      attempts.push({ at: Date.now(), status: 429 })
      return { status: 429, headers: { "retry-after": "1" }, body: { error: "slow down" } }
    }
    const check = WebhookSignature.verify({
      secret: SECRET,
      body: req.body,
      timestamp: req.headers[WebhookSignature.timestampHeader] as string | undefined,
      signature: req.headers[WebhookSignature.signatureHeader] as string | undefined,
      nowSeconds: Math.floor(Date.now() / 1000)
    })
    if (Result.isFailure(check)) return respond(401, { error: check.failure.message })
    const key = req.headers["idempotency-key"] as string
    const event = JSON.parse(req.body) as Record<string, unknown>
    const previous = stored.get(key)
    if (previous !== undefined) return respond(409, { id: `evt-${key}` })
    const crmRecordId = (event["activity"] as { crmRecordId?: string } | undefined)?.crmRecordId
    if (crmRecordId === "unknown-contact") return respond(422, { error: `no contact ${crmRecordId}` })
    stored.set(key, { key, event })
    return respond(201, { id: `evt-${key}` })
  })
  return { ...served, stored, attempts, rateLimit: (n: number) => (rateLimitNext = n) }
}

const withConnector = <A>(
  csv: string,
  options: { pageSize?: number; overrides?: FieldMapping.FieldMappingOverrides },
  body: (ctx: { file: string; receiver: Awaited<ReturnType<typeof startReceiver>> }) => Effect.Effect<A, CrmError, CrmConnector | SyncLogMemory>
) =>
  Effect.acquireUseRelease(
    Effect.promise(async () => {
      const dir = await mkdtemp(join(tmpdir(), "crm-csv-"))
      const file = join(dir, "contacts.csv")
      await writeFile(file, csv)
      return { dir, file, receiver: await startReceiver() }
    }),
    ({ file, receiver }) =>
      Effect.provide(
        body({ file, receiver }),
        CsvWebhook.layer({
          organizationId: orgId,
          connectionId,
          file,
          webhookUrl: `${receiver.url}/hooks/autodialer`,
          credentials: sealForTest({ signingSecret: SECRET }),
          pageSize: options.pageSize ?? 100,
          ...(options.overrides === undefined ? {} : { fieldMapping: options.overrides }),
          backoff: { baseMillis: 10, capMillis: 50, maxRetries: 3 },
          seed: 3
        }).pipe(
          Layer.orDie,
          Layer.provideMerge(Layer.mergeAll(SyncLog.layerTest, Secrets.layerTest, RateLimiter.layer)),
          Layer.provide(NodeHttpClient.layerUndici)
        )
      ),
    ({ dir, receiver }) => Effect.promise(async () => {
      await receiver.close()
      await rm(dir, { recursive: true })
    })
  )

const file = (...rows: ReadonlyArray<string>) => [HEADER, ...rows].join("\r\n") + "\r\n"

describe("CsvWebhook connector", () => {
  it.live("streams contacts page by page with a byte-offset cursor", () =>
    withConnector(file(...ROWS), { pageSize: 2 }, () =>
      Effect.gen(function*() {
        const pages = yield* pullAll(SyncCheckpoint.initial)
        assert.deepStrictEqual(pages.map((p) => p.contacts.map((c) => c.crmId)), [["c1", "c2"], ["c3", "c4"], ["c5"]])
        assert.deepStrictEqual(pages.map((p) => p.done), [false, false, true])
        const all = pages.flatMap((p) => p.contacts)
        assert.strictEqual(all[0]!.phone, "+14155550101")
        assert.strictEqual(all[1]!.lastName, "Chen, Jr.")
        assert.strictEqual(all[2]!.company, 'Acme "East"')
        assert.strictEqual(all[2]!.email, null)
        assert.strictEqual(all[3]!.phone, "+442079460958")
        assert.deepStrictEqual(all.map((c) => c.doNotCall), [false, false, true, false, true])
        assert.strictEqual(pages[2]!.checkpoint.highWater, "2026-01-01T00:04:00.000Z")
      })))

  it.live("pulls only rows updated after the watermark", () =>
    withConnector(file(...ROWS), { pageSize: 2 }, () =>
      Effect.gen(function*() {
        const pages = yield* pullAll(new SyncCheckpoint({ since: "2026-01-01T00:02:00.000Z", cursor: null, highWater: "2026-01-01T00:02:00.000Z" }))
        assert.deepStrictEqual(pages.flatMap((p) => p.contacts).map((c) => c.crmId), ["c4", "c5"])
      })))

  it.live("without an updated_at column, an unchanged file yields nothing and a touched one everything", () =>
    withConnector("id,phone\nx1,4155550101\nx2,4155550102\n", {}, ({ file }) =>
      Effect.gen(function*() {
        const first = yield* pullAll(SyncCheckpoint.initial)
        assert.strictEqual(first.flatMap((p) => p.contacts).length, 2)
        const next = first.at(-1)!.checkpoint.nextRun
        assert.strictEqual((yield* pullAll(next)).flatMap((p) => p.contacts).length, 0)
        const later = new Date(Date.parse(next.since!) + 60_000)
        yield* Effect.promise(() => utimes(file, later, later))
        assert.strictEqual((yield* pullAll(next)).flatMap((p) => p.contacts).length, 2)
      })))

  it.live("rejects bad lines with their line numbers and keeps every good one", () =>
    withConnector(
      file(
        ROWS[0]!,
        `c2,Bo,Chen,bo@example.com,"+1 415 555 0102\nsecond line",Acme,new,,false,2026-01-01T00:01:00Z`,
        `c3,Cy,Diaz,,415.555.0103,+14155550902,Acme,new,gold,true`,
        `,Di,Evans,di@example.com,+44 20 7946 0958,+14155550903,Acme,new,,false,2026-01-01T00:03:00Z`,
        `c5,Ed,Fox,ed@example.com,555-12,+14155550904,Acme,new,gold,yes,2026-01-01T00:04:00Z`,
        `c6,Fay,Gold,fay@example.com,4155550106,,Acme,new,,no,2026-01-01T00:05:00Z`,
        `c7,Gus,"Hill"x,gus@example.com,4155550107,,Acme,new,,no,2026-01-01T00:06:00Z`
      ),
      { pageSize: 3 },
      () =>
        Effect.gen(function*() {
          const pages = yield* pullAll(SyncCheckpoint.initial)
          assert.deepStrictEqual(pages.flatMap((p) => p.contacts).map((c) => c.crmId), ["c1", "c6"])
          const rejected = pages.flatMap((p) => p.rejected)
          const byLine = new Map(rejected.map((r) => [r.line, r]))
          // Line 3 opens a quoted field spanning the line break: one record on lines 3-4, one column short.
          assert.deepStrictEqual([...byLine.keys()], [3, 5, 6, 7, 9])
          assert.include(byLine.get(3)!.message, "10 columns")
          assert.include(byLine.get(5)!.message, "11 columns, as in the header")
          assert.include(byLine.get(6)!.message, "non-empty 'id'")
          assert.strictEqual(byLine.get(7)!.crmId, "c5")
          assert.strictEqual(byLine.get(7)!.issues[0]!.field, "phone")
          assert.include(byLine.get(7)!.message, "line 7")
          assert.include(byLine.get(9)!.message, "line 9: unexpected text after the closing quote")
          const logged = (yield* (yield* SyncLogMemory).entries).filter((e) => e.status === "failed")
          assert.strictEqual(logged.length, 5)
        })))

  it.live("applies organization field-mapping overrides", () =>
    withConnector(file(...ROWS), {
      overrides: new FieldMapping.FieldMappingOverrides({ fields: { phone: "mobile" }, custom: { tier: "tier" } })
    }, () =>
      Effect.gen(function*() {
        const [page] = yield* pullAll(SyncCheckpoint.initial)
        assert.deepStrictEqual(page!.contacts.map((c) => c.phone), ["+14155550900", "+14155550901", "+14155550902", "+14155550903", "+14155550904"])
        assert.deepStrictEqual(page!.contacts.map((c) => c.custom), [{ tier: "gold" }, {}, { tier: "gold" }, {}, { tier: "gold" }])
      })))

  it.live("pulls do-not-call rows", () =>
    withConnector(file(...ROWS), { pageSize: 2 }, () =>
      Effect.gen(function*() {
        const connector = yield* CrmConnector
        const ids: Array<string> = []
        let cursor: string | null = null
        do {
          const page: import("../src/index.ts").DncPage = yield* connector.pullDoNotCall(cursor)
          ids.push(...page.entries.map((e) => `${e.crmId}=${e.phone}`))
          cursor = page.nextCursor
        } while (cursor !== null)
        assert.deepStrictEqual(ids, ["c3=+14155550103", "c5=+14155550105"])
      })))

  it.live("pushes signed activities; a re-push is a duplicate and is stored once", () =>
    withConnector(file(...ROWS), {}, ({ receiver }) =>
      Effect.gen(function*() {
        const connector = yield* CrmConnector
        const call = activity("call-77", "c1")
        const [first] = yield* connector.pushCallActivities([call])
        const [second] = yield* connector.pushCallActivities([call])
        assert.strictEqual(first!._tag, "Created")
        assert.strictEqual(second!._tag, "Duplicate")
        assert.strictEqual(receiver.stored.size, 1)
        const event = receiver.stored.get("call-77")!.event
        assert.strictEqual(event["type"], "call.completed")
        assert.deepStrictEqual((event["activity"] as Record<string, unknown>)["crmRecordId"], "c1")
        assert.deepStrictEqual((event["activity"] as Record<string, unknown>)["recordingUrl"], "https://recordings.example.com/r/1.mp3")
        const log = (yield* (yield* SyncLogMemory).entries).map((e) => e.status)
        assert.deepStrictEqual(log, ["success", "skipped"])
      })))

  it.live("a rejected delivery fails only its own activity", () =>
    withConnector(file(...ROWS), {}, ({ receiver }) =>
      Effect.gen(function*() {
        const connector = yield* CrmConnector
        const outcomes = yield* connector.pushCallActivities([activity("k1", "c1"), activity("k2", "unknown-contact"), activity("k3", "c2")])
        assert.deepStrictEqual(outcomes.map((o) => o._tag), ["Created", "Failed", "Created"])
        assert.deepStrictEqual([...receiver.stored.keys()], ["k1", "k3"])
        const failed = outcomes[1]!
        assert.isTrue(failed._tag === "Failed" && failed.message.includes("422"))
      })))

  it.live("honours Retry-After from the receiver", () =>
    withConnector(file(...ROWS), {}, ({ receiver }) =>
      Effect.gen(function*() {
        receiver.rateLimit(1)
        const connector = yield* CrmConnector
        const [outcome] = yield* connector.pushCallActivities([activity("k9", "c1")])
        assert.strictEqual(outcome!._tag, "Created")
        const [limited, ok] = receiver.attempts
        assert.strictEqual(limited!.status, 429)
        assert.strictEqual(ok!.status, 201)
        assert.isAtLeast(ok!.at - limited!.at, 950)
      })))

  it.live("sends status changes with the organization's CRM value", () =>
    withConnector(file(...ROWS), {
      overrides: new FieldMapping.FieldMappingOverrides({ statusValues: { callback: "Call back later" } })
    }, ({ receiver }) =>
      Effect.gen(function*() {
        const connector = yield* CrmConnector
        yield* connector.updateContactStatus(new StatusUpdate({ crmRecordId: "c2", crmRecordType: "contact", status: "callback" }))
        const [delivery] = [...receiver.stored.values()]
        assert.strictEqual(delivery!.event["type"], "contact.status_changed")
        assert.strictEqual(delivery!.event["value"], "Call back later")
        assert.strictEqual(delivery!.event["crmRecordId"], "c2")
      })))

  it.live("fails with a precise error when the file is missing, without touching the sync log", () =>
    withConnector(file(...ROWS), {}, ({ file }) =>
      Effect.gen(function*() {
        yield* Effect.promise(() => rm(file))
        const connector = yield* CrmConnector
        const error = yield* expectFailure(connector.pullContacts(SyncCheckpoint.initial))
        assert.strictEqual(error._tag, "CrmRequestFailed")
        assert.include(error.message, "contacts.csv")
      })))
})
