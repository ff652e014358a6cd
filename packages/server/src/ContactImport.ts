/**
 * CSV contact import, the pure part: parse RFC 4180 text (quoted fields,
 * embedded commas, quotes and newlines), map the header to contact fields,
 * validate every row and de-duplicate inside the file. It never touches the
 * database: `plan` returns either every row error (with the file's line
 * numbers, counted from the header as line 1) or the clean rows, and the
 * handler writes the clean rows in one transaction, so a rejected file leaves
 * the data untouched.
 */
import { Result } from "effect"
import { Phone, TimeZone } from "@autodialer/domain"
import type { RowError } from "./api/Errors.ts"

export interface CsvRow {
  /** The line where the record starts (1 = header). */
  readonly line: number
  readonly fields: ReadonlyArray<string>
}

/** Splits CSV text into records; a quoted field may span lines. Empty lines are skipped. */
export function* records(text: string): Generator<CsvRow> {
  let line = 1
  let i = 0
  const n = text.length
  if (text.charCodeAt(0) === 0xfeff) i = 1
  while (i < n) {
    const start = line
    const fields: Array<string> = []
    let field = ""
    let quoted = false
    let atFieldStart = true
    for (; i < n; i++) {
      const c = text[i]!
      if (quoted) {
        if (c === "\"") {
          if (text[i + 1] === "\"") {
            field += "\""
            i++
          } else quoted = false
        } else {
          if (c === "\n") line++
          field += c
        }
      } else if (c === "\"" && atFieldStart) {
        quoted = true
        atFieldStart = false
      } else if (c === ",") {
        fields.push(field)
        field = ""
        atFieldStart = true
      } else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++
        i++
        line++
        break
      } else {
        field += c
        atFieldStart = false
      }
    }
    fields.push(field)
    if (fields.length === 1 && fields[0]!.trim() === "") continue
    yield { line: start, fields }
  }
}

export const columns = ["phone", "first_name", "last_name", "company", "title", "email", "time_zone", "crm_id", "source_crm", "tags"] as const
export type Column = typeof columns[number]

const aliases: Readonly<Record<string, Column>> = {
  phone: "phone", phone_number: "phone", mobile: "phone", number: "phone",
  first_name: "first_name", firstname: "first_name", given_name: "first_name",
  last_name: "last_name", lastname: "last_name", surname: "last_name", family_name: "last_name",
  company: "company", organization: "company", account: "company",
  title: "title", job_title: "title",
  email: "email", email_address: "email",
  time_zone: "time_zone", timezone: "time_zone", tz: "time_zone",
  crm_id: "crm_id", external_id: "crm_id",
  source_crm: "source_crm", crm: "source_crm",
  tags: "tags"
}

const normalizeHeader = (h: string): string => h.trim().toLowerCase().replace(/[\s-]+/g, "_").replace(/([a-z])([A-Z])/g, "$1_$2")

export interface CleanRow {
  readonly line: number
  readonly phone: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly company: string | null
  readonly title: string | null
  readonly email: string | null
  readonly timeZone: string | null
  readonly crmId: string | null
  readonly sourceCrm: "hubspot" | "salesforce" | "zoho" | "csv" | null
  readonly tags: ReadonlyArray<string>
}

export interface Plan {
  readonly rowsRead: number
  readonly rows: ReadonlyArray<CleanRow>
  /** Rows dropped because an earlier row of the file had the same phone or CRM id. */
  readonly duplicatesInFile: number
  readonly warnings: ReadonlyArray<RowError>
}

export interface Rejection {
  readonly rowsRead: number
  readonly errors: ReadonlyArray<RowError>
}

const crmTypes = new Set(["hubspot", "salesforce", "zoho", "csv"])
const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

