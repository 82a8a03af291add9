import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Needs the real Codex binary (a 400 MB download): `npm run test:interop`.
    exclude: ["test/interop/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: file-level parallelism beyond that only adds contention for the scan tests.
    maxWorkers: 2,
    minWorkers: 1
  }
})
