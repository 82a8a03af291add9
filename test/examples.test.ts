/**
 * The programs in `examples/` type-check against the built package (`dist/`, through the
 * package's own name), run, and print what they are meant to; the README's quick start is
 * `examples/quickstart.ts`, character for character.
 *
 * They are compiled once, with `examples/tsconfig.json` (emitting this time), into a scratch
 * folder under `.cache/` (ignored by git). It has to be inside this package: Node resolves
 * `"session-index"` and `"effect"` from where the compiled file is, by the package's own name
 * and through `node_modules/`. Everything runs as asynchronous child processes (a `spawnSync`
 * would block this worker's event loop and stall vitest's RPC).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliResult, start } from "./cli/runCli.js"

const root = path.resolve(__dirname, "..")
const examples = path.join(root, "examples")
const tsc = path.join(root, "node_modules/typescript/bin/tsc")

let outDir = ""
/** Where the examples make their scratch Codex homes (`TMPDIR` for the children). */
let tmp = ""
let compiled: Promise<CliResult>

beforeAll(() => {
  if (!fs.existsSync(path.join(root, "dist/index.d.ts"))) {
    throw new Error("dist/ is missing: run `npm run build` first (npm test does)")
  }
  fs.mkdirSync(path.join(root, ".cache"), { recursive: true })
  outDir = fs.mkdtempSync(path.join(root, ".cache", "examples-"))
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "si-examples-"))
  compiled = start(process.execPath, [tsc, "-p", path.join(examples, "tsconfig.json"), "--noEmit", "false", "--noEmitOnError", "--outDir", outDir]).done
})

afterAll(() => {
  for (const dir of [outDir, tmp]) if (dir !== "") fs.rmSync(dir, { recursive: true, force: true })
})

/** Runs a compiled example; its scratch homes go under `tmp`, never into ~/.codex. */
const runExample = async (name: string, args: ReadonlyArray<string> = []): Promise<Array<string>> => {
  const build = await compiled
  expect(build.status, "the examples did not compile").toBe(0)
  const result = await start(process.execPath, [path.join(outDir, `${name}.js`), ...args], {
    env: { TMPDIR: tmp, EXAMPLE_CODEX_HOME: undefined, EXAMPLE_WORKERS: undefined, CODEX_HOME: undefined },
    timeoutMs: 60_000
  }).done
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" })
  return result.stdout.trimEnd().split("\n")
}

const ID = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
/** A scratch Codex home's index under `tmp`, as the examples print it. */
const scratchIndex = () => new RegExp(`^${tmp.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/codex-home-[^/]+/session_index\\.jsonl$`)

