import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Csv } from "../src/index.ts"

const records = (events: ReadonlyArray<Csv.CsvEvent>) =>
  events.map((e) => (e._tag === "Record" ? { line: e.line, fields: e.fields } : { line: e.line, error: e.message }))

describe("Csv.parser", () => {
  it("parses quoted fields with commas, doubled quotes and newlines, CRLF and LF", () => {
    const out = records(Csv.parseString('id,name,notes\r\n1,"Silva, Ana","said ""hi""\nthen left"\n2,Bo,\n\n3,Cy,x'))
    assert.deepStrictEqual(out, [
      { line: 1, fields: ["id", "name", "notes"] },
      { line: 2, fields: ["1", "Silva, Ana", 'said "hi"\nthen left'] },
      { line: 4, fields: ["2", "Bo", ""] },
      { line: 6, fields: ["3", "Cy", "x"] }
    ])
  })

  it("reports a malformed line with its number and carries on with the next one", () => {
    const out = records(Csv.parseString('a,b\n1,x"y\n2,"ok"z\n3,fine\n4,"never closed\n'))
    assert.deepStrictEqual(out.map((r) => r.line), [1, 2, 3, 4, 5])
    assert.include((out[1] as { error: string }).error, "line 2: unexpected '\"'")
    assert.include((out[2] as { error: string }).error, "line 3: unexpected text after the closing quote")
    assert.deepStrictEqual(out[3], { line: 4, fields: ["3", "fine"] })
    assert.include((out[4] as { error: string }).error, "line 5: quoted field 2 is never closed")
  })

  it("gives byte ranges that let a new parser resume exactly after any record", () => {
    const text = 'id,name\n1,"Émile, Zoë"\r\n2,"multi\nline"\n3,z\n'
    const bytes = new TextEncoder().encode(text)
    const all = Csv.parseString(text)
    for (const event of all) {
      const p = Csv.parser(event.end, event.nextLine)
      const rest = [...p.feed(bytes.slice(event.end)), ...p.end()]
      assert.deepStrictEqual(records(rest), records(all.filter((e) => e.start >= event.end)))
    }
  })

  it("gives the same records whatever the chunk boundaries (property)", () => {
    const field = fc.stringMatching(/^[a-z ,"\n]{0,6}$/)
    const quote = (f: string) => (/[,"\n\r]/.test(f) || f === "" ? `"${f.replace(/"/g, '""')}"` : f)
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(40)), (rows, cuts) => {
        const text = rows.map((r) => r.map(quote).join(",")).join("\r\n") + "\n"
        const bytes = new TextEncoder().encode(text)
        const p = Csv.parser()
        const events: Array<Csv.CsvEvent> = []
        let at = 0
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          if (cut > at && cut < bytes.length) {
            events.push(...p.feed(bytes.slice(at, cut)))
            at = cut
          }
        }
        events.push(...p.feed(bytes.slice(at)), ...p.end())
        assert.deepStrictEqual(events.map((e) => (e._tag === "Record" ? e.fields : null)), rows)
      })
    )
  })
})
