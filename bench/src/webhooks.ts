/**
 * Webhook-ingestion benchmark (`npm run bench:webhooks`).
 *
 * Owns one measurement: how fast the real server (`autodialer serve`, a child
 * process) takes signed Twilio status callbacks on loopback, each one a new
 * provider event that is verified, stored in `call_events` and applied to its
 * call, against the rate of single-row inserts that `pgbench` reaches on the
 * same Postgres database with the same number of client connections.
 *
 * Phases: a short warm-up, a maximum-throughput run (closed loop), a fixed
 * 500 requests/s run (autocannon `overallRate`) for the latency goal, then
 * pgbench. A dedicated database is created on DATABASE_URL's server and
 * dropped at the end. Goals (issue 7): webhook rate >= half of pgbench's, and
 * p99 < 20 ms at 500 requests/s.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:webhooks [-- --duration 10 --connections 10]
 */
import autocannon from "autocannon"
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process"
import { createHmac } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)))
const authToken = "bench-twilio-auth-token-0123456789"
const accountSid = `AC${"b".repeat(32)}`
/** Statuses each seeded call receives, in order: three distinct events per call. */
const statuses = ["ringing", "in-progress", "completed"] as const

/** Twilio's documented request signature: base64 HMAC-SHA1 of the URL followed by each POST parameter, sorted by name, as name+value. */
export const twilioSignature = (token: string, url: string, params: Readonly<Record<string, string>>): string =>
  createHmac("sha1", token)
    .update(url + Object.keys(params).sort().map((k) => k + params[k]).join(""))
    .digest("base64")

/** The `tps = …` figure pgbench prints (excluding connection setup). */
export const parsePgbenchTps = (output: string): number => {
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ?? /tps = ([\d.]+)/.exec(output)
  if (match === null) throw new Error(`pgbench printed no "tps = …" line:\n${output}`)
  return Number(match[1])
}

const log = (line: string) => process.stderr.write(`[bench:webhooks] ${line}\n`)

const freePort = () =>
  new Promise<number>((done, fail) => {
    const s = createServer()
    s.on("error", fail)
    s.listen(0, "127.0.0.1", () => {
      const address = s.address()
      s.close(() => typeof address === "object" && address !== null ? done(address.port) : fail(new Error("no port")))
    })
  })

/** pgbench and psql from PATH, else the newest /usr/lib/postgresql/N/bin. */
const postgresBinary = (name: "pgbench" | "psql"): string => {
  try {
    const found = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim()
    if (found !== "") return found
  } catch { /* not on PATH */ }
  const base = "/usr/lib/postgresql"
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (existsSync(`${base}/${v}/bin/${name}`)) return `${base}/${v}/bin/${name}`
  throw new Error(`${name} not found on PATH or in ${base}/*/bin: install postgresql (apt-get install -y postgresql)`)
}

const run = (file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000) =>
  new Promise<string>((done, fail) =>
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? fail(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stderr}`)) : done(`${stdout}${stderr}`)))

const withDatabase = (url: string, name: string) => {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

const waitReady = async (url: string, child: ChildProcess, deadlineMs: number) => {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it was ready`)
    try {
      if ((await fetch(`${url}/readyz`)).ok) return
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`the server was not ready at ${url}/readyz within ${deadlineMs} ms`)
}

interface LoadResult {
  readonly requests: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
}

const load = (title: string, options: { url: string; connections: number; duration: number; rate?: number; next: () => { body: string; signature: string } }) =>
  new Promise<LoadResult>((done, fail) => {
    const instance = autocannon({
      url: options.url,
      method: "POST",
      connections: options.connections,
      duration: options.duration,
      ...(options.rate === undefined ? {} : { overallRate: options.rate }),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      requests: [{
        setupRequest: (request) => {
          const { body, signature } = options.next()
          return { ...request, body, headers: { ...request.headers, "x-twilio-signature": signature } }
        }
      }]
    }, (error, result) => {
      if (error !== null && error !== undefined) return fail(error)
      done({
        requests: result.requests.total, ok: result["2xx"], non2xx: result.non2xx, errors: result.errors + result.timeouts,
        rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99
      })
    })
    let second = 0
    let done2xx = 0
    instance.on("response", (_client, statusCode) => {
      if (statusCode >= 200 && statusCode < 300) done2xx++
    })
    // "tick" (once a second, with that second's request count) is emitted by autocannon 9 but missing from @types/autocannon 7.
    const ticks: NodeJS.EventEmitter = instance as unknown as NodeJS.EventEmitter
    ticks.on("tick", (tick: { counter: number }) => {
      second++
      // autocannon ticks once more as it drains; the run is over by then.
      if (second <= options.duration) log(`${title}: ${second}/${options.duration} s, ${tick.counter} req/s, ${done2xx} stored so far`)
    })
  })

