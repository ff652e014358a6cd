import { postgres } from "@autodialer/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("HTTP API against Postgres", () => {
  let server: TestServer
  let orgA: { orgId: string; adminId: string; apiKey: string }
  let orgB: { orgId: string; adminId: string; apiKey: string }
  let managerKey: string
  let agentKey: string

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_api" })
    orgA = await server.provision("acme")
    orgB = await server.provision("globex")
    managerKey = (await server.addUser(orgA.orgId, "manager", "manny@acme.test")).apiKey
    agentKey = (await server.addUser(orgA.orgId, "agent", "agnes@acme.test")).apiKey
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  it("refuses requests without a valid bearer token", async () => {
    expect((await api(server.url)("GET", "/contacts")).status).toBe(401)
    const forged = await api(server.url, "adk_not-a-real-key")("GET", "/contacts")
    expect(forged.status).toBe(401)
    expect(forged.body.message).toMatch(/unknown, revoked or expired/)
  })

  it("logs in with a password and uses the session token", async () => {
    const bad = await api(server.url)("POST", "/auth/login", { organization: "acme", email: "admin@acme.test", password: "wrong password" })
    expect(bad.status).toBe(401)
    const ok = await api(server.url)("POST", "/auth/login", { organization: "acme", email: "ADMIN@acme.test", password: "correct horse battery" })
    expect(ok.status).toBe(200)
    expect(ok.body.token).toMatch(/^ads_/)
    const me = await api(server.url, ok.body.token)("GET", "/auth/me")
    expect(me.status).toBe(200)
    expect(me.body.via).toBe("session")
    expect(me.body.organization.slug).toBe("acme")
    expect((await api(server.url, ok.body.token)("POST", "/auth/logout")).status).toBe(204)
    expect((await api(server.url, ok.body.token)("GET", "/auth/me")).status).toBe(401)
  })

  it("shows an API key once and stores only its digest", async () => {
    const created = await api(server.url, orgA.apiKey)("POST", "/api-keys", { name: "ci" })
    expect(created.status).toBe(201)
    expect(created.body.secret).toMatch(/^adk_/)
    const list = await api(server.url, orgA.apiKey)("GET", "/api-keys")
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret)
    expect((await api(server.url, created.body.secret)("GET", "/auth/me")).status).toBe(200)
    expect((await api(server.url, orgA.apiKey)("DELETE", `/api-keys/${created.body.apiKey.id}`)).status).toBe(204)
    expect((await api(server.url, created.body.secret)("GET", "/auth/me")).status).toBe(401)
  })

  it("enforces roles: an agent cannot change campaigns, a manager cannot manage the organization", async () => {
    const asAgent = await api(server.url, agentKey)("POST", "/campaigns", { name: "Nope", mode: "progressive" })
    expect(asAgent.status).toBe(403)
    expect(asAgent.body._tag).toBe("Forbidden")
    expect(asAgent.body.message).toMatch(/manager or an admin/)
    const asManager = await api(server.url, managerKey)("POST", "/campaigns", { name: "Q4 renewals", mode: "progressive" })
    expect(asManager.status).toBe(201)
    expect((await api(server.url, agentKey)("POST", `/campaigns/${asManager.body.id}/start`)).status).toBe(403)
    expect((await api(server.url, agentKey)("GET", `/campaigns/${asManager.body.id}`)).status).toBe(200)
    const org = await api(server.url, managerKey)("PATCH", "/organization", { name: "Hijacked" })
    expect(org.status).toBe(403)
    expect((await api(server.url, managerKey)("POST", "/users", { email: "x@acme.test", fullName: "X", role: "admin" })).status).toBe(403)
    expect((await api(server.url, orgA.apiKey)("PATCH", "/organization", { name: "Acme Inc" })).body.name).toBe("Acme Inc")
  })

  it("refuses cross-tenant access even when the id is known", async () => {
    const contact = await api(server.url, orgB.apiKey)("POST", "/contacts", { phone: "+14155550199", firstName: "Bea" })
    expect(contact.status).toBe(201)
    const asA = api(server.url, orgA.apiKey)
    const get = await asA("GET", `/contacts/${contact.body.id}`)
    expect(get.status).toBe(404)
    expect(get.body._tag).toBe("NotFound")
    expect((await asA("PATCH", `/contacts/${contact.body.id}`, { firstName: "Mallory" })).status).toBe(404)
    expect((await asA("DELETE", `/contacts/${contact.body.id}`)).status).toBe(404)
    const list = await asA("GET", "/contacts?q=Bea")
    expect(list.body.items).toEqual([])
    // Enrolling B's contact into A's campaign is refused, and B's contact is untouched.
    const campaign = await asA("POST", "/campaigns", { name: "A campaign", mode: "predictive" })
    const enrol = await asA("POST", `/campaigns/${campaign.body.id}/contacts`, { contactIds: [contact.body.id] })
    expect(enrol.status).toBe(404)
    expect((await api(server.url, orgB.apiKey)("GET", `/contacts/${contact.body.id}`)).body.firstName).toBe("Bea")
  })

  it("pages contacts with a keyset cursor without skipping or repeating", async () => {
    const asA = api(server.url, orgA.apiKey)
    for (let i = 0; i < 23; i++) {
      const r = await asA("POST", "/contacts", { phone: `+1415555${String(1000 + i)}`, lastName: `Page${i}`, tags: ["paging"] })
      expect(r.status).toBe(201)
    }
    const seen: Array<string> = []
    let cursor: string | null = null
    let pages = 0
    do {
      const r: { status: number; body: any } = await asA("GET", `/contacts?tag=paging&limit=10${cursor ? `&cursor=${cursor}` : ""}`)
      expect(r.status).toBe(200)
      seen.push(...r.body.items.map((c: { id: string }) => c.id))
      cursor = r.body.nextCursor
      pages++
    } while (cursor !== null)
    expect(pages).toBe(3)
    expect(seen).toHaveLength(23)
    expect(new Set(seen).size).toBe(23)
    const bad = await asA("GET", "/contacts?cursor=garbage")
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/cursor/)
  })

  it("explains bad input: phone numbers, enum values and ids", async () => {
    const asA = api(server.url, orgA.apiKey)
    const phone = await asA("POST", "/contacts", { phone: "555-12" })
    expect(phone.status).toBe(400)
    expect(phone.body.message).toMatch(/555-12|phone/i)
    const mode = await asA("POST", "/campaigns", { name: "x", mode: "turbo" })
    expect(mode.status).toBe(400)
    expect(mode.body.message).toMatch(/turbo|mode|expected/i)
    const id = await asA("GET", "/contacts/not-a-uuid")
    expect(id.status).toBe(400)
  })

  it("serves a valid OpenAPI document and a self-contained docs page", async () => {
    const doc = await api(server.url)("GET", "/openapi.json")
    expect(doc.status).toBe(200)
    expect(doc.body.openapi).toMatch(/^3\./)
    const paths = Object.keys(doc.body.paths)
    for (const p of ["/campaigns", "/contacts", "/calls", "/dnc", "/agents/me/login", "/voice-servers", "/contacts/import"]) {
      expect(paths.some((x) => x.startsWith(p))).toBe(true)
    }
    expect(doc.body.components.securitySchemes).toBeDefined()
    const docs = await fetch(`${server.url}/docs`)
    const html = await docs.text()
    expect(docs.status).toBe(200)
    expect(html).not.toMatch(/<script[^>]+src="https?:/)
  })
})
