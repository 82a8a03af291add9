import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { tempDirSync } from "../helpers/codexHome.js"
import { main, run, start } from "./runCli.js"

const A = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
const B = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"
const C = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a25"
const line = (id: string, name: string, at = "2026-02-03T16:08:29.123Z") =>
  JSON.stringify({ id, thread_name: name, updated_at: at }) + "\n"

const tempDir = () => tempDirSync("si-cli-")

const fixture = () => {
  const home = tempDir()
  fs.writeFileSync(
    path.join(home, "session_index.jsonl"),
    line(A, "old name") + line(B, "beta") + "not json\n" + line(A, "alpha") + line(C, "   ")
  )
  const dated = path.join(home, "sessions", "2026", "02", "03")
  fs.mkdirSync(dated, { recursive: true })
  fs.writeFileSync(path.join(dated, `rollout-2026-02-03T16-08-29-${B}.jsonl`), "{}\n")
  return home
}

describe("session-index CLI", () => {
  const home = fixture()
  const at = ["--codex-home", home]

  it("name: the current name, plain and JSON; exit 1 when there is none, JSON null", async () => {
    const [plain, json, missing, missingJson] = await Promise.all([
      run(["name", ...at, A]),
      run(["name", ...at, "--json", A.toUpperCase()]),
      run(["name", ...at, C]),
      run(["name", ...at, "--json", C])
    ])
    expect(plain).toMatchObject({ status: 0, stdout: "alpha\n" })
    expect(JSON.parse(json.stdout)).toEqual({ id: A, name: "alpha" })
    expect(missing).toEqual({ status: 1, signal: null, stdout: "", stderr: `session-index: thread ${C} has no name\n`, timedOut: false })
    expect(missingJson).toMatchObject({ status: 1, stdout: "null\n", stderr: missing.stderr })
  })

  it("id: resolves current names only", async () => {
    const [plain, json, old] = await Promise.all([
      run(["id", ...at, "alpha"]),
      run(["id", ...at, "--json", " beta "]),
      run(["id", ...at, "old name"])
    ])
    expect(plain).toMatchObject({ status: 0, stdout: `${A}\n` })
    expect(JSON.parse(json.stdout)).toEqual({ id: B, name: "beta" })
    expect(old).toMatchObject({ status: 1, stdout: "" })
  })

  it("names: tab separated, from arguments or stdin, JSON too", async () => {
    const [args, stdin, json, none] = await Promise.all([
      run(["names", ...at, A, B, C]),
      run(["names", ...at, "-"], `${B}\n${A}\n`),
      run(["names", ...at, "--json", A, C]),
      run(["names", ...at, C])
    ])
    expect(args).toMatchObject({ status: 0, stdout: `${A}\talpha\n${B}\tbeta\n` })
    expect(stdin).toMatchObject({ status: 0, stdout: `${B}\tbeta\n${A}\talpha\n` })
    expect(JSON.parse(json.stdout)).toEqual({ [A]: "alpha" })
    expect(none.status).toBe(1)
  })

  it("path: the rollout file of the thread a name resolves to", async () => {
    const [found, json, none] = await Promise.all([
      run(["path", ...at, "beta"]),
      run(["path", ...at, "--json", "beta"]),
      run(["path", ...at, "alpha"])
    ])
    expect(found.status).toBe(0)
    expect(found.stdout.trim()).toBe(path.join(home, "sessions", "2026", "02", "03", `rollout-2026-02-03T16-08-29-${B}.jsonl`))
    expect(JSON.parse(json.stdout).path).toBe(found.stdout.trim())
    expect(none).toMatchObject({ status: 1, stdout: "" })
  })

  it("list: newest first as a table, or JSON, with --limit", async () => {
    const [table, json, zero] = await Promise.all([
      run(["list", ...at]),
      run(["list", ...at, "--json", "--limit", "1"]),
      run(["list", ...at, "--limit", "0"])
    ])
    expect(table.status).toBe(0)
    const rows = table.stdout.trim().split("\n")
    expect(rows[0]).toMatch(/^ID\s+UPDATED\s+NAME$/)
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual([A, B])
    expect(JSON.parse(json.stdout)).toEqual([{ id: A, name: "alpha", updated_at: "2026-02-03T16:08:29.123Z" }])
    expect(zero.status).toBe(2)
  })

  it("without the flock binding: rename --json prints only its JSON on stdout; the warning goes to stderr", async () => {
    const dir = tempDir()
    const preload = path.resolve(__dirname, "fixtures/withoutBinding.cjs")
    const result = await start(process.execPath, ["-r", preload, main, "rename", "--codex-home", dir, "--json", C, "gamma"]).done
    expect(result.status).toBe(0)
    expect(JSON.parse(result.stdout)).toEqual({ id: C, name: "gamma" })
    expect(result.stderr).toContain("writing without Codex's lock")
    expect(fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")).toMatch(/"thread_name":"gamma"/)
    // Rewrites refuse without the lock, saying why.
    const compact = await start(process.execPath, ["-r", preload, main, "compact", "--codex-home", dir]).done
    expect(compact.status).toBe(3)
    expect(compact.stderr).toMatch(/^session-index: cannot lock .*fs-ext-extra-prebuilt binding is not installed.*\n$/)
  })

  it("rename: appends exactly one Codex line; blank names and bad ids exit 2 naming the argument", async () => {
    const dir = tempDir()
    const fresh = path.join(dir, "not-yet")
    expect((await run(["rename", "--codex-home", dir, C, "  gamma  "])).status).toBe(0)
    expect((await run(["name", "--codex-home", dir, C])).stdout).toBe("gamma\n")
    const written = fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")
    expect(written).toMatch(new RegExp(`^\\{"id":"${C}","thread_name":"gamma","updated_at":"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"\\}\\n$`))
    // Both refused before anything is written: independent of each other.
    const [blank, badId] = await Promise.all([
      run(["rename", "--codex-home", dir, C, "   "]),
      run(["rename", "--codex-home", dir, "not-a-uuid", "x"])
    ])
    expect(blank.status).toBe(2)
    expect(blank.stderr).toContain("blank")
    expect(fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")).toBe(written)
    expect(badId.status).toBe(2)
    expect(badId.stderr).toContain('"not-a-uuid"')
    expect(badId.stderr.trim().split("\n")).toHaveLength(1)
    expect(fs.existsSync(fresh)).toBe(false)
  })

  it("a malformed id is exit 2 with one line naming it, never a stack trace", async () => {
    const result = await run(["name", ...at, "xyz"])
    expect(result).toMatchObject({ status: 2, stdout: "" })
    expect(result.stderr).toBe('session-index: invalid thread id "xyz": expected a hyphenated UUID (8-4-4-4-12 hex digits)\n')
  })

  it("a missing codex home: lookups find nothing (exit 1) and say there is no index", async () => {
    const missing = path.join(os.tmpdir(), "si-cli-no-such-home-" + process.pid)
    const commands = [["name", A], ["id", "alpha"], ["list"], ["names", A], ["path", "alpha"], ["stats"]]
    const results = await Promise.all(commands.map((args) => run([args[0]!, "--codex-home", missing, ...args.slice(1)])))
    for (const result of results) {
      expect(result).toMatchObject({ status: 1, stdout: "", stderr: `session-index: no index at ${path.join(missing, "session_index.jsonl")}\n` })
    }
    expect(fs.existsSync(missing)).toBe(false)
  })

  it("an I/O error is exit 3, one line naming the path and the system's reason", async () => {
    const dir = tempDir()
    fs.mkdirSync(path.join(dir, "session_index.jsonl"))
    const result = await run(["name", "--codex-home", dir, A])
    expect(result).toMatchObject({
      status: 3,
      stdout: "",
      stderr: `session-index: cannot read ${path.join(dir, "session_index.jsonl")}: not a regular file (Directory)\n`
    })
  })

  it("compact: dry run reports, then rewrites keeping every answer", async () => {
    const dir = tempDir()
    fs.copyFileSync(path.join(home, "session_index.jsonl"), path.join(dir, "session_index.jsonl"))
    const before = fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")
    const dry = JSON.parse((await run(["compact", "--codex-home", dir, "--dry-run", "--json"])).stdout)
    expect(dry).toMatchObject({ dryRun: true, linesBefore: 5, linesAfter: 2 })
    expect(fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")).toBe(before)
    const done = await run(["compact", "--codex-home", dir])
    expect(done.status).toBe(0)
    expect(done.stdout).toMatch(/lines\s+5 -> 2/)
    expect(fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")).toBe(line(B, "beta") + line(A, "alpha"))
    expect((await run(["names", "--codex-home", dir, A, B])).stdout).toBe(`${A}\talpha\n${B}\tbeta\n`)
  })

  it("stats and gen", async () => {
    const dir = tempDir()
    const file = path.join(dir, "session_index.jsonl")
    const again = path.join(dir, "again.jsonl")
    const [first, second, plain, badSize] = await Promise.all([
      run(["gen", file, "--size", "300KiB", "--seed", "4", "--json"]),
      run(["gen", again, "--size", "300KiB", "--seed", "4"]),
      run(["stats", ...at]),
      // A bad size is refused before anything is written: `file` is not touched.
      run(["gen", path.join(dir, "never.jsonl"), "--size", "lots"])
    ])
    const generated = JSON.parse(first.stdout)
    expect(generated.bytes).toBeGreaterThanOrEqual(300 * 1024)
    expect(fs.statSync(file).size).toBe(generated.bytes)
    expect(second.status).toBe(0)
    expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(true)
    const stats = JSON.parse((await run(["stats", "--codex-home", dir, "--json"])).stdout)
    expect(stats).toMatchObject({ bytes: generated.bytes, lines: generated.lines })
    expect(stats.distinctIds).toBeGreaterThan(0)
    expect(stats.fullScanMs).toBeGreaterThan(0)
    expect(plain.status).toBe(0)
    expect(plain.stdout).toMatch(/lines\s+5\n/)
    expect(plain.stdout).toMatch(/bad lines\s+1\n/)
    expect(plain.stdout).toMatch(/distinct ids\s+3\n/)
    expect(badSize.status).toBe(2)
    expect(fs.existsSync(path.join(dir, "never.jsonl"))).toBe(false)
  })

  it("--help on every command, with examples, and --version", async () => {
    const commands = ["name", "id", "names", "path", "rename", "list", "compact", "stats", "gen"]
    const [helps, version, unknown] = await Promise.all([
      Promise.all(commands.map((command) => run([command, "--help"]))),
      run(["--version"]),
      run(["no-such-command"])
    ])
    commands.forEach((command, i) => {
      const help = helps[i]!
      expect(help.status).toBe(0)
      expect(help.stdout).toContain("Examples")
      expect(help.stdout).toContain(`session-index ${command}`)
    })
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"))
    expect(version.stdout.trim()).toBe(pkg.version)
    expect(unknown.status).toBe(2)
  })
})