const main = async () => {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "10" },
      rate: { type: "string", default: "500" }
    }
  })
  const duration = Number(values.duration)
  const connections = Number(values.connections)
  const rate = Number(values.rate)
  for (const [name, v] of [["--duration", duration], ["--connections", connections], ["--rate", rate]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got '${String(v)}'`)
  }
  const adminUrl = process.env["DATABASE_URL"]
  if (adminUrl === undefined || adminUrl === "") {
    throw new Error("DATABASE_URL is not set: point it at a Postgres server the benchmark may create a database on (postgres://user@127.0.0.1:5432/postgres)")
  }
  const psql = postgresBinary("psql")
  const pgbench = postgresBinary("pgbench")
  const dbName = `autodialer_bench_webhooks_${process.pid}`
  const dbUrl = withDatabase(adminUrl, dbName)
  const work = mkdtempSync(join(tmpdir(), "autodialer-bench-webhooks-"))
  const started = Date.now()
  let server: ChildProcess | undefined
  let serverLog = ""
  const sql = (url: string, text: string) => run(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", text])

  const cleanup = async () => {
    if (server !== undefined && server.exitCode === null) {
      server.kill("SIGTERM")
      await new Promise((r) => { server!.once("exit", r); setTimeout(r, 5_000) })
    }
    await sql(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e: unknown) => log(`could not drop ${dbName}: ${String(e)}`))
    rmSync(work, { recursive: true, force: true })
  }

  try {
    log(`creating database ${dbName}`)
    await sql(adminUrl, `CREATE DATABASE ${dbName}`)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const cli = [`--conditions=@autodialer/source`, join(root, "packages/server/src/cli/main.ts")]
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATABASE_URL: dbUrl, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: url,
      TWILIO_AUTH_TOKEN: authToken, TWILIO_ACCOUNT_SID: accountSid, LOG_LEVEL: "Warn", AUTODIALER_DATA_DIR: work
    }
    delete env["TEMPORAL_ADDRESS"]
    log("migrating and creating the organization (autodialer org create)")
    await run(process.execPath, [...cli, "org", "create", "--name", "Webhook bench", "--slug", "bench", "--admin-email", "admin@bench.test"], env, 90_000)

    // Enough calls that every request of every phase is a new event: three statuses per call.
    const maxRequests = Math.ceil((3 * 5_000 + (duration + 2) * 2 * 5_000) / statuses.length)
    const calls = Math.max(30_000, maxRequests)
    log(`seeding ${calls} calls`)
    await sql(dbUrl, `
      INSERT INTO calls (id, org_id, provider, provider_call_id, direction, from_number, to_number, status)
      SELECT gen_random_uuid(), o.id, 'twilio', 'CA' || lpad(to_hex(g), 32, '0'), 'outbound', '+14155550100', '+14155550123', 'initiated'
      FROM generate_series(1, ${calls}) g, (SELECT id FROM organizations WHERE slug = 'bench') o;
      ANALYZE calls;`)

    log(`starting the server (autodialer serve) on ${url}`)
    server = spawn(process.execPath, [...cli, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] })
    server.stdout?.on("data", (d: Buffer) => { serverLog = (serverLog + d.toString()).slice(-8_000) })
    server.stderr?.on("data", (d: Buffer) => { serverLog = (serverLog + d.toString()).slice(-8_000) })
    await waitReady(url, server, 90_000)

    const hook = `${url}/webhooks/twilio/status`
    let sent = 0
    const next = () => {
      const i = sent++
      const status = statuses[Math.floor(i / calls)]
      if (status === undefined) throw new Error(`ran out of seeded events after ${i} requests`)
      const params = { AccountSid: accountSid, CallSid: `CA${(i % calls + 1).toString(16).padStart(32, "0")}`, CallStatus: status, ApiVersion: "2010-04-01" }
      return { body: new URLSearchParams(params).toString(), signature: twilioSignature(authToken, hook, params) }
    }

    const warm = await load("warm-up", { url: hook, connections, duration: 2, next })
    const max = await load("max throughput", { url: hook, connections, duration, next })
    const fixed = await load(`fixed ${rate} req/s`, { url: hook, connections, duration, rate, next })

    const stored = Number((await sql(dbUrl, "SELECT count(*) FROM call_events")).trim())
    const answered = warm.ok + max.ok + fixed.ok
    log(`${stored} events stored for ${answered} answered requests`)

    log(`pgbench: ${connections} clients, ${duration} s, one INSERT per transaction`)
    await sql(dbUrl, `CREATE TABLE bench_pgbench_insert (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), event_key text NOT NULL UNIQUE, payload jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now())`)
    const script = join(work, "insert.sql")
    writeFileSync(script, `INSERT INTO bench_pgbench_insert (event_key, payload) VALUES (gen_random_uuid()::text, '{"CallStatus":"ringing","AccountSid":"${accountSid}"}');\n`)
    const pgbenchOut = await new Promise<string>((done, fail) => {
      const child = spawn(pgbench, ["-n", "-f", script, "-c", String(connections), "-j", "2", "-T", String(duration), "-P", "1", dbUrl])
      let out = ""
      child.stdout.on("data", (d: Buffer) => { out += d.toString() })
      child.stderr.on("data", (d: Buffer) => {
        out += d.toString()
        for (const line of d.toString().split("\n")) if (line.startsWith("progress")) log(`pgbench: ${line}`)
      })
      child.on("exit", (code) => code === 0 ? done(out) : fail(new Error(`pgbench exited with ${code}:\n${out}`)))
    })
    const pgTps = parsePgbenchTps(pgbenchOut)

    const consistent = answered <= stored && stored <= sent
    const halfGoal = max.rps >= pgTps / 2
    const latencyGoal = fixed.p99 < 20 && fixed.rps >= rate * 0.95
    const rows: ReadonlyArray<ReadonlyArray<string>> = [
      ["run", "req/s", "p50 ms", "p99 ms", "2xx", "non-2xx", "errors"],
      ["webhooks, max throughput", max.rps.toFixed(0), max.p50.toFixed(1), max.p99.toFixed(1), String(max.ok), String(max.non2xx), String(max.errors)],
      [`webhooks, fixed ${rate} req/s`, fixed.rps.toFixed(0), fixed.p50.toFixed(1), fixed.p99.toFixed(1), String(fixed.ok), String(fixed.non2xx), String(fixed.errors)],
      ["pgbench single-row INSERT", pgTps.toFixed(0), "", "", "", "", ""]
    ]
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
    const line = (r: ReadonlyArray<string>) => `| ${r.map((cell, c) => c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)).join(" | ")} |`
    const out = [
      "",
      `Webhook ingestion: ${connections} connections, ${duration} s per run, server and Postgres on loopback (${dbName})`,
      line(rows[0]!),
      `|${widths.map((w, c) => c === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`).join("|")}|`,
      ...rows.slice(1).map(line),
      "",
      // Requests still in flight when a run's time is up are stored but not counted as answered: answered <= stored <= sent.
      `events stored: ${stored}; requests answered 2xx: ${answered}; sent: ${sent} (each request a new provider event)${consistent ? "" : " MISMATCH"}`,
      `goal: webhook rate >= 1/2 of pgbench (${max.rps.toFixed(0)} vs ${(pgTps / 2).toFixed(0)}): ${halfGoal ? "MET" : "NOT MET"}`,
      `goal: p99 < 20 ms at ${rate} req/s (${fixed.p99.toFixed(1)} ms at ${fixed.rps.toFixed(0)} req/s): ${latencyGoal ? "MET" : "NOT MET"}`,
      `total time ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ""
    ]
    process.stdout.write(out.join("\n"))
    // Every request should have been a stored event: anything else makes the figures meaningless.
    if (!consistent || max.non2xx + fixed.non2xx + max.errors + fixed.errors > 0) {
      throw new Error(`some webhook requests failed (non-2xx, errors, or answered without a stored event); server log tail:\n${serverLog}`)
    }
  } finally {
    await cleanup()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:webhooks failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
