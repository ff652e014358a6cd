/**
 * The `autodialer` command line (effect/cli):
 *
 *   autodialer start                      the embedded default (same as npm start)
 *   autodialer serve                      the server only (DATABASE_URL, TEMPORAL_ADDRESS)
 *   autodialer migrate                    apply the database migrations
 *   autodialer org create --name --slug --admin-email [--admin-password]
 *   autodialer import contacts.csv [--campaign ID] [--dry-run]    (progress bar)
 *   autodialer campaign list|start|pause|resume|stop|stats [ID]
 *   autodialer crm connect --type hubspot --name N --credentials-file creds.json [--every "15 minutes"]
 *   autodialer crm list|sync ID|pause ID|resume ID|logs ID [--status S] [--limit N] [--cursor C]|disconnect ID
 *   autodialer status                     readiness and the campaigns' live numbers
 *
 * Commands that talk to a running server read `--url` (AUTODIALER_URL,
 * default http://127.0.0.1:3000) and `--token` (AUTODIALER_TOKEN).
 */
import { Config, Console, Effect, Layer, Option, Schema } from "effect"
import { readFileSync } from "node:fs"
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

interface CrmConnectionView {
  readonly id: string; readonly crmType: string; readonly name: string; readonly status: string
  readonly lastSyncedAt: string | null; readonly lastError: string | null
}
const connectionLine = (c: CrmConnectionView) =>
  `${c.id}  ${c.crmType.padEnd(10)} ${c.status.padEnd(7)} last sync ${c.lastSyncedAt ?? "never"}  ${c.name}${c.lastError ? `  (${c.lastError})` : ""}`

/** The credentials file: one JSON object of strings. Its values are never printed. */
const CredentialsFile = Schema.fromJsonString(Schema.Record(Schema.String, Schema.String))
const readCredentials = (path: string) =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (e) => new Client.ClientError({ message: `--credentials-file ${path}: cannot read it (${e instanceof Error ? e.message : String(e)})` })
  }).pipe(Effect.flatMap((text) =>
    Schema.decodeUnknownEffect(CredentialsFile)(text).pipe(Effect.mapError(() =>
      new Client.ClientError({
        message: `--credentials-file ${path}: expected a JSON object of strings such as {"accessToken": "..."} (hubspot, salesforce, zoho) or {"signingSecret": "..."} (csv)`
      })
    ))))

const crmConnect = Command.make("connect", {
  type: Flag.Literals("type", ["hubspot", "salesforce", "zoho", "csv"]).pipe(Flag.withDescription("The CRM")),
  name: Flag.String("name").pipe(Flag.withDescription("A name for this connection")),
  credentialsFile: Flag.String("credentials-file").pipe(Flag.withDescription("JSON file with the credentials (kept out of the shell history and process list)")),
  instanceUrl: Flag.String("instance-url").pipe(Flag.withDescription("Salesforce instance URL, or the Zoho data centre (eu, com...)"), Flag.optional),
  account: Flag.String("account").pipe(Flag.withDescription("The CRM's account or portal id"), Flag.optional),
  every: Flag.String("every").pipe(Flag.withDescription("Sync cadence, e.g. \"15 minutes\" (default) or 1h"), Flag.optional),
  url,
  token
}, ({ type, name, credentialsFile, instanceUrl, account, every, url, token }) =>
  Effect.gen(function*() {
    const credentials = yield* readCredentials(credentialsFile)
    const c = (yield* Client.request(target(url, token), "POST", "/crm/connections", {
      crmType: type, name, credentials,
      ...(Option.isSome(instanceUrl) ? { instanceUrl: instanceUrl.value } : {}),
      ...(Option.isSome(account) ? { externalAccountId: account.value } : {}),
      ...(Option.isSome(every) ? { every: every.value } : {})
    })) as CrmConnectionView
    yield* Console.log(`connected ${c.crmType} "${c.name}" (${c.id}); credentials stored encrypted`)
  })).pipe(Command.withDescription("Connect a CRM (manager or admin)"))

