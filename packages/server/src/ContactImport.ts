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

/**
 * An incremental RFC 4180 parser: feed it text in chunks of any size (a
 * quoted field, a quote pair or a CRLF may straddle two chunks) and it hands
 * back the complete records so far. Empty lines are skipped.
 */
export class Parser {
  private line = 1
  private start = 1
  private fields: Array<string> = []
  private field = ""
  private quoted = false
  private atFieldStart = true
  /** A quote seen inside a quoted field: either the first of a pair or the closing one. */
  private quotePending = false
  /** A CR ended the last record; a following LF belongs to it. */
  private crPending = false
  private first = true

  push(text: string): Array<CsvRow> {
    const out: Array<CsvRow> = []
    let i = 0
    if (this.first && text.length > 0) {
      this.first = false
      if (text.charCodeAt(0) === 0xfeff) i = 1
    }
    for (; i < text.length; i++) {
      const c = text[i]!
      if (this.crPending) {
        this.crPending = false
        if (c === "\n") continue
      }
      if (this.quotePending) {
        this.quotePending = false
        if (c === "\"") {
          this.field += "\""
          continue
        }
        this.quoted = false
      }
      if (this.quoted) {
        if (c === "\"") this.quotePending = true
        else {
          if (c === "\n") this.line++
          this.field += c
        }
      } else if (c === "\"" && this.atFieldStart) {
        this.quoted = true
        this.atFieldStart = false
      } else if (c === ",") {
        this.fields.push(this.field)
        this.field = ""
        this.atFieldStart = true
      } else if (c === "\n" || c === "\r") {
        this.crPending = c === "\r"
        this.emit(out)
        this.line++
        this.start = this.line
      } else {
        this.field += c
        this.atFieldStart = false
      }
    }
    return out
  }

  /** The last record, when the text does not end with a newline. */
  end(): Array<CsvRow> {
    const out: Array<CsvRow> = []
    this.quotePending = false
    this.quoted = false
    this.emit(out)
    return out
  }

  private emit(out: Array<CsvRow>): void {
    this.fields.push(this.field)
    const fields = this.fields
    this.fields = []
    this.field = ""
    this.atFieldStart = true
    if (fields.length === 1 && fields[0]!.trim() === "") return
    out.push({ line: this.start, fields })
  }
}

/** Splits CSV text into records; a quoted field may span lines. Empty lines are skipped. */
export function* records(text: string): Generator<CsvRow> {
  const parser = new Parser()
  yield* parser.push(text)
  yield* parser.end()
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

/**
 * Validates records one at a time (so a file can be checked while it
 * streams in); `finish` returns every row error, or the clean rows.
 * `defaultRegion` reads national numbers ("(415) 555-0123" in US).
 */
export const makePlanner = (defaultRegion: string, maxErrors = 200) => {
  const errors: Array<RowError> = []
  const warnings: Array<RowError> = []
  const rows: Array<CleanRow> = []
  const seenPhones = new Set<string>()
  const seenCrm = new Set<string>()
  let duplicatesInFile = 0
  let rowsRead = 0
  let header: Array<Column | undefined> | undefined
  let fatal = false

  const add = (record: CsvRow): void => {
    if (fatal) return
    if (header === undefined) {
      header = record.fields.map((h) => aliases[normalizeHeader(h)])
      const unknown = record.fields.filter((_, i) => header![i] === undefined)
      if (!header.includes("phone")) {
        errors.push({ line: record.line, message: `the header has no phone column (got: ${record.fields.join(", ")}); name one column "phone"` })
        fatal = true
        return
      }
      if (unknown.length > 0) {
        warnings.push({ line: record.line, message: `ignored unknown columns: ${unknown.join(", ")} (known: ${columns.join(", ")})` })
      }
      return
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
      return
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
    if (phone === undefined) return
    const crmKey = crmId === null ? undefined : `${sourceCrm}:${crmId}`
    if (seenPhones.has(phone) || (crmKey !== undefined && seenCrm.has(crmKey))) {
      duplicatesInFile++
      warnings.push({ line: record.line, column: seenPhones.has(phone) ? "phone" : "crm_id", message: "duplicate of an earlier row of this file; skipped" })
      return
    }
    seenPhones.add(phone)
    if (crmKey !== undefined) seenCrm.add(crmKey)
    rows.push({
      line: record.line, phone, email, timeZone, crmId, sourceCrm: crmId === null ? null : sourceCrm,
      firstName: get("first_name"), lastName: get("last_name"), company: get("company"), title: get("title"),
      tags: (get("tags") ?? "").split(/[;|]/).map((t) => t.trim()).filter((t) => t !== "")
    })
  }

  const finish = (): Result.Result<Plan, Rejection> => {
    if (header === undefined) return Result.fail({ rowsRead: 0, errors: [{ line: 1, message: "the file is empty; expected a header row with a phone column" }] })
    if (errors.length > 0) return Result.fail({ rowsRead, errors })
    return Result.succeed({ rowsRead, rows, duplicatesInFile, warnings })
  }

  return { add, finish, rowsRead: () => rowsRead }
}

/** Validates a whole file given as one string. */
export const plan = (text: string, defaultRegion: string, maxErrors = 200): Result.Result<Plan, Rejection> => {
  const planner = makePlanner(defaultRegion, maxErrors)
  for (const record of records(text)) planner.add(record)
  return planner.finish()
}
