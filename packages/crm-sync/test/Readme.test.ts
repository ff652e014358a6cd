/**
 * Runs the README's usage block as a real program (Node with the source condition) against the
 * HubSpot loopback fake, so the documented example cannot rot.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { startFakeHubSpot } from "./fakes/FakeHubSpot.ts"
import { seedContacts } from "./fakes/Loopback.ts"

const packageDir = join(import.meta.dirname, "..")

describe("README", () => {
  it("usage example runs: pulls every contact, pushes once, detects the retry", async () => {
    const readme = await readFile(join(packageDir, "README.md"), "utf8")
    const code = /## Usage[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.isDefined(code)
    const fake = await startFakeHubSpot()
    seedContacts(fake.state)
    const dir = await mkdtemp(join(packageDir, ".readme-"))
    try {
      const file = join(dir, "example.ts")
      await writeFile(file, code!)
      const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=@autodialer/source", file], {
        cwd: dir,
        timeout: 20_000,
        env: {
          ...process.env,
          HUBSPOT_ACCESS_TOKEN: fake.state.accessToken,
          HUBSPOT_BASE_URL: fake.url,
          AUTODIALER_SECRET_KEYS: `readme:${Buffer.alloc(32, 9).toString("base64")}`
        }
      })
      const [count, first, again, next] = stdout.trim().split(" ")
      assert.strictEqual(count, "5")
      assert.strictEqual(first, "Created")
      assert.strictEqual(again, "Duplicate")
      assert.include(next!, "2026-01-01T00:04:00.000Z")
      assert.strictEqual(fake.state.calls.length, 1)
    } finally {
      await rm(dir, { recursive: true, force: true })
      await fake.close()
    }
  }, 30_000)
})
