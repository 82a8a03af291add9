import { defineConfig } from "vitest/config"

// The package as its users get it: `npm pack`, installed into throwaway projects under the
// system temp dir (ESM, bundler resolution, CommonJS, an esbuild bundle, --ignore-scripts,
// the lowest supported peers). Needs the npm registry. `npm run test:consumers` builds first.
// Files end in `.consumer.ts`, so `npm test` (test/**/*.test.ts) never picks them up.
export default defineConfig({
  test: {
    include: ["test/consumers/**/*.consumer.ts"],
    globalSetup: ["test/consumers/globalSetup.ts"],
    testTimeout: 240_000,
    hookTimeout: 300_000, // a project's npm install
    // Two cores: one project installs while another type-checks.
    maxWorkers: 2,
    minWorkers: 1
  }
})
