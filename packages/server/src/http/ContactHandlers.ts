/**
 * Handlers of contacts (CRUD, search, keyset pages, CSV import) and the
 * do-not-call list. Phone numbers are normalised to E.164 with the
 * organization's default region; a number that cannot be read is a 400 that
 * names the value and the expected form.
 */
import { Clock, Effect, Layer, Result, Stream } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { SqlClient } from "effect/sql"
import { Phone, UuidV7 } from "@autodialer/domain"
import * as Page from "@autodialer/domain/Page"
import { Api } from "../api/Api.ts"
import { ImportRejected, InvalidRequest, NotFound } from "../api/Errors.ts"
import type { ImportReport } from "../api/Resources.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import * as ContactImport from "../ContactImport.ts"
import { Realtime, userChannel } from "../realtime/Realtime.ts"
import { inOrg, iso, isoOrNull, requireRole } from "./Access.ts"

export interface ContactRow {
  readonly id: string; readonly phone: string; readonly firstName: string | null; readonly lastName: string | null
  readonly company: string | null; readonly email: string | null; readonly timeZone: string | null; readonly status: string
  readonly crmId: string | null; readonly sourceCrm: string | null; readonly tags: ReadonlyArray<string>
  readonly customFields: unknown; readonly createdAt: Date; readonly updatedAt: Date
}
export const contactView = (r: ContactRow) => ({
  id: r.id, phone: r.phone, firstName: r.firstName, lastName: r.lastName, company: r.company, email: r.email,
  timeZone: r.timeZone, status: r.status, crmId: r.crmId, sourceCrm: r.sourceCrm, tags: [...r.tags],
  customFields: (typeof r.customFields === "string" ? JSON.parse(r.customFields) : r.customFields ?? {}) as Record<string, unknown>,
  createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt)
})
const contactColumns = "id, phone, first_name, last_name, company, email, time_zone, status, crm_id, source_crm, tags, custom_fields, created_at, updated_at"

const notFound = (resource: string, id: string) =>
  new NotFound({ resource, id, message: `${resource} ${id} does not exist in your organization` })

/** The organization's region for reading national numbers. */
export const orgRegion = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const p = yield* CurrentPrincipal
  const rows = yield* inOrg(sql<{ readonly region: string | null }>`SELECT settings->>'defaultRegion' AS region FROM organizations WHERE id = ${p.orgId}`)
  return rows[0]?.region ?? "US"
})

/** Reads a phone number as E.164 or fails with a 400 naming the field. */
export const normalizePhone = (input: string, field = "phone") =>
  Effect.flatMap(orgRegion, (region) => {
    const parsed = Phone.parse(input, region as Phone.Region)
    return Result.isSuccess(parsed)
      ? Effect.succeed(parsed.success as string)
      : Effect.fail(new InvalidRequest({ message: parsed.failure.message, field }))
  })

const pageOf = (cursor: string | undefined) =>
  Page.decodeCursor(cursor).pipe(Effect.mapError((e) => new InvalidRequest({ message: e.message, field: "cursor" })))