/** Validates a whole file. `defaultRegion` reads national numbers ("(415) 555-0123" in US). */
export const plan = (text: string, defaultRegion: string, maxErrors = 200): Result.Result<Plan, Rejection> => {
  const errors: Array<RowError> = []
  const warnings: Array<RowError> = []
  const rows: Array<CleanRow> = []
  const seenPhones = new Set<string>()
  const seenCrm = new Set<string>()
  let duplicatesInFile = 0
  let rowsRead = 0
  let header: Array<Column | undefined> | undefined
  for (const record of records(text)) {
    if (header === undefined) {
      header = record.fields.map((h) => aliases[normalizeHeader(h)])
      const unknown = record.fields.filter((_, i) => header![i] === undefined)
      if (!header.includes("phone")) {
        errors.push({ line: record.line, message: `the header has no phone column (got: ${record.fields.join(", ")}); name one column "phone"` })
        return Result.fail({ rowsRead: 0, errors })
      }
      if (unknown.length > 0) {
        warnings.push({ line: record.line, message: `ignored unknown columns: ${unknown.join(", ")} (known: ${columns.join(", ")})` })
      }
      continue
    }
    rowsRead++
    const get = (column: Column): string | null => {
      const i = header!.indexOf(column)
      const v = i < 0 ? undefined : record.fields[i]?.trim()
      return v === undefined || v === "" ? null : v
    }
    const fail = (column: Column, value: string | null, message: string) => {
      if (errors.length < maxErrors) errors.push({ line: record.line, column, ...(value === null ? {} : { value }), message })
    }
    if (record.fields.length > header.length) {
      if (errors.length < maxErrors) {
        errors.push({ line: record.line, message: `has ${record.fields.length} fields but the header has ${header.length}; quote values that contain commas` })
      }
      continue
    }
    const rawPhone = get("phone")
    let phone: string | undefined
    if (rawPhone === null) fail("phone", null, "phone is empty; every row needs a number to call")
    else {
      const parsed = Phone.parse(rawPhone, defaultRegion as Phone.Region)
      if (Result.isSuccess(parsed)) phone = parsed.success
      else fail("phone", rawPhone, parsed.failure.message)
    }
    const email = get("email")
    if (email !== null && !emailPattern.test(email)) fail("email", email, "is not an email address (expected e.g. ana@example.com)")
    const zone = get("time_zone")
    let timeZone: string | null = null
    if (zone !== null) {
      const canonical = TimeZone.canonicalize(zone)
      if (canonical === undefined) fail("time_zone", zone, "is not an IANA time zone (expected e.g. America/Chicago)")
      else timeZone = canonical
    }
    const crmId = get("crm_id")
    const sourceRaw = get("source_crm")?.toLowerCase() ?? null
    if (sourceRaw !== null && !crmTypes.has(sourceRaw)) fail("source_crm", sourceRaw, "expected hubspot, salesforce, zoho or csv")
    const sourceCrm = (sourceRaw ?? (crmId === null ? null : "csv")) as CleanRow["sourceCrm"]
    if (phone === undefined) continue
    const crmKey = crmId === null ? undefined : `${sourceCrm}:${crmId}`
    if (seenPhones.has(phone) || (crmKey !== undefined && seenCrm.has(crmKey))) {
      duplicatesInFile++
      warnings.push({ line: record.line, column: seenPhones.has(phone) ? "phone" : "crm_id", message: "duplicate of an earlier row of this file; skipped" })
      continue
    }
    seenPhones.add(phone)
    if (crmKey !== undefined) seenCrm.add(crmKey)
    rows.push({
      line: record.line, phone, email, timeZone, crmId, sourceCrm: crmId === null ? null : sourceCrm,
      firstName: get("first_name"), lastName: get("last_name"), company: get("company"), title: get("title"),
      tags: (get("tags") ?? "").split(/[;|]/).map((t) => t.trim()).filter((t) => t !== "")
    })
  }
  if (header === undefined) return Result.fail({ rowsRead: 0, errors: [{ line: 1, message: "the file is empty; expected a header row with a phone column" }] })
  if (errors.length > 0) return Result.fail({ rowsRead, errors })
  return Result.succeed({ rowsRead, rows, duplicatesInFile, warnings })
}
