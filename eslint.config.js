// @ts-check
import js from "@eslint/js"
import tseslint from "typescript-eslint"
import globals from "globals"

const nodeBuiltins = [
  "fs", "path", "os", "crypto", "child_process", "net", "http", "https", "url", "util", "events",
  "stream", "worker_threads", "dns", "zlib", "timers", "process", "buffer", "perf_hooks"
]

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", ".tools/**", "data/**", "bench/out/**", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "warn",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off"
    }
  },
  {
    // The engine and the simulator are deterministic: time and randomness are inputs.
    files: ["packages/dialer-engine/src/**/*.ts"],
    rules: {
      "no-restricted-properties": ["error",
        { object: "Math", property: "random", message: "The engine is deterministic: take a seeded Rng as input." },
        { object: "Date", property: "now", message: "The engine never reads the clock: take `now` as input." }
      ],
      "no-restricted-syntax": ["error",
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: "The engine never reads the clock." }
      ]
    }
  },
  {
    // Temporal workflow code is replayed: no Node built-ins, no Effect runtime.
    files: ["packages/workflows/src/workflows/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [
          { name: "effect", message: "Workflows are plain TypeScript; run Effect code in activities." },
          ...nodeBuiltins.flatMap((m) => [
            { name: m, message: "Node built-ins are not deterministic inside workflows." },
            { name: `node:${m}`, message: "Node built-ins are not deterministic inside workflows." }
          ])
        ],
        patterns: [
          { group: ["effect/*", "@effect/*"], message: "Workflows are plain TypeScript; run Effect code in activities." },
          { group: ["node:*"], message: "Node built-ins are not deterministic inside workflows." }
        ]
      }]
    }
  }
)
