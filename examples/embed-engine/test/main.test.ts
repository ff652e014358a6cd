import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const run = (...args: Array<string>): string =>
  execFileSync(process.execPath, ["--conditions=@autodialer/source", main, ...args], { encoding: "utf8", timeout: 60_000 })

describe("examples/embed-engine", () => {
  it("prints the same summary, byte for byte, for the same seed", () => {
    const a = run("--seed", "7", "--hours", "1")
    const b = run("--seed", "7", "--hours", "1")
    expect(b).toBe(a)
    expect(a).toContain("pacer autodialer")
    expect(a).toMatch(/dials\s+\d+/)
  })

  it("prints a different run for another seed", () => {
    expect(run("--seed", "8", "--hours", "1")).not.toBe(run("--seed", "7", "--hours", "1"))
  })

  it("rejects a malformed seed", () => {
    expect(() => execFileSync(process.execPath, ["--conditions=@autodialer/source", main, "--seed", "x"], { stdio: "pipe" })).toThrow()
  })
})
