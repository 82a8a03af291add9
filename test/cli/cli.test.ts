import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const main = path.resolve(__dirname, "../../dist/cli/main.js")
const A = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
const B = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"
const C = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a25"
const line = (id: string, name: string, at = "2026-02-03T16:08:29.123Z") =>
  JSON.stringify({ id, thread_name: name, updated_at: at }) + "\n"

const fixture = () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-cli-"))
  fs.writeFileSync(
    path.join(home, "session_index.jsonl"),
    line(A, "old name") + line(B, "beta") + "not json\n" + line(A, "alpha") + line(C, "   ")
  )
  const dated = path.join(home, "sessions", "2026", "02", "03")
  fs.mkdirSync(dated, { recursive: true })
  fs.writeFileSync(path.join(dated, `rollout-2026-02-03T16-08-29-${B}.jsonl`), "{}\n")
  return home
}

const run = (args: ReadonlyArray<string>, input?: string) => {
  const result = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", input, env: { ...process.env, NO_COLOR: "1" } })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe("session-index CLI", () => {
  const home = fixture()
  const at = ["--codex-home", home]

  it("name: the current name, plain and JSON; exit 1 when there is none", () => {
    expect(run(["name", ...at, A])).toMatchObject({ status: 0, stdout: "alpha\n" })
    expect(JSON.parse(run(["name", ...at, "--json", A.toUpperCase()]).stdout)).toEqual({ id: A, name: "alpha" })
    const missing = run(["name", ...at, C])
    expect(missing).toMatchObject({ status: 1, stdout: "" })
    expect(missing.stderr).toContain("not found")
  })

  it("id: resolves current names only", () => {
    expect(run(["id", ...at, "alpha"])).toMatchObject({ status: 0, stdout: `${A}\n` })
    expect(JSON.parse(run(["id", ...at, "--json", " beta "]).stdout)).toEqual({ id: B, name: "beta" })
    expect(run(["id", ...at, "old name"])).toMatchObject({ status: 1, stdout: "" })
  })

  it("names: tab separated, from arguments or stdin, JSON too", () => {
    expect(run(["names", ...at, A, B, C])).toMatchObject({ status: 0, stdout: `${A}\talpha\n${B}\tbeta\n` })
    expect(run(["names", ...at, "-"], `${B}\n${A}\n`)).toMatchObject({ status: 0, stdout: `${B}\tbeta\n${A}\talpha\n` })
    expect(JSON.parse(run(["names", ...at, "--json", A, C]).stdout)).toEqual({ [A]: "alpha" })
    expect(run(["names", ...at, C]).status).toBe(1)
  })

  it("path: the rollout file of the thread a name resolves to", () => {
    const found = run(["path", ...at, "beta"])
    expect(found.status).toBe(0)
    expect(found.stdout.trim()).toBe(path.join(home, "sessions", "2026", "02", "03", `rollout-2026-02-03T16-08-29-${B}.jsonl`))
    expect(JSON.parse(run(["path", ...at, "--json", "beta"]).stdout).path).toBe(found.stdout.trim())
    expect(run(["path", ...at, "alpha"])).toMatchObject({ status: 1, stdout: "" })
  })

  it("list: newest first as a table, or JSON, with --limit", () => {
    const table = run(["list", ...at])
    expect(table.status).toBe(0)
    const rows = table.stdout.trim().split("\n")
    expect(rows[0]).toMatch(/^ID\s+UPDATED\s+NAME$/)
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual([A, B])
    expect(JSON.parse(run(["list", ...at, "--json", "--limit", "1"]).stdout)).toEqual([
      { id: A, name: "alpha", updated_at: "2026-02-03T16:08:29.123Z" }
    ])
    expect(run(["list", ...at, "--limit", "0"]).status).toBe(2)
  })

  it("rename: appends exactly one Codex line; blank names and bad ids exit 2 naming the argument", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-cli-"))
    const fresh = path.join(dir, "not-yet")
    expect(run(["rename", "--codex-home", dir, C, "  gamma  "]).status).toBe(0)
    expect(run(["name", "--codex-home", dir, C]).stdout).toBe("gamma\n")
    const written = fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")
    expect(written).toMatch(new RegExp(`^\\{"id":"${C}","thread_name":"gamma","updated_at":"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"\\}\\n$`))
    const blank = run(["rename", "--codex-home", dir, C, "   "])
    expect(blank.status).toBe(2)
    expect(blank.stderr).toContain("blank")
    expect(fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")).toBe(written)
    const badId = run(["rename", "--codex-home", dir, "not-a-uuid", "x"])
    expect(badId.status).toBe(2)
    expect(badId.stderr).toContain('"not-a-uuid"')
    expect(badId.stderr.trim().split("\n")).toHaveLength(1)
    expect(fs.existsSync(fresh)).toBe(false)
  })

  it("a malformed id is exit 2 with one line naming it, never a stack trace", () => {
    const result = run(["name", ...at, "xyz"])
    expect(result).toMatchObject({ status: 2, stdout: "" })
    expect(result.stderr).toBe('session-index: invalid thread id "xyz": expected a hyphenated UUID (8-4-4-4-12 hex digits)\n')
  })

  it("a missing codex home: lookups find nothing (exit 1)", () => {
    const missing = path.join(os.tmpdir(), "si-cli-no-such-home-" + process.pid)
    for (const args of [["name", A], ["id", "alpha"], ["list"], ["names", A]]) {
      expect(run([args[0]!, "--codex-home", missing, ...args.slice(1)]).status).toBe(1)
    }
  })

  it("an I/O error is exit 2 with the path", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-cli-"))
    fs.mkdirSync(path.join(dir, "session_index.jsonl"))
    const result = run(["name", "--codex-home", dir, A])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(path.join(dir, "session_index.jsonl"))
  })

  it("compact: dry run reports, then rewrites keeping every answer", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-cli-"))
    fs.copyFileSync(path.join(home, "session_index.jsonl"), path.join(dir, "session_index.jsonl"))
    const before = fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")
    const dry = JSON.parse(run(["compact", "--codex-home", dir, "--dry-run", "--json"]).stdout)
    expect(dry).toMatchObject({ dryRun: true, linesBefore: 5, linesAfter: 2 })
    expect(fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")).toBe(before)
    const done = run(["compact", "--codex-home", dir])
    expect(done.status).toBe(0)
    expect(done.stdout).toMatch(/lines\s+5 -> 2/)
    expect(fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8")).toBe(line(B, "beta") + line(A, "alpha"))
    expect(run(["names", "--codex-home", dir, A, B]).stdout).toBe(`${A}\talpha\n${B}\tbeta\n`)
  })

  it("stats and gen", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-cli-"))
    const file = path.join(dir, "session_index.jsonl")
    const generated = JSON.parse(run(["gen", file, "--size", "300KiB", "--seed", "4", "--json"]).stdout)
    expect(generated.bytes).toBeGreaterThanOrEqual(300 * 1024)
    expect(fs.statSync(file).size).toBe(generated.bytes)
    const again = path.join(dir, "again.jsonl")
    run(["gen", again, "--size", "300KiB", "--seed", "4"])
    expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(true)
    const stats = JSON.parse(run(["stats", "--codex-home", dir, "--json"]).stdout)
    expect(stats).toMatchObject({ bytes: generated.bytes, lines: generated.lines })
    expect(stats.distinctIds).toBeGreaterThan(0)
    expect(stats.fullScanMs).toBeGreaterThan(0)
    const plain = run(["stats", ...at])
    expect(plain.status).toBe(0)
    expect(plain.stdout).toMatch(/lines\s+5\n/)
    expect(plain.stdout).toMatch(/bad lines\s+1\n/)
    expect(plain.stdout).toMatch(/distinct ids\s+3\n/)
    expect(run(["gen", file, "--size", "lots"]).status).toBe(2)
  })

  it("--help on every command, with examples, and --version", () => {
    for (const command of ["name", "id", "names", "path", "rename", "list", "compact", "stats", "gen"]) {
      const help = run([command, "--help"])
      expect(help.status).toBe(0)
      expect(help.stdout).toContain("Examples")
      expect(help.stdout).toContain(`session-index ${command}`)
    }
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../package.json"), "utf8"))
    expect(run(["--version"]).stdout.trim()).toBe(pkg.version)
    expect(run(["no-such-command"]).status).toBe(2)
  })
})
