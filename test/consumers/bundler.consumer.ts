/**
 * 2. TypeScript with moduleResolution "bundler": type-checked with module ESNext (lib checking on:
 * the package's .d.ts resolved by bundler rules), and with module Preserve (same resolution, lib
 * checking off, the app's probes still on).
 */
import { beforeAll, describe, inject, it } from "vitest"
import { APP_TS, tsconfig } from "./apps.js"
import { expectSuccess, projectFromBase, tsc } from "./helpers.js"

describe("TypeScript moduleResolution bundler", () => {
  const consumers = inject("consumers")
  let dir: string

  beforeAll(() => {
    dir = projectFromBase(consumers, "ts-bundler", { type: "module" }, {
      "src/app.ts": APP_TS,
      "tsconfig.esnext.json": tsconfig({ module: "ESNext", moduleResolution: "bundler", noEmit: true }),
      "tsconfig.preserve.json": tsconfig({ module: "Preserve", moduleResolution: "bundler", noEmit: true, skipLibCheck: true })
    })
  })

  it("type-checks with module ESNext", async () => {
    expectSuccess(await tsc(dir, ["-p", "tsconfig.esnext.json"]))
  })

  it("type-checks with module Preserve", async () => {
    expectSuccess(await tsc(dir, ["-p", "tsconfig.preserve.json"]))
  })
})