const crmList = Command.make("list", { url, token }, ({ url, token }) =>
  Effect.gen(function*() {
    const all = (yield* Client.request(target(url, token), "GET", "/crm/connections")) as ReadonlyArray<CrmConnectionView>
    if (all.length === 0) yield* Console.log("no CRM connections")
    for (const c of all) yield* Console.log(connectionLine(c))
  })).pipe(Command.withDescription("List the organization's CRM connections"))

const crmSync = Command.make("sync", { id: Argument.String("id"), url, token }, ({ id, url, token }) =>
  Effect.gen(function*() {
    const c = (yield* Client.request(target(url, token), "POST", `/crm/connections/${encodeURIComponent(id)}/sync`)) as CrmConnectionView
    yield* Console.log(`sync of "${c.name}" started; follow it with: autodialer crm logs ${c.id}`)
  })).pipe(Command.withDescription("Run a CRM sync now"))

const crmLogs = Command.make("logs", {
  id: Argument.String("id"),
  status: Flag.Literals("status", ["success", "failed", "skipped", "retrying"]).pipe(Flag.optional),
  limit: Flag.Int("limit").pipe(Flag.withDefault(50)),
  cursor: Flag.String("cursor").pipe(Flag.withDescription("nextCursor of the previous page"), Flag.optional),
  url,
  token
}, ({ id, status, limit, cursor, url, token }) =>
  Effect.gen(function*() {
    const query = new URLSearchParams({ limit: String(limit) })
    if (Option.isSome(status)) query.set("status", status.value)
    if (Option.isSome(cursor)) query.set("cursor", cursor.value)
    const page = (yield* Client.request(target(url, token), "GET", `/crm/connections/${encodeURIComponent(id)}/logs?${query}`)) as {
      items: ReadonlyArray<{ createdAt: string; objectType: string; objectId: string | null; action: string; status: string; message: string | null }>
      nextCursor: string | null
    }
    for (const l of page.items) {
      yield* Console.log(`${l.createdAt}  ${l.status.padEnd(8)} ${l.action.padEnd(6)} ${l.objectType}${l.objectId === null ? "" : ` ${l.objectId}`}  ${l.message ?? ""}`)
    }
    if (page.nextCursor !== null) yield* Console.log(`more: autodialer crm logs ${id} --cursor ${page.nextCursor}`)
  })).pipe(Command.withDescription("The sync log of a connection, newest first"))

/** `crm pause ID` / `crm resume ID`: the connection's scheduled syncs stop or start again. */
const crmPauseResume = (action: "pause" | "resume") =>
  Command.make(action, { id: Argument.String("id"), url, token }, ({ id, url, token }) =>
    Effect.gen(function*() {
      const c = (yield* Client.request(target(url, token), "POST", `/crm/connections/${encodeURIComponent(id)}/${action}`)) as CrmConnectionView
      yield* Console.log(action === "pause"
        ? `paused the syncs of "${c.name}" (${c.id}); resume them with: autodialer crm resume ${c.id}`
        : `resumed the syncs of "${c.name}" (${c.id}); run one now with: autodialer crm sync ${c.id}`)
    })).pipe(Command.withDescription(action === "pause"
      ? "Pause a connection's scheduled syncs (manager or admin)"
      : "Resume a connection's scheduled syncs (manager or admin)"))

const crmDisconnect = Command.make("disconnect", { id: Argument.String("id"), url, token }, ({ id, url, token }) =>
  Effect.gen(function*() {
    yield* Client.request(target(url, token), "DELETE", `/crm/connections/${encodeURIComponent(id)}`)
    yield* Console.log(`disconnected ${id}; its sync schedule is deleted and its log kept`)
  })).pipe(Command.withDescription("Disconnect a CRM (manager or admin)"))

const crm = Command.make("crm").pipe(
  Command.withSubcommands([crmConnect, crmList, crmSync, crmPauseResume("pause"), crmPauseResume("resume"), crmLogs, crmDisconnect]),
  Command.withDescription("CRM connections, syncs and sync logs")
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
  Command.withSubcommands([start, serve, migrate, org, importCmd, campaign, crm, status]),
  Command.withDescription("Autodialer: outbound calling platform")
)

export const run = Command.run(root, { version: "0.1.0" })
