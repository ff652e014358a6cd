/**
 * The web console in a real browser (Debian's Chromium through
 * playwright-core) against the real reference server on Postgres: an admin
 * creates a campaign through the form (pause codes, AMD with a voicemail
 * message, a caller id added on the same page) and imports contacts from CSV
 * (bad rows reported); an agent logs in, sees the campaign's own pause codes
 * and goes ready while a supervisor watches the tiles and the agents table
 * and drives the campaign controls; the screen-pop lists the contact's
 * earlier calls; a reload mid-call and in wrap-up restores the console from
 * GET /agents/me; the realtime warning appears when the connection is cut and
 * clears after reconnection. Every page is checked with axe-core and saved as
 * a screenshot.
 */
import { chromium as chromiumService, postgres } from "@autodialer/testkit"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Realtime, userChannel } from "@autodialer/server/realtime/Realtime"
import type { Browser, BrowserContext, Page } from "playwright-core"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { accessibilityViolations, launch, screenshot } from "./support/Browser.ts"
import { addUser, client, password, provision, start, type ConsoleServer } from "./support/ConsoleServer.ts"

const pg = postgres()
const chrome = chromiumService()

// Steps wait on real calls (ring, talk) and on a browser sharing two cores with other tests: generous bounds.

/**
 * Two real zones for the imported contacts, where it is daytime now: the session dials only in the
 * law's 08:00-21:00 where each contact is, so fixed US zones would make the call flow depend on the
 * hour CI runs at. The two closest to 14:00 local, in this order of preference.
 */
const zones = (() => {
  const candidates = ["America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]
  const hourIn = (zone: string) => Number(new Intl.DateTimeFormat("en-US", { timeZone: zone, hour: "numeric", hourCycle: "h23" }).format(new Date()))
  const [ada, grace] = [...candidates].sort((a, b) => Math.abs(hourIn(a) - 14) - Math.abs(hourIn(b) - 14))
  return { ada: ada!, grace: grace! }
})()

/** The instant a wall-clock time has in a zone (no DST change near it), by Intl, independently of the page's code. */
const instantOf = (zone: string, year: number, month: number, day: number, hour: number, minute: number): number => {
  const guess = Date.UTC(year, month - 1, day, hour, minute)
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric"
  }).formatToParts(new Date(guess)).map((p) => [p.type, Number(p.value)]))
  const shown = Date.UTC(parts["year"]!, parts["month"]! - 1, parts["day"]!, parts["hour"]!, parts["minute"]!)
  return guess - (shown - guess)
}

