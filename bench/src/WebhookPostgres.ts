/**
 * The webhook benchmark's Postgres binaries, and a throwaway Postgres cluster
 * of its own (`--own-postgres`).
 *
 * Why a cluster of its own: on a shared development server every other
 * user's `CREATE DATABASE` (each integration test file makes one) forces a
 * checkpoint, and the checkpoint's sync stalls every commit in the cluster
 * for tens to hundreds of milliseconds, which lands in the webhook p99 and
 * in pgbench alike. The private cluster has the stock settings (fsync and
 * synchronous_commit on, 128 MB shared buffers); it still shares the cores
 * and the disk.
 */
import { execFile, execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A Postgres client or server binary from PATH, else the newest /usr/lib/postgresql/N/bin. */
export const postgresBinary = (name: "pgbench" | "psql" | "initdb" | "pg_ctl"): string => {
  try {
    const found = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim()
    if (found !== "") return found
  } catch { /* not on PATH */ }
  const base = "/usr/lib/postgresql"
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (existsSync(`${base}/${v}/bin/${name}`)) return `${base}/${v}/bin/${name}`
  throw new Error(`${name} not found on PATH or in ${base}/*/bin: install postgresql (apt-get install -y postgresql)`)
}

const exec = (file: string, args: ReadonlyArray<string>, timeoutMs: number) =>
  new Promise<string>((done, fail) =>
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? fail(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stderr}`)) : done(`${stdout}${stderr}`)))

export interface PrivatePostgres {
  /** Superuser URL of the cluster's `postgres` database. */
  readonly url: string
  readonly stop: () => Promise<void>
}

/**
 * initdb + pg_ctl start on `port` (127.0.0.1 only, trust auth), data in a
 * temporary directory removed by `stop`. As root, the server runs as the
 * `postgres` user (Postgres refuses to run as root).
 */
export const startPrivatePostgres = async (port: number): Promise<PrivatePostgres> => {
  const initdb = postgresBinary("initdb")
  const pgCtl = postgresBinary("pg_ctl")
  const dir = mkdtempSync(join(tmpdir(), "autodialer-bench-pg-"))
  const root = process.getuid?.() === 0
  const asOwner = (file: string, args: ReadonlyArray<string>): [string, ReadonlyArray<string>] =>
    root ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args]
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, "data")
  await exec(...asOwner(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]), 60_000)
  await exec(...asOwner(pgCtl, [
    "-D", data, "-l", join(dir, "server.log"), "-w", "-t", "30",
    "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, "start"
  ]), 40_000)
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await exec(...asOwner(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]), 30_000).catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
