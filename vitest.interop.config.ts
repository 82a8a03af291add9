import { defineConfig } from "vitest/config"

// The interop suite against the real Codex binary: kept out of `npm test` (a 400 MB download).
// `npm run test:interop`; the global setup installs Codex into .cache/codex/ on first run.
export default defineConfig({
  test: {
    include: ["test/interop/**/*.test.ts"],
    globalSetup: ["test/interop/installCodex.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000, // the first run downloads Codex
    fileParallelism: false,
    maxWorkers: 1,
    minWorkers: 1
  }
})