describe("examples/", () => {
  it("type-check with examples/tsconfig.json (strict, noUnusedLocals) against dist/", async () => {
    const build = await compiled
    expect(build.stdout + build.stderr).toBe("")
    expect(build.status).toBe(0)
    for (const name of ["quickstart", "compose", "picker", "follow"]) {
      expect(fs.existsSync(path.join(outDir, `${name}.js`)), name).toBe(true)
    }
  }, 180_000)

  it("the README's quick start is examples/quickstart.ts", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
    const block = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readme)
    expect(block, "no ```ts block under ## Quick start").not.toBeNull()
    expect(block![1]).toBe(fs.readFileSync(path.join(examples, "quickstart.ts"), "utf8"))
  })

  let quickstartHome = ""

  it("quickstart: appends a name and reads it back three ways", async () => {
    const [index, name, id, latest, ...rest] = await runExample("quickstart")
    expect(index).toMatch(/^index {2}/)
    const indexPath = index!.slice("index  ".length)
    expect(indexPath).toMatch(scratchIndex())
    expect(name).toBe("name   fix flaky ci")
    expect(id).toBe(`id     ${ID}`)
    const [, latestId, updatedAt, latestName] = /^latest (\S+) {2}(\S+) {2}(.*)$/.exec(latest!) ?? []
    expect([latestId, latestName]).toEqual([ID, "fix flaky ci"])
    expect(updatedAt).toMatch(TIMESTAMP)
    expect(rest).toEqual([])
    quickstartHome = path.dirname(indexPath)
  }, 180_000)

  it("compose: the app's own service and error over both layers; a typed I/O failure", async () => {
    const lines = await runExample("compose")
    expect(lines[0]).toMatch(/^index /)
    expect(lines[0]!.slice("index ".length)).toMatch(scratchIndex())
    expect(lines.slice(1, -1)).toEqual([
      "rename: ok",
      'title: "fix flaky ci"',
      'title by uppercase id: "fix flaky ci"',
      'rename to blank: rejected: invalid thread name "   ": a thread name cannot be blank',
      'title of a bad id: rejected: invalid thread id "not-a-thread-id": expected a hyphenated UUID (8-4-4-4-12 hex digits)',
      'title of an unnamed thread: "(untitled)"'
    ])
    const broken = /^title in a broken home: IndexIoError: read (.+) failed: not a regular file \(Directory\)$/.exec(lines.at(-1)!)
    expect(broken, lines.at(-1)).not.toBeNull()
    expect(broken![1]).toMatch(scratchIndex())
  }, 180_000)

  it("picker: the first page of latestEntries, then the catalog's first page of threads", async () => {
    const lines = await runExample("picker")
    expect(lines[0]!.slice("index ".length)).toMatch(scratchIndex())
    const id = (n: number) => `01950a3c-0000-7000-8000-${n.toString(16).padStart(12, "0")}`
    const at = (minute: number) => `2026-02-03T16:${String(minute).padStart(2, "0")}:00.000Z`
    const name = (n: number) => `${["fix", "add", "bump", "port", "trim"][n % 5]} ${["ci", "parser", "docs", "release", "cache", "worker"][n % 6]}`
    const row = (i: number, n: number, updatedAt: string, threadName: string) =>
      `${String(i).padStart(3)}. ${id(n)}  ${updatedAt.padEnd(24)}  ${threadName}`
    // Thread 4's and 7's renames are the newest lines; 10's blank rename carries no name.
    const older = [29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 6]
    expect(lines.slice(1)).toEqual([
      "",
      "newest named threads (latestEntries, first 25): 25",
      row(1, 4, at(32), "ship the release"),
      row(2, 7, "2025-12-31T23:59:00.000Z", "review the picker"),
      ...older.map((n, i) => row(i + 3, n, at(n), name(n))),
      "",
      "first page of threads (ThreadCatalog.page, 10 a page): 10, more: true",
      ...[31, 30].map((n) => `     ${id(n)}  (session ${n})`),
      ...[29, 28, 27, 26, 25, 24, 23, 22].map((n) => `     ${id(n)}  ${name(n)}`)
    ])
  }, 180_000)

  it("picker with a Codex home given only reads it", async () => {
    expect(quickstartHome, "the quickstart test runs first").not.toBe("")
    const indexPath = path.join(quickstartHome, "session_index.jsonl")
    const before = fs.readFileSync(indexPath)
    const lines = await runExample("picker", [quickstartHome])
    expect(lines).toEqual([
      `index ${indexPath}`,
      "",
      "newest named threads (latestEntries, first 25): 1",
      expect.stringMatching(new RegExp(`^ {2}1\\. ${ID} {2}\\S+ +fix flaky ci$`)),
      "",
      "first page of threads (ThreadCatalog.page, 10 a page): 0, more: false"
    ])
    expect(fs.readFileSync(indexPath)).toEqual(before)
    expect(fs.readdirSync(quickstartHome).sort()).toEqual(["session_index.jsonl", "session_index.jsonl.lock"])
  }, 180_000)

  it("follow: five consecutive renames from the moment it subscribed, then stops", async () => {
    const [header, ...rest] = await runExample("follow")
    expect(header).toMatch(/^following (.+) for 5 entries or 1 minute$/)
    expect(header!.slice("following ".length, -" for 5 entries or 1 minute".length)).toMatch(scratchIndex())
    expect(rest.at(-1)).toBe("5 entries")
    const entries = rest.slice(0, -1).map((line) => line.split("  "))
    expect(entries).toHaveLength(5)
    for (const [updatedAt, id] of entries) {
      expect(updatedAt).toMatch(TIMESTAMP)
      expect(id).toBe(ID)
    }
    // Renames made before the feed subscribed are not in it; from then on, every one, in order.
    const numbers = entries.map(([, , name]) => Number(/^rename (\d+)$/.exec(name!)?.[1]))
    expect(numbers).toEqual([0, 1, 2, 3, 4].map((k) => numbers[0]! + k))
  }, 180_000)
})