describe.skipIf(pg.skip || chrome.skip)("web console in Chromium", { timeout: 60_000 }, () => {
  let server: ConsoleServer
  let browser: Browser
  let admin: ReturnType<typeof client>
  let campaignId = ""
  let orgId = ""
  let agentId = ""
  const contexts: Array<BrowserContext> = []
  let agentPage: Page
  let supervisorPage: Page

  const open = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "Europe/London", locale: "en-GB" })
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    await page.goto(server.url)
    return page
  }
  const signIn = async (page: Page, email: string) => {
    await page.getByLabel("Organization").fill("acme")
    await page.getByLabel("Email").fill(email)
    await page.getByLabel("Password").fill(password)
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("navigation", { name: "Main" }).waitFor()
  }
  const expectAccessible = async (page: Page) => {
    const violations = await accessibilityViolations(page)
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([])
  }

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "web_console" })
    const org = await provision(server, "acme")
    orgId = org.orgId
    admin = client(server.directUrl, org.apiKey)
    await addUser(server, org.orgId, "manager", "sam@acme.test", "Sam Supervisor")
    agentId = (await addUser(server, org.orgId, "agent", "alex@acme.test", "Alex Agent")).userId
    for (const d of [
      { code: "sale", label: "Sale", humanAnswered: true, contact: true, sale: true },
      { code: "not_interested", label: "Not interested", humanAnswered: true, contact: true },
      { code: "callback", label: "Call back later", humanAnswered: true, contact: true, callback: true },
      { code: "wrong_number", label: "Wrong number", dnc: true }
    ]) await admin("POST", "/dispositions", d)
    browser = await launch(chrome.value!)
  }, 90_000)

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== "fail") return
    for (const [i, c] of contexts.entries()) for (const [j, p] of c.pages().entries()) await screenshot(p, `failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, "-")}-${i}-${j}`).catch(() => undefined)
  })

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined)
    await browser?.close()
    await server?.close()
  })

  it("an admin creates a campaign through the form", async () => {
    const page = await open()
    await signIn(page, "admin@acme.test")
    await page.getByRole("link", { name: "Campaigns" }).click()
    await page.getByRole("link", { name: "New campaign" }).click()
    await page.getByLabel("Campaign name").fill("Spring renewals")
    await page.getByLabel("Mode").selectOption("progressive")
    await page.getByLabel(/^Script/).fill("Hello {{firstName}}, I am calling from Acme about {{company}}'s renewal (plan {{plan}}).")
    await page.getByLabel("Time zone of the windows").fill("UTC")
    // Every day, all day, so the test does not depend on when it runs.
    const window = page.getByRole("group", { name: "Window 1" })
    for (const day of ["Sat", "Sun"]) await window.getByLabel(day).check()
    await window.getByLabel("From").fill("00:00")
    await window.getByLabel("To").fill("23:59")
    await page.getByLabel("Abandon limit (%)").fill("50")
    await page.getByRole("button", { name: "Create campaign" }).click()
    // The form checks the limit before the server does, and says which field is wrong.
    await page.getByRole("alert").filter({ hasText: "abandon limit '50' must be between 0.1 and 20 percent" }).waitFor()
    await page.getByLabel("Abandon limit (%)").fill("3")
    await page.getByLabel("Max attempts per contact").fill("4")

    // The agents' pause codes: the defaults minus Meeting, plus a team huddle.
    await page.getByRole("button", { name: "Remove pause code 4" }).click()
    await page.getByRole("button", { name: "Add pause code" }).click()
    const huddle = page.getByRole("group", { name: "Pause code 4" })
    await huddle.getByLabel("Code").fill("team_huddle")
    await huddle.getByLabel("Label").fill("Team huddle")
    // AMD leaves a voicemail; the message is required.
    await page.getByLabel("When a machine answers").selectOption("drop_voicemail")
    await page.getByRole("button", { name: "Create campaign" }).click()
    await page.getByRole("alert").filter({ hasText: "write the voicemail message to leave after the beep" }).waitFor()
    await page.getByLabel("Voicemail message (spoken after the beep)").fill("Hello, this is Acme about your renewal. Please call us back on 415 555 0100.")
    // A caller id added on the same page becomes a choice for the campaign.
    const addNumber = page.getByRole("form", { name: "Add caller ID" })
    await addNumber.getByLabel("Caller ID number").fill("+14155550100")
    await addNumber.getByLabel("Friendly name").fill("SF main line")
    await addNumber.getByRole("button", { name: "Add caller ID" }).click()
    await page.getByRole("table").getByRole("cell", { name: "SF main line" }).waitFor()
    await page.getByLabel("Number shown to contacts").selectOption({ label: "+14155550100 (SF main line)" })
    await page.getByRole("button", { name: "Create campaign" }).click()
    await page.getByRole("heading", { name: "Campaign: Spring renewals" }).waitFor()
    campaignId = decodeURIComponent(new URL(page.url()).hash.split("/").pop()!)
    const saved = await admin<{
      name: string; mode: string; abandonLimit: number; maxAttempts: number; windows: Array<{ days: Array<number> }>
      pauseCodes: Array<{ code: string; label: string }>; amd: unknown; callerId: { strategy: string; phoneNumberId?: string }
    }>("GET", `/campaigns/${campaignId}`)
    expect(saved).toMatchObject({ name: "Spring renewals", mode: "progressive", abandonLimit: 0.03, maxAttempts: 4 })
    expect(saved.windows[0]!.days).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(saved.pauseCodes).toEqual([
      { code: "break", label: "Break" }, { code: "lunch", label: "Lunch" }, { code: "training", label: "Training" }, { code: "team_huddle", label: "Team huddle" }
    ])
    expect(saved.amd).toEqual({ enabled: true, onMachine: "drop_voicemail", voicemailMessage: "Hello, this is Acme about your renewal. Please call us back on 415 555 0100." })
    const numbers = await admin<Array<{ id: string; number: string }>>("GET", "/phone-numbers")
    expect(saved.callerId).toEqual({ strategy: "fixed", phoneNumberId: numbers.find((n) => n.number === "+14155550100")!.id })
    // The editor shows what was stored.
    expect(await page.getByLabel("Number shown to contacts").inputValue()).toBe(`fixed:${saved.callerId.phoneNumberId}`)
    expect(await page.getByLabel("Voicemail message (spoken after the beep)").inputValue()).toMatch(/^Hello, this is Acme/)
    await expectAccessible(page)
    await screenshot(page, "admin-campaign")
  })

  it("a CSV import with bad rows is rejected with every bad row listed, and a clean file is imported", async () => {
    const page = (await browser.contexts()[0]!.pages())[0]!
    await page.getByRole("link", { name: "Import contacts" }).click()
    const bad = "phone,first_name,last_name,company,time_zone\n+14155550101,Ada,Lovelace,Engines Ltd,America/Los_Angeles\nnot-a-phone,Bob,Byte,Bits Inc,America/New_York\n+14155550103,Cy,Cipher,Codes Co,Mars/Olympus\n"
    await page.getByLabel("CSV file").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) })
    await page.getByLabel("Enrol into campaign").selectOption(campaignId)
    await page.getByRole("button", { name: "Import" }).click()
    const rejected = page.getByRole("table", { name: "Bad rows" })
    await rejected.waitFor()
    await expect(page.getByRole("heading", { name: /File rejected: 2 bad rows/ }).isVisible()).resolves.toBe(true)
    const lines = await rejected.locator("tbody tr td:first-child").allTextContents()
    expect(lines).toEqual(["3", "4"])
    expect(await rejected.textContent()).toMatch(/Mars\/Olympus/)
    await expectAccessible(page)
    await screenshot(page, "admin-import-rejected")
    expect((await admin<{ items: Array<unknown> }>("GET", "/contacts")).items).toHaveLength(0)

    const good = `phone,first_name,last_name,company,time_zone,crm_id,source_crm\n+14155550101,Ada,Lovelace,Engines Ltd,${zones.ada},zc-101,zoho\n+12125550102,Grace,Hopper,Compilers Inc,${zones.grace},zc-102,zoho\n`
    await page.getByLabel("CSV file").setInputFiles({ name: "good.csv", mimeType: "text/csv", buffer: Buffer.from(good) })
    await page.getByRole("button", { name: "Import" }).click()
    const report = page.getByRole("region", { name: "Import report" })
    await report.waitFor()
    expect(await report.textContent()).toMatch(/Rows read2Created2Updated0Duplicates in file0Enrolled2/)
    await expect(page.getByRole("progressbar", { name: "Upload progress" }).getAttribute("value")).resolves.toBe(String(Buffer.byteLength(good)))
    await screenshot(page, "admin-import-report")
    // What the screen-pop shows beyond the CSV columns: a lead score and a custom field the script uses.
    const contacts = await admin<{ items: Array<{ id: string; firstName: string }> }>("GET", "/contacts")
    for (const c of contacts.items) {
      await admin("PATCH", `/contacts/${c.id}`, { customFields: { leadScore: c.firstName === "Ada" ? 87 : 64, plan: c.firstName === "Ada" ? "Gold" : "Silver" } })
    }
  })

  it("an agent logs in, pauses with a code and goes ready; the supervisor sees it live", async () => {
    agentPage = await open()
    await signIn(agentPage, "alex@acme.test")
    const state = agentPage.getByRole("status")
    await agentPage.getByRole("combobox", { name: /^Campaign/ }).selectOption(campaignId)
    await agentPage.getByRole("button", { name: "Log in to campaign" }).click()
    await state.getByText("Paused", { exact: true }).waitFor()
    // The pause codes are the campaign's, as the admin set them.
    const codes = agentPage.getByLabel("Pause code")
    await expect.poll(() => codes.locator("option").allTextContents()).toEqual(["Break", "Lunch", "Training", "Team huddle"])
    await agentPage.getByRole("button", { name: "Ready" }).click()
    await agentPage.getByText("Waiting for the next call…").waitFor()
    expect(await state.textContent()).toMatch(/Ready/)

    supervisorPage = await open()
    await signIn(supervisorPage, "sam@acme.test")
    await supervisorPage.getByRole("link", { name: "Supervisor" }).click()
    await supervisorPage.getByRole("combobox", { name: /^Campaign/ }).selectOption(campaignId)
    const agents = supervisorPage.getByRole("region", { name: "Agents", exact: true })
    await agents.getByRole("row", { name: /Alex Agent Ready/ }).waitFor()
    await supervisorPage.getByLabel("Campaign status").getByText("draft").waitFor()

    // The agent pauses with one of the pause codes: the supervisor's table and tiles follow.
    await agentPage.getByLabel("Pause code").selectOption("lunch")
    await agentPage.getByRole("button", { name: "Pause" }).click()
    await state.getByText("(Lunch)").waitFor()
    expect(await state.textContent()).toMatch(/Paused/)
    await agents.getByRole("row", { name: /Alex Agent Paused .* lunch/ }).waitFor()
    const tiles = supervisorPage.locator(".tiles")
    await tiles.getByText(/0 ready · 0 on call · 0 wrap-up · 1 paused/).waitFor()
    await agentPage.getByRole("button", { name: "Ready" }).click()
    await tiles.getByText(/1 ready · 0 on call · 0 wrap-up · 0 paused/).waitFor()
    await expectAccessible(agentPage)
    await screenshot(agentPage, "agent-ready")
  })

  it("warns when the realtime connection drops and clears the warning after reconnecting", async () => {
    const banner = agentPage.getByRole("alert").filter({ hasText: "Realtime connection lost" })
    expect(await banner.count()).toBe(0)
    const agentToken = await agentPage.evaluate(() => sessionStorage.getItem("autodialer.token"))
    server.proxy.drop(1500)
    await banner.waitFor({ timeout: 5000 })
    // While the channel is down the agent's state changes elsewhere; its event is lost with the connection.
    const reread = agentPage.waitForResponse((r) => new URL(r.url()).pathname === "/agents/me" && r.request().method() === "GET", { timeout: 20_000 })
    await client(server.directUrl, agentToken!)("POST", "/agents/me/pause", { code: "training" })
    await screenshot(agentPage, "agent-realtime-lost")
    await banner.waitFor({ state: "detached", timeout: 15_000 })
    // After reconnecting, the console re-reads its desk and shows the change it missed.
    expect((await (await reread).json() as { state: string; reason: string }).reason).toBe("training")
    await agentPage.getByRole("status").getByText("(Training)").waitFor()
    // The reconnected channel delivers events again: a state change made elsewhere shows up.
    await client(server.directUrl, agentToken!)("POST", "/agents/me/pause", { code: "break" })
    await agentPage.getByRole("status").getByText("(Break)").waitFor()
    await agentPage.getByRole("button", { name: "Ready" }).click()
    await agentPage.getByText("Waiting for the next call…").waitFor()
  })

  it("shows a previewed contact with the auto-dial countdown, and sends skip and take", async () => {
    // The server's own preview path (the session offers, take and skip reach it) is tested in
    // packages/server/test/SessionEvents.integration.test.ts; here the offer is published on the
    // agent's real channel, so the page's countdown and what it sends back are checked on their own.
    const contact = (await admin<{ items: Array<{ id: string; firstName: string }> }>("GET", "/contacts")).items.find((c) => c.firstName === "Grace")!
    const full = await admin<Record<string, unknown>>("GET", `/contacts/${contact.id}`)
    const offer = (autoDialSeconds: number) => server.run(Effect.gen(function*() {
      const realtime = yield* Realtime
      yield* realtime.publish({ orgId, channel: userChannel(agentId), type: "preview.offered", at: Date.now(), data: { contact: full, campaignId, autoDialSeconds } })
    }))
    const preview = agentPage.getByRole("region", { name: "Preview" })
    await offer(30)
    await preview.getByRole("heading", { name: "Preview: Grace Hopper" }).waitFor()
    const timer = preview.getByRole("timer")
    const before = Number(/(\d+) s/.exec((await timer.textContent())!)![1])
    expect(before).toBeGreaterThan(27)
    // The countdown moves with the clock; a loaded CI machine may render a tick late, so poll for it.
    await expect.poll(async () => Number(/(\d+) s/.exec((await timer.textContent())!)![1]), { timeout: 6_000, interval: 200 })
      .toBeLessThanOrEqual(before - 2)
    await screenshot(agentPage, "agent-preview")
    const skip = agentPage.waitForRequest((r) => r.url().endsWith("/agents/me/preview/skip") && r.method() === "POST")
    await preview.getByRole("button", { name: "Skip" }).click()
    expect((await skip).postDataJSON()).toEqual({ contactId: contact.id })
    await preview.waitFor({ state: "detached" })

    // When the countdown runs out, the console dials the contact by itself.
    const take = agentPage.waitForRequest((r) => r.url().endsWith("/agents/me/preview/take") && r.method() === "POST")
    await offer(2)
    await preview.waitFor()
    expect((await take).postDataJSON()).toEqual({ contactId: contact.id })
    await preview.waitFor({ state: "detached" })
  })

  it("the supervisor starts the campaign; the agent gets a bridged call with the screen-pop, dispositions it with a callback from the keyboard and gets the next call; the supervisor sees the counters move and pauses", async () => {
    const state = agentPage.getByRole("status")
    // Each contact was called once before, outside this campaign: the screen-pop lists that call.
    const notInterestedId = (await admin<Array<{ id: string; code: string }>>("GET", "/dispositions")).find((d) => d.code === "not_interested")!.id
    const earlier = new Date(Date.now() - 3 * 86_400_000)
    await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (const c of (yield* Tenancy.withTenant(orgId as OrganizationId)(sql<{ readonly id: string; readonly phone: string }>`SELECT id, phone FROM contacts`))) {
        yield* Tenancy.withTenant(orgId as OrganizationId)(sql`INSERT INTO calls ${sql.insert({
          id: yield* UuidV7.generate, orgId, contactId: c.id, provider: "simulated", direction: "outbound", fromNumber: "+14155550100",
          toNumber: c.phone, status: "completed", outcome: "human_answered", talkDurationSeconds: 95, dispositionId: notInterestedId,
          notes: "Asked for the renewal quote by email first", createdAt: earlier, answeredAt: earlier, endedAt: new Date(earlier.getTime() + 95_000)
        })}`)
      }
    }))
    await supervisorPage.getByRole("button", { name: "Start" }).click()
    await supervisorPage.getByLabel("Campaign status").getByText("running").waitFor()

    // The campaign loop dials, the simulated callee answers, the call is bridged to the only ready agent.
    const pop = agentPage.getByRole("region", { name: "Screen-pop" })
    await state.getByText("On call", { exact: true }).waitFor({ timeout: 15_000 })
    const name = pop.getByRole("heading", { level: 2, name: /^(Ada Lovelace|Grace Hopper)$/ })
    await name.waitFor()
    const first = (await name.textContent())!.trim()
    expect(["Ada Lovelace", "Grace Hopper"]).toContain(first)
    const ada = first === "Ada Lovelace"
    const card = await pop.textContent()
    expect(card).toContain(ada ? "Engines Ltd" : "Compilers Inc")
    const zoneLabel = new Intl.DateTimeFormat("en-US", { timeZone: ada ? zones.ada : zones.grace, timeZoneName: "short" })
      .formatToParts(new Date()).find((p) => p.type === "timeZoneName")!.value
    expect(card).toMatch(new RegExp(`Local time\\d\\d:\\d\\d ${zoneLabel.replace("+", "\\+")}`))
    expect(card).toContain(`Lead score${ada ? 87 : 64}`)
    expect(await pop.getByRole("link", { name: "Open in zoho" }).getAttribute("href")).toBe(`https://crm.zoho.com/crm/tab/Contacts/${ada ? "zc-101" : "zc-102"}`)
    expect(await agentPage.getByRole("region", { name: "Script" }).textContent()).toContain(
      ada ? "Hello Ada, I am calling from Acme about Engines Ltd's renewal (plan Gold)." : "Hello Grace, I am calling from Acme about Compilers Inc's renewal (plan Silver).")
    const history = pop.getByRole("table", { name: "Call history" })
    await history.getByRole("row", { name: /human answered Not interested 1:35 Asked for the renewal quote by email first/ }).waitFor()
    expect(await history.locator("tbody tr").count()).toBe(1)
    await supervisorPage.locator(".tiles").getByText(/0 ready · 1 on call/).waitFor()
    await expectAccessible(agentPage)
    await screenshot(agentPage, "agent-screen-pop")

    // The callee hangs up after a few seconds: wrap-up, with its timer and the disposition form.
    await state.getByText("Wrap-up", { exact: true }).waitFor({ timeout: 15_000 })
    const form = agentPage.getByRole("region", { name: "Disposition" })
    await form.getByRole("timer", { name: "Wrap-up timer" }).waitFor()
    const callbackChoice = form.locator("label", { hasText: "Call back later" })
    const key = (await callbackChoice.locator("kbd").textContent())!.trim()
    await agentPage.locator("body").click({ position: { x: 5, y: 300 } })
    await agentPage.keyboard.press(key)
    expect(await callbackChoice.getByRole("radio").isChecked()).toBe(true)
    const zone = ada ? zones.ada : zones.grace
    const callbackInput = form.getByLabel(`Callback time (${zone})`)
    expect(await callbackInput.inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/)
    await callbackInput.fill("2030-01-15T10:30")
    const notes = form.getByLabel("Notes")
    await notes.fill("Wants the annual plan; call after the budget review")
    await expectAccessible(agentPage)
    await screenshot(agentPage, "agent-wrap-up")
    const calls = await admin<{ items: Array<{ id: string; agentId: string | null }> }>("GET", `/calls?campaignId=${campaignId}`)
    const firstCall = calls.items.find((c) => c.agentId !== null)!
    await notes.press("Control+Enter")

    // Saved: the notes are on the call and the callback is at 10:30 on the contact's clock.
    await form.waitFor({ state: "detached" })
    const detail = await admin<{ notes: string | null }>("GET", `/calls/${firstCall.id}`)
    expect(detail.notes).toBe("Wants the annual plan; call after the budget review")
    const rows = await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* sql<{ nextAttemptAt: Date }>`SELECT cc.next_attempt_at FROM campaign_contacts cc JOIN calls c ON c.contact_id = cc.contact_id AND c.campaign_id = cc.campaign_id WHERE c.id = ${firstCall.id}`
    }))
    expect(new Date(rows[0]!.nextAttemptAt).toISOString()).toBe(new Date(instantOf(ada ? zones.ada : zones.grace, 2030, 1, 15, 10, 30)).toISOString())

    // The agent is ready again and the next contact is bridged.
    const second = ada ? "Grace Hopper" : "Ada Lovelace"
    await pop.getByRole("heading", { name: second }).waitFor({ timeout: 15_000 })
    await state.getByText("On call", { exact: true }).waitFor()

    // A reload mid-call: the console asks the server (GET /agents/me) and shows the call again, with its history.
    const desk = agentPage.waitForResponse((r) => new URL(r.url()).pathname === "/agents/me" && r.request().method() === "GET")
    await agentPage.reload()
    const restored = await (await desk).json() as { state: string; call: { contactId: string } | null; campaign: { id: string } | null }
    // The simulated callee may hang up while the page reloads: then it is wrap-up, with the same call.
    expect(["on_call", "wrap_up"]).toContain(restored.state)
    expect(restored.campaign?.id).toBe(campaignId)
    expect(restored.call).not.toBeNull()
    await state.getByText(restored.state === "on_call" ? "On call" : "Wrap-up", { exact: true }).waitFor()
    await pop.getByRole("heading", { name: second }).waitFor()
    await history.getByRole("row", { name: /Not interested .* Asked for the renewal quote/ }).waitFor()
    expect(await agentPage.getByRole("region", { name: "Script" }).textContent()).toContain(`Hello ${second.split(" ")[0]},`)

    // The supervisor's counters moved; pausing the campaign stops new dials.
    const tiles = supervisorPage.locator(".tiles")
    await tiles.getByText(/^[1-9]\d* connects in total$/).waitFor()
    await tiles.getByText(/^[2-9] placed · queue 1 pending$/).waitFor()
    await supervisorPage.getByLabel("Reason (pause, stop)").fill("team huddle")
    await supervisorPage.getByRole("button", { name: "Pause" }).click()
    await supervisorPage.getByLabel("Campaign status").getByText("paused").waitFor()
    expect((await admin<{ status: string }>("GET", `/campaigns/${campaignId}`)).status).toBe("paused")
    await supervisorPage.waitForTimeout(2500)
    await expectAccessible(supervisorPage)
    await screenshot(supervisorPage, "supervisor-dashboard")

    // Compliance: with the calling window moved to tomorrow only, the dashboard says the pacer is held back.
    const tomorrow = (((new Date().getUTCDay() + 6) % 7) + 1) % 7 + 1
    await admin("PATCH", `/campaigns/${campaignId}`, { windows: [{ days: [tomorrow], start: "09:00", end: "17:00" }], timeZone: "UTC" })
    await supervisorPage.getByRole("alert", { name: "Compliance hold" }).getByText(/Calling window closed \(UTC\)/).waitFor()
    await screenshot(supervisorPage, "supervisor-window-closed")

    // The second call ends too. A reload in wrap-up keeps the wrap-up, its timer and the disposition form.
    await state.getByText("Wrap-up", { exact: true }).waitFor({ timeout: 15_000 })
    await agentPage.reload()
    await state.getByText("Wrap-up", { exact: true }).waitFor()
    await pop.getByRole("heading", { name: second }).waitFor()
    await form.getByRole("timer", { name: "Wrap-up timer" }).waitFor()
    // It is dispositioned with a number key and Enter alone.
    const notInterested = (await form.locator("label", { hasText: "Not interested" }).locator("kbd").textContent())!.trim()
    await agentPage.locator("body").click({ position: { x: 5, y: 300 } })
    await agentPage.keyboard.press(notInterested)
    await agentPage.keyboard.press("Enter")
    await form.waitFor({ state: "detached" })
    await state.getByText("Ready", { exact: true }).waitFor()
  }, 90_000)

  it("an admin manages the DNC list and reads the call log with a call's events", async () => {
    const page = browser.contexts()[0]!.pages()[0]!
    await page.getByRole("link", { name: "DNC" }).click()
    const add = page.getByRole("form", { name: "Add a number" })
    await add.getByLabel("Phone").fill("+1 (415) 555-0199")
    await add.getByLabel("Reason").selectOption("litigator")
    await add.getByLabel("Note").fill("known litigator")
    await add.getByRole("button", { name: "Add to DNC" }).click()
    const entries = page.getByRole("table", { name: "DNC entries" })
    await entries.getByRole("row", { name: /\+14155550199 organization litigator known litigator/ }).waitFor()
    const check = page.getByRole("form", { name: "Check a number" })
    await check.getByLabel("Phone to check").fill("+14155550199")
    await check.getByRole("button", { name: "Check" }).click()
    await check.getByRole("status").getByText(/\+14155550199 is listed \(organization: litigator\)/).waitFor()
    await expectAccessible(page)
    await screenshot(page, "admin-dnc")
    await entries.getByRole("button", { name: "Remove +14155550199" }).click()
    await entries.getByRole("row", { name: /\+14155550199/ }).waitFor({ state: "detached" })
    expect((await admin<{ listed: boolean }>("GET", "/dnc/check?phone=%2B14155550199")).listed).toBe(false)

    await page.getByRole("link", { name: "Calls" }).click()
    const filter = page.getByRole("form", { name: "Filter calls" })
    await filter.getByRole("combobox", { name: /^Campaign/ }).selectOption(campaignId)
    await filter.getByRole("combobox", { name: /^Agent/ }).selectOption({ label: "Alex Agent" })
    await filter.getByRole("button", { name: "Filter" }).click()
    const calls = page.getByRole("table", { name: "Calls" })
    await calls.getByRole("row", { name: /Spring renewals Alex Agent/ }).first().waitFor()
    expect(await calls.getByRole("row", { name: /Spring renewals Alex Agent/ }).count()).toBeGreaterThanOrEqual(2)
    await expectAccessible(page)
    await screenshot(page, "admin-calls")
    await calls.getByRole("row", { name: /Spring renewals Alex Agent/ }).first().getByRole("link").click()
    const events = page.getByRole("table", { name: "Call events" })
    await events.getByRole("row", { name: /simulated/ }).first().waitFor()
    expect(await page.getByRole("region", { name: "Transcript" }).textContent()).toMatch(/No transcript/)
    await expectAccessible(page)
    await screenshot(page, "admin-call-detail")
  })

  it("logs the agent out of the campaign", async () => {
    await agentPage.getByRole("button", { name: "Log out of campaign" }).click()
    await agentPage.getByRole("status").getByText("Logged out").waitFor()
    await supervisorPage.getByRole("region", { name: "Agents", exact: true }).getByRole("row", { name: /Alex Agent Logged out/ }).waitFor()
  })
})