export const ContactsHandlers = HttpApiBuilder.group(Api, "contacts", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const realtime = yield* Realtime
  const get = (id: string) =>
    inOrg(sql<ContactRow>`SELECT ${sql.literal(contactColumns)} FROM contacts WHERE id = ${id}`).pipe(
      Effect.flatMap((rows) => rows[0] ? Effect.succeed(contactView(rows[0])) : Effect.fail(notFound("contact", id)))
    )
  return handlers.handleAll({
    list: ({ query }) =>
      Effect.gen(function*() {
        const after = yield* pageOf(query.cursor)
        const limit = query.limit ?? Page.defaultLimit
        const q = query.q?.trim()
        const digits = q?.replace(/\D/g, "") ?? ""
        const rows = yield* inOrg(sql<ContactRow>`
          SELECT ${sql.literal(contactColumns)} FROM contacts
          WHERE ${sql.and([
            after === undefined ? sql`true` : sql`id < ${after}`,
            query.status === undefined ? sql`true` : sql`status = ${query.status}`,
            query.tag === undefined ? sql`true` : sql`${query.tag} = ANY(tags)`,
            q === undefined || q === "" ? sql`true` : sql`(
              first_name ILIKE ${`%${q}%`} OR last_name ILIKE ${`%${q}%`} OR company ILIKE ${`%${q}%`} OR email ILIKE ${`%${q}%`}
              OR (${digits} <> '' AND phone LIKE ${`%${digits}%`}))`
          ])}
          ORDER BY id DESC LIMIT ${limit + 1}`)
        const page = Page.fromRows(rows, limit)
        return { items: page.items.map(contactView), nextCursor: page.nextCursor }
      }),
    get: ({ params }) => get(params.id),
    create: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const phone = yield* normalizePhone(payload.phone)
        const id = yield* UuidV7.generate
        const sourceCrm = payload.crmId === undefined ? null : payload.sourceCrm ?? "csv"
        yield* inOrg(sql`INSERT INTO contacts ${sql.insert({
          id, orgId: p.orgId, phone, crmId: payload.crmId ?? null, sourceCrm,
          firstName: payload.firstName ?? null, lastName: payload.lastName ?? null, company: payload.company ?? null,
          email: payload.email ?? null, timeZone: payload.timeZone ?? null, timeZoneSource: payload.timeZone ? "user" : null,
          tags: [...(payload.tags ?? [])], customFields: JSON.stringify(payload.customFields ?? {})
        })}`)
        return yield* get(id)
      }),
    update: ({ params, payload }) =>
      Effect.gen(function*() {
        yield* get(params.id)
        const patch: Record<string, unknown> = {}
        if (payload.phone !== undefined) patch["phone"] = yield* normalizePhone(payload.phone)
        for (const key of ["firstName", "lastName", "company", "email"] as const) {
          if (payload[key] !== undefined) patch[key] = payload[key]
        }
        if (payload.timeZone !== undefined) {
          patch["timeZone"] = payload.timeZone
          patch["timeZoneSource"] = payload.timeZone === null ? null : "user"
        }
        if (payload.tags !== undefined) patch["tags"] = [...payload.tags]
        if (payload.customFields !== undefined) patch["customFields"] = JSON.stringify(payload.customFields)
        if (Object.keys(patch).length > 0) yield* inOrg(sql`UPDATE contacts SET ${sql.update(patch)} WHERE id = ${params.id}`)
        return yield* get(params.id)
      }),
    remove: ({ params }) =>
      Effect.gen(function*() {
        yield* requireRole("manager", "deleting contacts")
        const rows = yield* inOrg(sql`DELETE FROM contacts WHERE id = ${params.id} RETURNING id`)
        if (rows.length === 0) return yield* notFound("contact", params.id)
      }),
    import: ({ query, payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("manager", "importing contacts")
        const region = yield* orgRegion
        const progress = (stage: string, done: number, total: number) =>
          Effect.flatMap(Clock.currentTimeMillis, (at) =>
            realtime.publish({ orgId: p.orgId, channel: userChannel(p.userId), type: "import.progress", at, data: { stage, done, total } }))
        // Parse and validate while the upload streams in; report progress every ~1 MB.
        const parser = new ContactImport.Parser()
        const planner = ContactImport.makePlanner(region)
        const decoder = new TextDecoder("utf-8")
        let bytes = 0
        let reported = 0
        yield* Stream.runForEach(payload, (chunk) =>
          Effect.gen(function*() {
            bytes += chunk.length
            for (const record of parser.push(decoder.decode(chunk, { stream: true }))) planner.add(record)
            if (bytes - reported >= 1_000_000) {
              reported = bytes
              yield* progress("reading", planner.rowsRead(), 0)
            }
          })).pipe(
          Effect.mapError((e) =>
            new InvalidRequest({
              message: `could not read the CSV upload (${e instanceof Error ? e.message : String(e)}); files up to 200 MiB are accepted`,
              field: "body"
            })
          )
        )
        for (const record of [...parser.push(decoder.decode()), ...parser.end()]) planner.add(record)
        const planned = planner.finish()
        if (Result.isFailure(planned)) {
          const { rowsRead, errors } = planned.failure
          yield* progress("rejected", rowsRead, rowsRead)
          return yield* new ImportRejected({
            message: `the file was rejected and nothing was imported: ${errors.length} row error(s), first at line ${errors[0]?.line ?? 1}: ${errors[0]?.message ?? ""}. Fix the rows listed in 'errors' and upload the whole file again.`,
            rowsRead,
            errors
          })
        }
        const plan = planned.success
        if (query.campaignId !== undefined) {
          const found = yield* inOrg(sql`SELECT id FROM campaigns WHERE id = ${query.campaignId}`)
          if (found.length === 0) return yield* notFound("campaign", query.campaignId)
        }
        const dryRun = query.dryRun === "true"
        let created = 0
        let updated = 0
        let enrolled = 0
        let skippedDnc = 0
        yield* progress("validated", plan.rows.length, plan.rows.length)
        if (!dryRun) {
          // One transaction: either every row lands or none does.
          yield* inOrg(Effect.gen(function*() {
            let done = 0
            for (const row of plan.rows) {
              const existing = yield* sql<{ readonly id: string }>`
                SELECT id FROM contacts WHERE ${row.crmId !== null
                  ? sql`(source_crm = ${row.sourceCrm} AND crm_id = ${row.crmId}) OR (crm_id IS NULL AND phone = ${row.phone})`
                  : sql`phone = ${row.phone}`}
                ORDER BY (crm_id IS NOT NULL) DESC LIMIT 1 FOR UPDATE`
              const fields = {
                phone: row.phone, firstName: row.firstName, lastName: row.lastName, company: row.company, title: row.title,
                email: row.email, timeZone: row.timeZone, timeZoneSource: row.timeZone === null ? null : "user",
                crmId: row.crmId, sourceCrm: row.sourceCrm
              }
              let contactId: string
              if (existing[0] !== undefined) {
                contactId = existing[0].id
                const { crmId: _c, sourceCrm: _s, ...keep } = fields
                const patch = Object.fromEntries(Object.entries(row.crmId === null ? keep : fields).filter(([, v]) => v !== null))
                yield* sql`UPDATE contacts SET ${sql.update(patch)}, tags = ARRAY(SELECT DISTINCT unnest(tags || ${[...row.tags]}::text[]))
                  WHERE id = ${contactId}`
                updated++
              } else {
                contactId = yield* UuidV7.generate
                yield* sql`INSERT INTO contacts ${sql.insert({ id: contactId, orgId: p.orgId, ...fields, tags: [...row.tags], source: "csv" })}`
                created++
              }
              if (query.campaignId !== undefined) {
                const listed = yield* sql`SELECT 1 FROM dnc_entries WHERE phone = ${row.phone}
                  AND (campaign_id IS NULL OR campaign_id = ${query.campaignId}) AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`
                if (listed.length > 0) skippedDnc++
                else {
                  const added = yield* sql`INSERT INTO campaign_contacts ${sql.insert({
                    id: yield* UuidV7.generate, orgId: p.orgId, campaignId: query.campaignId, contactId
                  })} ON CONFLICT (campaign_id, contact_id) DO NOTHING RETURNING id`
                  enrolled += added.length
                }
              }
              done++
              if (done % 500 === 0) yield* progress("writing", done, plan.rows.length)
            }
          }))
        }
        yield* progress("done", plan.rows.length, plan.rows.length)
        const report: ImportReport = {
          rowsRead: plan.rowsRead, created, updated, duplicatesInFile: plan.duplicatesInFile, enrolled, skippedDnc, dryRun,
          warnings: [...plan.warnings]
        }
        return report
      })
  })
}))

