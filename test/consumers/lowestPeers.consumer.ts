/**
 * 6. The lowest versions the peer ranges admit, installed explicitly (nothing newer anywhere in
 * the tree): the app type-checks against their types, runs, and `npx session-index` starts.
 */
import { randomUUID } from "node:crypto"
import * as path from "node:path"
import { beforeAll, describe, expect, inject, it } from "vitest"
import { APP_TS, LOWEST_PEERS, tsconfig, TYPESCRIPT, VERSION } from "./apps.js"
import { describeRun, expectLockedAppend, expectSuccess, makeProject, npmInstall, run, runHoldingLock, tsc } from "./helpers.js"

interface LsNode {
  readonly version?: string
  readonly dependencies?: Record<string, LsNode>
}

describe("lowest supported peers", () => {
  const { root, tarball } = inject("consumers")
  let dir: string

  beforeAll(async () => {
    dir = makeProject(root, "lowest-peers", { type: "module" }, {
      "src/app.ts": APP_TS,
      "tsconfig.json": tsconfig({ module: "NodeNext", moduleResolution: "NodeNext", outDir: "dist", rootDir: "src" })
    })
    await npmInstall(dir, [tarball, ...Object.entries(LOWEST_PEERS).map(([name, version]) => `${name}@${version}`), ...TYPESCRIPT])
  })

  it("the tree holds exactly those versions of the peers", async () => {
    const ls = await run("npm", ["ls", "--all", "--json", ...Object.keys(LOWEST_PEERS)], { cwd: dir, timeoutMs: 60_000 })
    expectSuccess(ls)
    const seen = new Map<string, Set<string>>()
    const walk = (deps: Record<string, LsNode> | undefined) => {
      for (const [name, node] of Object.entries(deps ?? {})) {
        if (name in LOWEST_PEERS && node.version !== undefined) seen.set(name, (seen.get(name) ?? new Set()).add(node.version))
        walk(node.dependencies)
      }
    }
    walk((JSON.parse(ls.stdout) as LsNode).dependencies)
    expect(Object.fromEntries([...seen].map(([name, versions]) => [name, [...versions]]))).toEqual(
      Object.fromEntries(Object.entries(LOWEST_PEERS).map(([name, version]) => [name, [version]]))
    )
  })

  it("type-checks against the lowest peers' types and runs: a locked append and lookups", async () => {
    expectSuccess(await tsc(dir, ["-p", "."]))
    const home = path.join(dir, "codex-home")
    const id = randomUUID()
    const name = "lowest peers"
    const ran = await runHoldingLock(process.execPath, ["dist/app.js", "append", home, id, name], { cwd: dir, home, name })
    expect(expectLockedAppend(ran, { home, id, name })).toMatchObject({ internal: "ERR_PACKAGE_PATH_NOT_EXPORTED" })
  })

  it("npx session-index --version runs, and the command answers", async () => {
    // `--no --`: never fetch from the registry; without `--`, npx would take --version for itself.
    const version = expectSuccess(await run("npx", ["--no", "--", "session-index", "--version"], { cwd: dir, timeoutMs: 60_000 }))
    expect(version.stdout.trim(), describeRun(version)).toBe(VERSION)
    const home = path.join(dir, "cli-home")
    const id = randomUUID()
    expectSuccess(await run("npx", ["--no", "--", "session-index", "rename", id, "lowest cli", "--codex-home", home], { cwd: dir, timeoutMs: 60_000 }))
    const named = expectSuccess(await run("npx", ["--no", "--", "session-index", "name", id, "--codex-home", home], { cwd: dir, timeoutMs: 60_000 }))
    expect(named.stdout.trim()).toBe("lowest cli")
  })
})
