import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: file-level parallelism beyond that only adds contention for the scan tests.
    maxWorkers: 2,
    minWorkers: 1
  }
})
