import { addUser, client, provision, start, password } from "./support/ConsoleServer.ts"
import { launch } from "./support/Browser.ts"
const server = await start({ databaseUrl: process.env["DATABASE_URL"]!, label: "web_dbg" })
const browser = await launch("/usr/bin/chromium")
try {
  const org = await provision(server, "acme")
  const admin = client(server.directUrl, org.apiKey)
  await addUser(server, org.orgId, "agent", "alex@acme.test", "Alex")
  await admin<{ id: string }>("POST", "/campaigns", { name: "X", mode: "progressive" })
  const page = await browser.newPage()
  page.on("console", (m) => console.log("console:", m.text()))
  page.on("response", (r) => console.log("resp:", r.status(), r.url()))
  await page.goto(server.url)
  await page.getByLabel("Organization").fill("acme")
  await page.getByLabel("Email").fill("alex@acme.test")
  await page.getByLabel("Password").fill(password)
  await page.getByRole("button", { name: "Sign in" }).click()
  await page.waitForTimeout(2000)
  console.log(await page.locator("main").innerHTML())
} finally { await browser.close(); await server.close() }
