#!/usr/bin/env node
// The `autodialer` command. From a built package it runs dist/; from a source
// checkout (no build step) it re-runs Node with the source export condition.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const built = fileURLToPath(new URL("../dist/src/cli/main.js", import.meta.url))
if (existsSync(built)) {
  await import(built)
} else {
  const source = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url))
  const result = spawnSync(process.execPath, ["--conditions=@autodialer/source", source, ...process.argv.slice(2)], { stdio: "inherit" })
  process.exit(result.status ?? 1)
}
