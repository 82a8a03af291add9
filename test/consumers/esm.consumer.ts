/**
 * 1. An ESM app (`"type": "module"`), TypeScript with module/moduleResolution NodeNext, strict,
 * lib checking on: type-checked and compiled by tsc, then run. The same tsc run also checks
 * every .d.ts the tarball ships (one run: each costs ~15 s here).
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, inject, it } from "vitest"
import { APP_TS, tsconfig } from "./apps.js"
import { describeRun, expectLockedAppend, expectSuccess, projectFromBase, type Ran, runHoldingLock, tsc } from "./helpers.js"

const nodeNext = { module: "NodeNext", moduleResolution: "NodeNext" }
const inPackage = (line: string, under: string) => line.startsWith(`node_modules/session-index/dist/${under}`)

describe("ESM app, TypeScript NodeNext", () => {
  const consumers = inject("consumers")
  let dir: string
  let checked: Ran
  let errors: Array<string>

  beforeAll(async () => {
    dir = projectFromBase(consumers, "esm-nodenext", { type: "module" }, {
      "src/app.ts": APP_TS,
      "tsconfig.json": tsconfig({ ...nodeNext, outDir: "dist", rootDir: "src" }),
      // The app and every .d.ts the tarball ships, reachable or not.
      "tsconfig.shipped.json": tsconfig({ ...nodeNext, outDir: "dist", rootDir: "src" }, [
        "src",
        "node_modules/session-index/dist/**/*.d.ts"
      ])
    })
    checked = await tsc(dir, ["-p", "tsconfig.shipped.json"])
    errors = checked.stdout.split("\n").filter((line) => line.includes("error TS"))
  })

  it("type-checks (strict, lib checking on): no error in the app or the public .d.ts", () => {
    const outsideInternals = errors.filter((line) => !inPackage(line, "internal/") && !inPackage(line, "cli/"))
    expect(outsideInternals, describeRun(checked)).toEqual([])
    expect(fs.existsSync(path.join(dir, "dist", "app.js")), describeRun(checked)).toBe(true)
  })

  it("the public types reach no internal .d.ts", async () => {
    const listed = expectSuccess(await tsc(dir, ["-p", "tsconfig.json", "--listFilesOnly"]))
    const marker = "/node_modules/session-index/"
    const ours = listed.stdout
      .split("\n")
      .filter((file) => file.includes(marker))
      .map((file) => file.slice(file.indexOf(marker) + marker.length))
      .sort()
    expect(ours).toEqual([
      "dist/Errors.d.ts",
      "dist/IndexReader.d.ts",
      "dist/IndexWriter.d.ts",
      "dist/NodeSessionIndex.d.ts",
      "dist/RolloutReader.d.ts",
      "dist/Schema.d.ts",
      "dist/ThreadCatalog.d.ts",
      "dist/index.d.ts"
    ])
  })

  it("runs: a locked append, lookups by id and name, internals closed", async () => {
    const home = path.join(dir, "codex-home")
    const id = randomUUID()
    const name = "esm nodenext"
    const ran = await runHoldingLock(process.execPath, ["dist/app.js", "append", home, id, name], { cwd: dir, home, name })
    const result = expectLockedAppend(ran, { home, id, name })
    expect(result).toMatchObject({
      latest: [name],
      refused: "InvalidThreadName",
      refusedIsSessionIndexError: true,
      internal: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
  })

  // Internal modules are closed by `exports` but shipped: their declarations must be whole too.
  it("every .d.ts the tarball ships type-checks", () => {
    expect(errors, `${errors.length} errors, e.g.\n${errors.slice(0, 5).join("\n")}`).toEqual([])
  })
})
