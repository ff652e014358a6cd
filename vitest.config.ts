import { defineConfig } from "vitest/config"

// One vitest run over every workspace. Sources are resolved through the
// "@autodialer/source" export condition, so tests never need a prior build.
export default defineConfig({
  resolve: { conditions: ["@autodialer/source"] },
  ssr: { resolve: { conditions: ["@autodialer/source"] } },
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "packages/server/web/test/**/*.test.ts",
      "bench/test/**/*.test.ts",
      "examples/*/test/**/*.test.ts"
    ],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./testkit/src/SummaryReporter.ts"]
  }
})
