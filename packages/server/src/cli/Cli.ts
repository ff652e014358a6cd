/**
 * The `autodialer` command line (effect/cli):
 *
 *   autodialer start                      the embedded default (same as npm start)
 *   autodialer serve                      the server only (DATABASE_URL, TEMPORAL_ADDRESS)
 *   autodialer migrate                    apply the database migrations
 *   autodialer org create --name --slug --admin-email [--admin-password]
 *   autodialer import contacts.csv [--campaign ID] [--dry-run]    (progress bar)
 *   autodialer campaign list|start|pause|resume|stop|stats [ID]
 *   autodialer status                     readiness and the campaigns' live numbers
 *
 * Commands that talk to a running server read `--url` (AUTODIALER_URL,
 * default http://127.0.0.1:3000) and `--token` (AUTODIALER_TOKEN).
 */
import { Config, Console, Effect, Layer, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { Migrations } from "@autodialer/domain"
import * as App from "../App.ts"
import * as Provisioning from "../Provisioning.ts"
import * as ServerConfig from "../ServerConfig.ts"
import * as Client from "./Client.ts"

const url = Flag.String("url").pipe(
  Flag.withDescription("Base URL of a running server"),
  Flag.withFallbackConfig(Config.String("AUTODIALER_URL")),
  Flag.withDefault("http://127.0.0.1:3000")
)
const token = Flag.String("token").pipe(
  Flag.withDescription("API key or session token (Bearer)"),
  Flag.withFallbackConfig(Config.String("AUTODIALER_TOKEN")),
  Flag.optional
)
const target = (u: string, t: Option.Option<string>): Client.Target => ({ url: u, token: Option.getOrUndefined(t) })

const start = Command.make("start", {}, () =>
  Effect.scoped(Effect.flatMap(ServerConfig.load, (config) => App.run(config, "embedded")))).pipe(
  Command.withDescription("Run the embedded default: PGlite, simulated carrier and agents, demo campaign, HTTP server")
)

const serve = Command.make("serve", {}, () =>
  Effect.scoped(Effect.flatMap(ServerConfig.load, (config) => App.run(config, "serve")))).pipe(
  Command.withDescription("Run the HTTP server against DATABASE_URL (and TEMPORAL_ADDRESS for campaign control)")
)

const databaseLayer = Layer.unwrap(Effect.map(ServerConfig.load, App.databaseLayer))

const migrate = Command.make("migrate", {}, () =>
  Effect.gen(function*() {
    const applied = yield* Migrations.migrate
    yield* Console.log(applied.length === 0 ? "database is up to date" : `applied: ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
  }).pipe(Effect.provide(databaseLayer))).pipe(Command.withDescription("Apply pending database migrations"))

const orgCreate = Command.make("create", {
  name: Flag.String("name"),
  slug: Flag.String("slug"),
  adminEmail: Flag.String("admin-email"),
  adminPassword: Flag.String("admin-password").pipe(Flag.optional)
}, ({ name, slug, adminEmail, adminPassword }) =>
  Effect.gen(function*() {
    yield* Migrations.migrate
    const org = yield* Provisioning.createOrganization({
      name, slug, admin: { email: adminEmail, fullName: adminEmail, ...(Option.isSome(adminPassword) ? { password: adminPassword.value } : {}) }
    })
    yield* Console.log(`organization ${slug} created (${org.orgId})\nadmin API key (shown once): ${org.apiKey}`)
  }).pipe(Effect.provide(databaseLayer))).pipe(Command.withDescription("Create an organization with its first admin and API key"))

const org = Command.make("org").pipe(Command.withSubcommands([orgCreate]), Command.withDescription("Organizations"))

const importCmd = Command.make("import", {
  file: Argument.String("file").pipe(Argument.withDescription("CSV with a header row and a phone column")),
  campaign: Flag.String("campaign").pipe(Flag.withDescription("Campaign id to enrol the contacts into"), Flag.optional),
  dryRun: Flag.Boolean("dry-run").pipe(Flag.withDescription("Validate only; write nothing"), Flag.withDefault(false)),
  url,
  token
}, ({ file, campaign, dryRun, url, token }) =>
  Effect.gen(function*() {
    const query = new URLSearchParams()
    if (Option.isSome(campaign)) query.set("campaignId", campaign.value)
    if (dryRun) query.set("dryRun", "true")
    const tty = process.stderr.isTTY
    const report = yield* Client.upload(target(url, token), `/contacts/import?${query}`, file, "text/csv", (sent, total) => {
      if (tty) process.stderr.write(`\ruploading ${Client.bar(sent, total)}`)
    }).pipe(Effect.ensuring(Effect.sync(() => tty && process.stderr.write("\n"))))
    const r = report as { rowsRead: number; created: number; updated: number; duplicatesInFile: number; enrolled: number; skippedDnc: number; warnings: ReadonlyArray<{ line: number; message: string }> }
    yield* Console.log(`${dryRun ? "validated" : "imported"} ${r.rowsRead} rows: ${r.created} created, ${r.updated} updated, ${r.duplicatesInFile} duplicates skipped` +
      (Option.isSome(campaign) ? `, ${r.enrolled} enrolled, ${r.skippedDnc} skipped (DNC)` : ""))
    for (const w of r.warnings.slice(0, 10)) yield* Console.log(`  line ${w.line}: ${w.message}`)
  })).pipe(Command.withDescription("Import contacts from a CSV file (all or nothing; bad rows are listed by line)"))

const campaignAction = (name: "start" | "pause" | "resume" | "stop") =>
  Command.make(name, { id: Argument.String("id"), url, token }, ({ id, url, token }) =>
    Effect.gen(function*() {
      const body = name === "pause" || name === "stop" ? { reason: `${name} from the CLI` } : undefined
      const c = (yield* Client.request(target(url, token), "POST", `/campaigns/${id}/${name}`, body ?? (name === "start" || name === "resume" ? undefined : {}))) as { name: string; status: string }
      yield* Console.log(`${c.name}: ${c.status}`)
    })).pipe(Command.withDescription(`${name[0]!.toUpperCase()}${name.slice(1)} a campaign`))

const campaignStats = Command.make("stats", { id: Argument.String("id"), url, token }, ({ id, url, token }) =>
  Effect.gen(function*() {
    const s = yield* Client.request(target(url, token), "GET", `/campaigns/${id}/stats`)
    yield* Console.log(App.progressLine(s as never))
  })).pipe(Command.withDescription("Live numbers of a campaign"))

const campaignList = Command.make("list", { url, token }, ({ url, token }) =>
  Effect.gen(function*() {
    const page = (yield* Client.request(target(url, token), "GET", "/campaigns?limit=100")) as { items: ReadonlyArray<{ id: string; name: string; status: string; mode: string }> }
    for (const c of page.items) yield* Console.log(`${c.id}  ${c.status.padEnd(9)} ${c.mode.padEnd(11)} ${c.name}`)
  })).pipe(Command.withDescription("List campaigns"))

const campaign = Command.make("campaign").pipe(
  Command.withSubcommands([campaignList, campaignAction("start"), campaignAction("pause"), campaignAction("resume"), campaignAction("stop"), campaignStats]),
  Command.withDescription("Campaign lifecycle and stats")
)

const status = Command.make("status", { url, token }, ({ url, token }) =>
  Effect.gen(function*() {
    const t = target(url, token)
    const ready = (yield* Client.request(t, "GET", "/readyz")) as { status: string }
    yield* Console.log(`${url}: ${ready.status}`)
    if (t.token === undefined) return
    const page = (yield* Client.request(t, "GET", "/campaigns?limit=100")) as { items: ReadonlyArray<{ id: string; name: string; status: string }> }
    for (const c of page.items.filter((c) => c.status === "running" || c.status === "paused")) {
      const s = yield* Client.request(t, "GET", `/campaigns/${c.id}/stats`)
      yield* Console.log(`${c.name} (${c.status}): ${App.progressLine(s as never)}`)
    }
  })).pipe(Command.withDescription("Server readiness and live numbers of running campaigns"))

export const root = Command.make("autodialer").pipe(
  Command.withSubcommands([start, serve, migrate, org, importCmd, campaign, status]),
  Command.withDescription("Autodialer: outbound calling platform")
)

export const run = Command.run(root, { version: "0.1.0" })
