/**
 * 5. `npm install --ignore-scripts <tarball>` and nothing else: npm brings the peers, the flock
 * binding loads from its prebuilt binaries without its install script, appends take the lock,
 * and the `session-index` command works; the catalog reads Codex's database with the installed
 * sql.js and its wasm, from the command's bundle and from the library.
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, inject, it } from "vitest"
import { appJs, LOWEST_PEERS, VERSION } from "./apps.js"
import { databaseBytes, loadMaker, PAGE, transaction, walBytes, walMode } from "../helpers/stateDb.js"
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

  it("the catalog names a thread from Codex's database (in its write-ahead log), by the command and by the library", async () => {
    const home = path.join(dir, "db-home")
    const id = randomUUID()
    const sessions = path.join(home, "sessions", "2025", "01", "14")
    fs.mkdirSync(sessions, { recursive: true })
    const meta = { id, timestamp: "2025-01-14T21:06:17Z", cwd: "/work", originator: "codex_cli_rs", cli_version: "0.169.0", source: "cli", history_mode: "paginated" }
    fs.writeFileSync(
      path.join(sessions, `rollout-2025-01-14T21-06-17-${id}.jsonl`),
      [{ timestamp: "t", type: "session_meta", payload: meta }, { timestamp: "t", type: "event_msg", payload: { type: "user_message", message: "hello", images: [] } }]
        .map((line) => JSON.stringify(line) + "\n")
        .join("")
    )
    // As a running Codex leaves it: the database file a bare header, the thread and its name in the log.
    await loadMaker()
    const bytes = databaseBytes([{ id, title: "hello", name: "named in the database" }])
    fs.writeFileSync(path.join(home, "state_5.sqlite"), walMode(bytes).subarray(0, PAGE))
    fs.writeFileSync(path.join(home, "state_5.sqlite-wal"), walBytes(transaction(new Uint8Array(), bytes)))
    const listed = expectSuccess(await run("npx", ["--no", "--", "session-index", "threads", "--json", "--codex-home", home], { cwd: dir, timeoutMs: 60_000 }))
    expect(listed.stdout.trim().split("\n").map((line) => JSON.parse(line).name), describeRun(listed)).toEqual(["named in the database"])
    expect(listed.stderr, describeRun(listed)).not.toContain("without Codex's database")
    fs.writeFileSync(
      path.join(dir, "threads.mjs"),
      [
        `import { Effect, Option } from "effect"`,
        `import { NodeSessionIndex, ThreadCatalog } from "session-index"`,
        `const page = await Effect.runPromise(Effect.flatMap(ThreadCatalog, (c) => c.page()).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: process.argv[2] }))))`,
        `console.log(JSON.stringify(page.threads.map((t) => Option.getOrNull(t.name))))`
      ].join("\n")
    )
    const library = expectSuccess(await run(process.execPath, ["threads.mjs", home], { cwd: dir, timeoutMs: 60_000 }))
    expect(JSON.parse(library.stdout), describeRun(library)).toEqual(["named in the database"])
    expect(library.stderr, describeRun(library)).not.toContain("without Codex's database")
    expect(fs.readdirSync(home).sort()).toEqual(["sessions", "state_5.sqlite", "state_5.sqlite-wal"])
  })
})
