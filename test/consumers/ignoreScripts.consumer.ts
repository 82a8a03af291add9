/**
 * 5. `npm install --ignore-scripts <tarball>` and nothing else: npm brings the peers, the flock
 * binding loads from its prebuilt binaries without its install script, appends take the lock,
 * and the `session-index` command works.
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, inject, it } from "vitest"
import { appJs, LOWEST_PEERS, VERSION } from "./apps.js"
import { describeRun, expectLockedAppend, expectSuccess, makeProject, npmInstall, run, runHoldingLock } from "./helpers.js"

const versionOf = (dir: string, pkg: string): string =>
  (JSON.parse(fs.readFileSync(path.join(dir, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version

describe("npm install --ignore-scripts", () => {
  const { root, tarball } = inject("consumers")
  let dir: string

  beforeAll(async () => {
    dir = makeProject(root, "ignore-scripts", { type: "module" }, { "app.mjs": appJs("esm") })
    await npmInstall(dir, [tarball], ["--ignore-scripts"])
  })

  it("installs the peers and the binding, whose install script never ran", () => {
    for (const peer of Object.keys(LOWEST_PEERS)) expect(fs.existsSync(path.join(dir, "node_modules", peer, "package.json")), peer).toBe(true)
    console.log(`ignore-scripts: peers ${Object.keys(LOWEST_PEERS).map((p) => `${p}@${versionOf(dir, p)}`).join(" ")}`)
    const binding = path.join(dir, "node_modules", "fs-ext-extra-prebuilt")
    expect(fs.existsSync(path.join(binding, "package.json"))).toBe(true)
    expect(fs.existsSync(path.join(binding, "build")), "no node-gyp build: the script did not run").toBe(false)
  })

  it("runs: a locked append and lookups", async () => {
    const home = path.join(dir, "codex-home")
    const id = randomUUID()
    const name = "ignore scripts"
    const ran = await runHoldingLock(process.execPath, ["app.mjs", "append", home, id, name], { cwd: dir, home, name })
    const result = expectLockedAppend(ran, { home, id, name })
    expect(result).toMatchObject({ version: VERSION, internal: "ERR_PACKAGE_PATH_NOT_EXPORTED", refused: "InvalidThreadName" })
  })

  it("the session-index command renames and reads back, with the lock", async () => {
    const home = path.join(dir, "cli-home")
    const id = randomUUID()
    const renamed = expectSuccess(await run("npx", ["--no", "--", "session-index", "rename", id, "renamed by cli", "--codex-home", home], { cwd: dir, timeoutMs: 60_000 }))
    expect(renamed.stderr, describeRun(renamed)).not.toContain("without Codex's lock")
    const named = expectSuccess(await run("npx", ["--no", "--", "session-index", "name", id, "--codex-home", home], { cwd: dir, timeoutMs: 60_000 }))
    expect(named.stdout.trim()).toBe("renamed by cli")
    expect(fs.existsSync(path.join(home, "session_index.jsonl.lock"))).toBe(true)
  })
})