interface DncRow {
  readonly id: string; readonly phone: string; readonly scope: string; readonly campaignId: string | null; readonly reason: string
  readonly note: string | null; readonly addedAt: Date; readonly expiresAt: Date | null
}
const dncView = (r: DncRow) => ({
  id: r.id, phone: r.phone, scope: r.scope, campaignId: r.campaignId, reason: r.reason, note: r.note,
  addedAt: iso(r.addedAt), expiresAt: isoOrNull(r.expiresAt)
})

export const DncHandlers = HttpApiBuilder.group(Api, "dnc", Effect.fn(function*(handlers) {
  const sql = yield* SqlClient.SqlClient
  const cols = sql.literal("id, phone, scope, campaign_id, reason, note, added_at, expires_at")
  return handlers.handleAll({
    list: ({ query }) =>
      Effect.gen(function*() {
        const after = yield* pageOf(query.cursor)
        const limit = query.limit ?? Page.defaultLimit
        const rows = yield* inOrg(sql<DncRow>`SELECT ${cols} FROM dnc_entries
          WHERE org_id IS NOT NULL AND ${after === undefined ? sql`true` : sql`id < ${after}`} ORDER BY id DESC LIMIT ${limit + 1}`)
        const page = Page.fromRows(rows, limit)
        return { items: page.items.map(dncView), nextCursor: page.nextCursor }
      }),
    add: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* CurrentPrincipal
        const phone = yield* normalizePhone(payload.phone)
        const id = yield* UuidV7.generate
        const rows = yield* inOrg(sql<DncRow>`INSERT INTO dnc_entries ${sql.insert({
          id, orgId: p.orgId, scope: payload.campaignId === undefined ? "organization" : "campaign",
          campaignId: payload.campaignId ?? null, phone, reason: payload.reason ?? "requested", note: payload.note ?? null, addedBy: p.userId
        })} RETURNING ${cols}`)
        return dncView(rows[0]!)
      }),
    bulk: ({ payload }) =>
      Effect.gen(function*() {
        const p = yield* requireRole("manager", "bulk DNC uploads")
        const phones: Array<string> = []
        for (const [i, raw] of payload.phones.entries()) phones.push(yield* normalizePhone(raw, `phones[${i}]`))
        const unique = [...new Set(phones)]
        const added = yield* inOrg(Effect.gen(function*() {
          let n = 0
          for (const phone of unique) {
            const rows = yield* sql`INSERT INTO dnc_entries ${sql.insert({
              id: yield* UuidV7.generate, orgId: p.orgId, scope: "organization", phone, reason: payload.reason ?? "requested", addedBy: p.userId
            })} ON CONFLICT DO NOTHING RETURNING id`
            n += rows.length
          }
          return n
        }))
        return { added, alreadyListed: payload.phones.length - added }
      }),
    check: ({ query }) =>
      Effect.gen(function*() {
        const phone = yield* normalizePhone(query.phone)
        const rows = yield* inOrg(sql<DncRow>`SELECT ${cols} FROM dnc_entries WHERE phone = ${phone}
          AND (expires_at IS NULL OR expires_at > now()) ORDER BY id`)
        return { phone, listed: rows.length > 0, entries: rows.map(dncView) }
      }),
    remove: ({ params }) =>
      Effect.gen(function*() {
        yield* requireRole("manager", "removing numbers from the DNC list")
        const rows = yield* inOrg(sql`DELETE FROM dnc_entries WHERE id = ${params.id} AND org_id IS NOT NULL RETURNING id`)
        if (rows.length === 0) return yield* notFound("dnc entry", params.id)
      })
  })
}))

export const layer = Layer.mergeAll(ContactsHandlers, DncHandlers)
