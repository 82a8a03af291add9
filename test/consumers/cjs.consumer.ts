/**
 * 3. CommonJS consumers (a `"type": "commonjs"` project): a .cjs app that `require`s the package
 * at runtime (Node's require(esm)), and the same app in TypeScript compiled to CommonJS under
 * module "nodenext", under moduleResolution "node10", and (refused by tsc) under module "node16".
 */
import { randomUUID } from "node:crypto"
import * as path from "node:path"
import { beforeAll, describe, expect, inject, it } from "vitest"
import { APP_CTS, appJs, tsconfig, VERSION } from "./apps.js"
import { describeRun, expectLockedAppend, expectSuccess, projectFromBase, runHoldingLock, tsc } from "./helpers.js"

describe("CommonJS", () => {
  const consumers = inject("consumers")
  let dir: string

  beforeAll(() => {
    dir = projectFromBase(consumers, "commonjs", { type: "commonjs" }, {
      "app.cjs": appJs("cjs"),
      "src/app.ts": APP_CTS,
      // The package's .d.ts resolve as under ESM NodeNext (they are ESM): checked there.
      "tsconfig.json": tsconfig({ module: "NodeNext", moduleResolution: "NodeNext", outDir: "out-nodenext", rootDir: "src", skipLibCheck: true }),
      "tsconfig.node10.json": tsconfig({ module: "CommonJS", moduleResolution: "Node10", outDir: "out-node10", rootDir: "src" }),
      "tsconfig.node16.json": tsconfig({ module: "Node16", moduleResolution: "Node16", noEmit: true, skipLibCheck: true })
    })
  })

  const appendFrom = async (script: string, label: string) => {
    const home = path.join(dir, `home-${label}`)
    const id = randomUUID()
    const name = `commonjs ${label}`
    const ran = await runHoldingLock(process.execPath, [script, "append", home, id, name], { cwd: dir, home, name })
    const result = expectLockedAppend(ran, { home, id, name })
    expect(result).toMatchObject({ refused: "InvalidThreadName" })
    return { ran, result }
  }

  it("require(\"session-index\") from a .cjs file works at runtime (require(esm)); internals stay closed", async () => {
    const { ran, result } = await appendFrom("app.cjs", "cjs")
    expect(result).toMatchObject({ version: VERSION, internal: "ERR_PACKAGE_PATH_NOT_EXPORTED", refusedIsSessionIndexError: true })
    console.log(`commonjs: require(esm) stderr: ${JSON.stringify(ran.stderr)}`)
  })

  it("TypeScript, module nodenext in a commonjs package: type-checks, compiles to require(), runs", async () => {
    expectSuccess(await tsc(dir, ["-p", "tsconfig.json"]))
    await appendFrom(path.join("out-nodenext", "app.js"), "nodenext")
  })

  it("TypeScript, module commonjs + moduleResolution node10 (top-level \"types\", exports ignored): type-checks and runs", async () => {
    expectSuccess(await tsc(dir, ["-p", "tsconfig.node10.json"]))
    await appendFrom(path.join("out-node10", "app.js"), "node10")
  })

  // What is true, not what is wished: under module node16 (and node18) TypeScript refuses to let a
  // CommonJS file import an ES module, even though Node >= 20.19 can require() it. Only module
  // nodenext (TS >= 5.8) / node20 (TS >= 5.9) model require(esm). Shipping CommonJS types would not
  // change that without a CommonJS build.
  it("TypeScript, module node16 in a commonjs package: refused with TS1479 (an ESM-only package)", async () => {
    const ran = await tsc(dir, ["-p", "tsconfig.node16.json"])
    expect(ran.code, describeRun(ran)).not.toBe(0)
    const errors = ran.stdout.split("\n").filter((line) => line.includes("error TS"))
    expect(errors, describeRun(ran)).toEqual([expect.stringMatching(/^src\/app\.ts\(2,\d+\): error TS1479: .*ECMAScript module/)])
  })
})
