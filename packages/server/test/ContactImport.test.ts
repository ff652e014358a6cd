import { Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as ContactImport from "../src/ContactImport.ts"

describe("ContactImport.records", () => {
  it("keeps quoted commas, quotes and newlines and reports where each record starts", () => {
    const rows = [...ContactImport.records("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"multi\nline\",z\n\n3,4")]
    expect(rows).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", "say \"hi\""] },
      { line: 3, fields: ["multi\nline", "z"] },
      { line: 6, fields: ["3", "4"] }
    ])
  })

  it("round-trips any table written with RFC 4180 quoting", () => {
    const cell = fc.string({ maxLength: 12 })
    fc.assert(fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }), (table) => {
      // Two fields per row: records never skips a row that has a comma.
      const rows = table
      const text = rows.map((r) => r.map((c) => `"${c.replace(/"/g, "\"\"")}"`).join(",")).join("\r\n")
      expect([...ContactImport.records(text)].map((r) => r.fields)).toEqual(rows)
    }))
  })
})

describe("ContactImport.Parser", () => {
  it("gives the same records whatever the chunk boundaries (quotes, quote pairs and CRLF split across chunks)", () => {
    const cell = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("\"", "\"\"", ",", "\r\n", "\n", "a,\"b\""))
    fc.assert(fc.property(
      fc.array(fc.array(cell, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat({ max: 40 }), { maxLength: 10 }),
      fc.boolean(),
      (table, cuts, crlf) => {
        const text = table.map((r) => r.map((c) => `"${c.replace(/"/g, "\"\"")}"`).join(",")).join(crlf ? "\r\n" : "\n")
        const whole = [...ContactImport.records(text)]
        const parser = new ContactImport.Parser()
        const pieces: Array<ContactImport.CsvRow> = []
        let at = 0
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          const to = Math.min(text.length, cut)
          if (to < at) continue
          pieces.push(...parser.push(text.slice(at, to)))
          at = to
        }
        pieces.push(...parser.push(text.slice(at)), ...parser.end())
        expect(pieces).toEqual(whole)
      }
    ))
  })
})

describe("ContactImport.plan", () => {
  it("normalises national numbers in the org's region and maps header aliases", () => {
    const planned = ContactImport.plan("Phone Number,First Name,TZ\n(212) 555-0100,Ann,America/New_York\n", "US")
    expect(Result.isSuccess(planned)).toBe(true)
    const plan = Result.getOrThrow(planned)
    expect(plan.rows[0]).toMatchObject({ line: 2, phone: "+12125550100", firstName: "Ann", timeZone: "America/New_York" })
  })

  it("collects every bad row with its line and column", () => {
    const planned = ContactImport.plan("phone,email,source_crm,crm_id\n12,x@y.z,,\n+12125550101,nope,,\n+12125550102,,pipedrive,9\n", "US")
    expect(Result.isFailure(planned)).toBe(true)
    const errors = Result.isFailure(planned) ? planned.failure.errors : []
    expect(errors.map((e) => [e.line, e.column])).toEqual([[2, "phone"], [3, "email"], [4, "source_crm"]])
    expect(errors[2]!.message).toMatch(/hubspot, salesforce, zoho or csv/)
  })

  it("drops later duplicates by phone or CRM id and says which line", () => {
    const plan = Result.getOrThrow(ContactImport.plan("phone,crm_id\n+12125550101,a\n212-555-0101,\n+12125550109,a\n", "US"))
    expect(plan.rows).toHaveLength(1)
    expect(plan.duplicatesInFile).toBe(2)
    expect(plan.warnings.map((w) => w.line)).toEqual([3, 4])
  })

  it("refuses rows with more fields than the header", () => {
    const planned = ContactImport.plan("phone,first_name\n+12125550101,Ann,Lee\n", "US")
    expect(Result.isFailure(planned) && planned.failure.errors[0]!.message).toMatch(/quote values that contain commas/)
  })
})
