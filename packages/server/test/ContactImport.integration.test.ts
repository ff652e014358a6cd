import { postgres } from "@autodialer/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("CSV contact import", () => {
  let server: TestServer
  let key: string

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_import" })
    key = (await server.provision("importer")).apiKey
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  const upload = (csv: string, query = "") =>
    api(server.url, key)("POST", `/contacts/import${query}`, csv, { "content-type": "text/csv" })

  it("rejects a file with bad rows, names each line, and writes nothing", async () => {
    const csv = [
      "phone,first_name,email,time_zone",
      "+14155550101,Ann,ann@example.com,America/Chicago",
      "555-12,Bad,bad@example.com,",
      "\"(415) 555-0102\",\"Quoted, Name\",not-an-email,",
      "+14155550103,Zed,,Mars/Olympus"
    ].join("\n")
    const r = await upload(csv)
    expect(r.status).toBe(422)
    expect(r.body._tag).toBe("ImportRejected")
    expect(r.body.errors.map((e: { line: number; column: string }) => [e.line, e.column])).toEqual([
      [3, "phone"],
      [4, "email"],
      [5, "time_zone"]
    ])
    expect(r.body.message).toMatch(/nothing was imported/)
    const list = await api(server.url, key)("GET", "/contacts")
    expect(list.body.items).toEqual([])
  })

  it("imports a clean file, de-duplicating by phone and CRM id, and enrols into a campaign", async () => {
    const campaign = await api(server.url, key)("POST", "/campaigns", { name: "Import target", mode: "progressive" })
    const csv = [
      "Phone,First Name,Last Name,CRM ID,Source CRM,Tags",
      "(415) 555-0111,Ann,Lee,h-1,hubspot,vip;west",
      "+14155550112,Bob,Ray,h-2,hubspot,",
      "415.555.0111,Ann,Duplicate,,,",
      "+14155550199,Bobby,Ray,h-2,hubspot,",
      "\"+1 415 555 0113\",\"Multi",
      "line\",Name,,,"
    ].join("\r\n")
    const r = await upload(csv, `?campaignId=${campaign.body.id}`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ rowsRead: 5, created: 3, updated: 0, duplicatesInFile: 2, enrolled: 3, dryRun: false })
    const contacts = await api(server.url, key)("GET", "/contacts?limit=50")
    expect(contacts.body.items.map((c: { phone: string }) => c.phone).sort()).toEqual(["+14155550111", "+14155550112", "+14155550113"])
    expect(contacts.body.items.find((c: { phone: string }) => c.phone === "+14155550113").firstName).toBe("Multi\r\nline")

    // Importing again updates (by CRM id and by phone) instead of duplicating.
    const again = await upload("phone,first_name,crm_id,source_crm\n+14155550112,Robert,h-2,hubspot\n+14155550113,Multi,,\n", `?campaignId=${campaign.body.id}`)
    expect(again.body).toMatchObject({ created: 0, updated: 2, enrolled: 0 })
    const stats = await api(server.url, key)("GET", `/campaigns/${campaign.body.id}/stats`)
    expect(stats.body.queue.pending).toBe(3)
  })

  it("says what is wrong with a file without a phone column", async () => {
    const r = await upload("name,email\nAnn,ann@example.com\n")
    expect(r.status).toBe(422)
    expect(r.body.errors[0].message).toMatch(/no phone column/)
  })
})
