import { defineConfig } from "vitest/config"

// The interop suite against the real Codex binary: kept out of `npm test` (a 400 MB download).
export default defineConfig({
  test: {
    include: ["test/interop/**/*.test.ts"],
    globalSetup: ["test/interop/installCodex.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false
  }
})
