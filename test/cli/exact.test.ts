/**
 * The CLI as a new user meets it: exit statuses that agree with the JSON output, names that
 * cannot break a row or reach the terminal as escapes, plain error messages, help without
 * colour off a terminal, `gen` that fails loudly, and the bundle answering a large index.
 * Each runs the built CLI (`npm run build` first) as a child process.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { tempDirSync } from "../helpers/codexHome.js"
import { asStranger, type CliResult, closedToStranger, main, run, start, startCli } from "./runCli.js"

const INDEX = "session_index.jsonl"
const A = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
const B = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"
const MISSING = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a25"
const line = (id: string, name: string, at = "2026-02-03T16:08:29.123Z") => JSON.stringify({ id, thread_name: name, updated_at: at }) + "\n"

const tempDir = () => tempDirSync("si-cli-exact-")
const homeWith = (text: string) => {
  const home = tempDir()
  fs.writeFileSync(path.join(home, INDEX), text)
  return home
}

/** Exactly `message` as one line on stderr, nothing on stdout. */
const expectError = (result: CliResult, status: number, message: string) =>
  expect(result).toEqual({ status, signal: null, stdout: "", stderr: `session-index: ${message}\n`, timedOut: false })

describe("exit statuses and JSON agree", () => {
  it("an empty index: list and list --json both exit 1; --json prints []", async () => {
    const home = homeWith("")
    const [plain, json] = await Promise.all([run(["list", "--codex-home", home]), run(["list", "--codex-home", home, "--json"])])
    expectError(plain, 1, "the index has no named threads")
    expect(json).toMatchObject({ status: 1, stdout: "[]\n", stderr: plain.stderr })
  })

  it("no answer: the JSON form prints null or {} and exits 1 like the plain one, with the same message", async () => {
    const home = homeWith(line(A, "alpha"))
    const at = ["--codex-home", home]
    const cases = [
      [["name", MISSING], "null", `thread ${MISSING} has no name`],
      [["id", "nobody calls it this"], "null", 'no thread is named "nobody calls it this"'],
      [["path", "alpha"], "null", 'no rollout file for a thread named "alpha"'],
      [["names", MISSING, MISSING.toUpperCase()], "{}", "none of these ids has a name"]
    ] as const
    const results = await Promise.all(cases.flatMap(([args]) => [run([...args, ...at]), run([...args, ...at, "--json"])]))
    cases.forEach(([, empty, message], i) => {
      expectError(results[2 * i]!, 1, message)
      expect(results[2 * i + 1]).toMatchObject({ status: 1, stdout: `${empty}\n`, stderr: `session-index: ${message}\n` })
    })
  })

  it("a mistyped --codex-home: 'no index at PATH', exit 1, nothing created", async () => {
    const typo = path.join(tempDir(), "codxe")
    const index = path.join(typo, INDEX)
    const results = await Promise.all([
      run(["name", A, "--codex-home", typo]),
      run(["name", A, "--codex-home", typo, "--json"]),
      run(["names", A, "--codex-home", typo, "--json"]),
      run(["list", "--codex-home", typo, "--json"])
    ])
    expectError(results[0]!, 1, `no index at ${index}`)
    expect(results.slice(1).map((r) => [r.status, r.stdout, r.stderr])).toEqual([
      [1, "null\n", `session-index: no index at ${index}\n`],
      [1, "{}\n", `session-index: no index at ${index}\n`],
      [1, "[]\n", `session-index: no index at ${index}\n`]
    ])
    expect(fs.existsSync(typo)).toBe(false)
  })

  it("list --limit 150000 lists 150,000 threads (no stack overflow), as a table and as JSON", { timeout: 120_000 }, async () => {
    const count = 150_000
    const ids = Array.from({ length: count }, (_, i) => `0194f7c2-3b1d-7c4e-9a51-${i.toString(16).padStart(12, "0")}`)
    const home = homeWith(ids.map((id, i) => line(id, `thread ${i}`)).join(""))
    const [table, json] = await Promise.all([
      run(["list", "--codex-home", home, "--limit", String(count)]),
      run(["list", "--codex-home", home, "--limit", String(count), "--json"])
    ])
    expect(table).toMatchObject({ status: 0, stderr: "" })
    const rows = table.stdout.trimEnd().split("\n")
    expect(rows).toHaveLength(count + 1)
    expect(rows[1]).toMatch(new RegExp(`^${ids[count - 1]}\\s+2026-02-03T16:08:29.123Z\\s+thread ${count - 1}$`))
    expect(json).toMatchObject({ status: 0, stderr: "" })
    const entries = JSON.parse(json.stdout) as Array<{ id: string }>
    expect(entries).toHaveLength(count)
    expect(entries[count - 1]!.id).toBe(ids[0])
  })
})

describe("names are printed safely", () => {
  // A newline, ESC (a colour and a screen clear), a C1 control, DEL, a right-to-left override.
  const evil = "evil\nrow\x1b[31mred\x1b[2J\u0085\x7f\u202eabc"
  const shown = "evil\\nrow\\x1b[31mred\\x1b[2J\\x85\\x7f\\u{202e}abc"
  const home = homeWith(line(A, evil) + line(B, "plain"))
  const at = ["--codex-home", home]

  it("human output escapes control characters: one row per thread, no escape reaches the terminal", async () => {
    const [list, name, names, id] = await Promise.all([
      run(["list", ...at]),
      run(["name", A, ...at]),
      run(["names", A, B, ...at]),
      run(["id", "no\x1bsuch", ...at])
    ])
    for (const result of [list, name, names]) {
      expect(result.status).toBe(0)
      expect(result.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/)
    }
    expect(list.stdout.split("\n")).toHaveLength(4) // header, two rows, the final newline
    expect(list.stdout).toContain(`${A}  2026-02-03T16:08:29.123Z  ${shown}\n`)
    expect(name.stdout).toBe(`${shown}\n`)
    expect(names.stdout).toBe(`${A}\t${shown}\n${B}\tplain\n`)
    expectError(id, 1, 'no thread is named "no\\u001bsuch"')
  })

  it("JSON output is exact", async () => {
    const [list, name, names] = await Promise.all([run(["list", ...at, "--json"]), run(["name", A, ...at, "--json"]), run(["names", A, ...at, "--json"])])
    expect(JSON.parse(list.stdout)[1]).toEqual({ id: A, name: evil, updated_at: "2026-02-03T16:08:29.123Z" })
    expect(JSON.parse(name.stdout)).toEqual({ id: A, name: evil })
    expect(JSON.parse(names.stdout)).toEqual({ [A]: evil })
  })
})

describe("errors are one plain line", () => {
  it("parser errors carry the prefix and exit 2", async () => {
    const results = await Promise.all([run(["name"]), run(["list", "--limit", "abc"]), run(["nmae", A]), run(["list", "extra"])])
    expectError(results[0]!, 2, "Missing argument <ID>")
    expectError(results[1]!, 2, "'abc' is not a integer")
    expect(results[2]).toMatchObject({ status: 2, stdout: "" })
    expect(results[2]!.stderr).toMatch(/^session-index: Invalid subcommand for session-index - use one of 'name', 'id', [^\n]+\n$/)
    expectError(results[3]!, 2, "Received unknown argument: 'extra'")
  })

  it("permission denied, reading and writing: exit 3, the path and the reason in plain words", async (ctx) => {
    const refused = closedToStranger()
    if (refused !== undefined) return ctx.skip(refused)
    const closed = homeWith(line(A, "alpha"))
    fs.chmodSync(closed, 0o000)
    const unreadable = homeWith(line(A, "alpha"))
    fs.chmodSync(unreadable, 0o755)
    fs.chmodSync(path.join(unreadable, INDEX), 0o000)
    const readOnly = homeWith(line(A, "alpha"))
    fs.chmodSync(readOnly, 0o555)
    fs.chmodSync(path.join(readOnly, INDEX), 0o444)
    const [inClosed, unreadableName, unreadableStats, renamed] = await Promise.all([
      asStranger(["name", A, "--codex-home", closed]),
      asStranger(["name", A, "--codex-home", unreadable]),
      asStranger(["stats", "--codex-home", unreadable]),
      asStranger(["rename", A, "beta", "--codex-home", readOnly])
    ])
    expectError(inClosed, 3, `cannot access ${path.join(closed, INDEX)}: permission denied`)
    expectError(unreadableName, 3, `cannot open ${path.join(unreadable, INDEX)}: permission denied`)
    expectError(unreadableStats, 3, `cannot read ${path.join(unreadable, INDEX)}: permission denied`)
    expectError(renamed, 3, `cannot open ${path.join(readOnly, `${INDEX}.lock`)}: permission denied`)
    expect(fs.readFileSync(path.join(readOnly, INDEX), "utf8")).toBe(line(A, "alpha"))
  })

  it("a folder where the index should be: exit 3 for lookups and writes", async () => {
    const home = tempDir()
    fs.mkdirSync(path.join(home, INDEX))
    const index = path.join(home, INDEX)
    const [name, list, rename] = await Promise.all([
      run(["name", A, "--codex-home", home]),
      run(["list", "--codex-home", home]),
      run(["rename", A, "alpha", "--codex-home", home])
    ])
    expectError(name, 3, `cannot read ${index}: not a regular file (Directory)`)
    expectError(list, 3, `cannot read ${index}: not a regular file (Directory)`)
    expectError(rename, 3, `cannot open ${index}: is a directory`)
  })
})

describe("gen", () => {
  it("creates missing folders, as the README's example needs on a fresh machine", async () => {
    const file = path.join(tempDir(), "codex", "deeper", INDEX)
    const result = await run(["gen", file, "--size", "10KiB", "--json"])
    expect(result).toMatchObject({ status: 0, stderr: "" })
    expect(JSON.parse(result.stdout).bytes).toBe(fs.statSync(file).size)
  })

  it("an unwritable, full or impossible target fails with exit 3 and one line, never a stack trace or '0 bytes'", async (ctx) => {
    const refused = closedToStranger()
    if (refused !== undefined) return ctx.skip(refused)
    const readOnly = tempDir()
    fs.chmodSync(readOnly, 0o555)
    const aFile = path.join(tempDir(), "a-file")
    fs.writeFileSync(aFile, "")
    const aFolder = tempDir()
    const [unwritable, unwritableFolder, full, folder, underFile, underProc] = await Promise.all([
      asStranger(["gen", path.join(readOnly, INDEX), "--size", "10KiB"]),
      asStranger(["gen", path.join(readOnly, "new", INDEX), "--size", "10KiB"]),
      run(["gen", "/dev/full", "--size", "10KiB"]),
      run(["gen", aFolder, "--size", "10KiB"]),
      run(["gen", path.join(aFile, INDEX), "--size", "10KiB"]),
      // Node's own recursive mkdir never returns here.
      startCli(["gen", "/proc/no-such-folder/x.jsonl", "--size", "10KiB"], { timeoutMs: 20_000 }).done
    ])
    expectError(unwritable, 3, `cannot write ${path.join(readOnly, INDEX)}: permission denied`)
    expectError(unwritableFolder, 3, `cannot create the folder ${path.join(readOnly, "new")}: permission denied`)
    expectError(full, 3, "cannot write /dev/full: no space left on device")
    expectError(folder, 3, `cannot write ${aFolder}: is a directory`)
    expectError(underFile, 3, `cannot write ${path.join(aFile, INDEX)}: not a directory`)
    expectError(underProc, 3, "cannot create the folder /proc/no-such-folder: no such file or directory")
    expect(fs.readdirSync(readOnly)).toEqual([])
    expect(fs.readdirSync(aFolder)).toEqual([])
  })
})

describe("compact", () => {
  it("--dry-run needs read access only: no lock file, nothing written", async (ctx) => {
    const refused = closedToStranger()
    if (refused !== undefined) return ctx.skip(refused)
    const home = homeWith(line(A, "old") + line(A, "alpha"))
    fs.chmodSync(path.join(home, INDEX), 0o444)
    fs.chmodSync(home, 0o555)
    const dry = await asStranger(["compact", "--dry-run", "--json", "--codex-home", home])
    expect(dry).toMatchObject({ status: 0, stderr: "" })
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, linesBefore: 2, linesAfter: 1 })
    expect(fs.readdirSync(home)).toEqual([INDEX])
  })

  it("a missing index: exit 0, says so, and leaves no lock file and no folder behind", async () => {
    const empty = tempDir()
    const absent = path.join(tempDir(), "absent")
    const [inEmpty, inAbsent] = await Promise.all([run(["compact", "--codex-home", empty]), run(["compact", "--codex-home", absent, "--json"])])
    expect(inEmpty).toMatchObject({ status: 0, stderr: `session-index: no index at ${path.join(empty, INDEX)}: nothing to compact\n` })
    expect(inEmpty.stdout).toMatch(/^lines\s+0 -> 0\n/)
    expect(inAbsent).toMatchObject({ status: 0, stderr: `session-index: no index at ${path.join(absent, INDEX)}: nothing to compact\n` })
    expect(JSON.parse(inAbsent.stdout)).toEqual({ dryRun: false, linesBefore: 0, linesAfter: 0, bytesBefore: 0, bytesAfter: 0 })
    expect(fs.readdirSync(empty)).toEqual([])
    expect(fs.existsSync(absent)).toBe(false)
  })
})

describe("the command line", () => {
  const home = homeWith(line(A, "alpha") + line(B, "beta"))

  it("names -: ids from stdin, with options after the - still read as options", async () => {
    const [after, before, mixed] = await Promise.all([
      run(["names", "-", "--codex-home", home], `${B}\n`),
      run(["names", "--codex-home", home, "-"], `${B}\n`),
      run(["names", A, "-", "--json", "--codex-home", home], `${B} ${MISSING}\n`)
    ])
    expect(after).toMatchObject({ status: 0, stdout: `${B}\tbeta\n`, stderr: "" })
    expect(before).toEqual(after)
    expect(mixed).toMatchObject({ status: 0, stderr: "" })
    expect(JSON.parse(mixed.stdout)).toEqual({ [A]: "alpha", [B]: "beta" })
  })

  it("no arguments: a short usage on stderr, exit 2", async () => {
    const result = await run([])
    expect(result).toMatchObject({ status: 2, stdout: "" })
    const lines = result.stderr.trimEnd().split("\n")
    expect(lines[0]).toBe("session-index: missing a command")
    expect(lines[1]).toBe("usage: session-index name [--codex-home directory] [--json] <ID>")
    expect(lines.length).toBeLessThan(15)
  })
})

describe("help", () => {
  const home = homeWith(line(A, "alpha"))
  /** `script` gives the CLI a terminal for stdout (util-linux; absent elsewhere). */
  const onTerminal = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv) =>
    start("script", ["-qec", [process.execPath, main, ...args].map((arg) => `'${arg}'`).join(" "), "/dev/null"], { env }).done

  it("USAGE names the program, defaults are shown, and id's help no longer claims to resolve as `codex resume`", async () => {
    const [name, id, pathHelp, list, gen, short] = await Promise.all([
      run(["name", "--help"]),
      run(["id", "--help"]),
      run(["path", "--help"]),
      run(["list", "--help"]),
      run(["gen", "--help"]),
      run(["--codex-home", home, "list", "-h"])
    ])
    expect(name.stdout).toMatch(/^USAGE\n\nsession-index name \[--codex-home directory\] \[--json\] <ID>\n/m)
    expect(name.stdout).not.toMatch(/^\$ /m)
    expect(id.stdout).not.toMatch(/resume/)
    expect(pathHelp.stdout).toContain("codex resume NAME")
    expect(list.stdout).toContain("(default: 25)")
    expect(gen.stdout).toContain("(default: 256MiB)")
    expect(gen.stdout).toContain("(default: 1)")
    expect(short).toEqual(list)
  })

  it("no colour when piped, with NO_COLOR, or for --help after --; colour on a terminal", async (ctx) => {
    const [piped, terminal, noColor, afterDashes] = await Promise.all([
      run(["list", "--help"]),
      onTerminal(["list", "--help"], { NO_COLOR: undefined }).catch(() => undefined),
      onTerminal(["list", "--help"], { NO_COLOR: "1" }).catch(() => undefined),
      run(["id", "--codex-home", home, "--", "--help"])
    ])
    expect(piped.stdout).not.toContain("\x1b")
    expect(piped.stdout).toContain("USAGE")
    expectError(afterDashes, 1, 'no thread is named "--help"')
    if (terminal === undefined || terminal.status !== 0) return ctx.skip()
    expect(terminal.stdout).toContain("\x1b[")
    expect(noColor?.stdout.replace(/\r\n/g, "\n")).toBe(piped.stdout)
  })
})

describe("the bundled CLI on a large index", () => {
  it("a lookup above the pool threshold (300 MiB, sparse) answers in-process, without a word on stderr", { timeout: 120_000 }, async () => {
    const home = tempDir()
    const index = path.join(home, INDEX)
    fs.writeFileSync(index, line(A, "first"))
    // A hole of zeros (one long bad line) and a last line: nothing on disk, every byte scanned.
    fs.truncateSync(index, 300 * 1024 * 1024)
    fs.appendFileSync(index, "\n" + line(B, "last"))
    const result = await run(["names", A, MISSING, B, "--codex-home", home])
    // A command scans in-process: a pool would have warned if it could not find its worker entry.
    expect(result).toEqual({ status: 0, signal: null, stdout: `${A}\tfirst\n${B}\tlast\n`, stderr: "", timedOut: false })
  })
})

describe("the code cache", () => {
  it("a package without one (as published) makes it on its first run where it may write, and uses it after", { timeout: 120_000 }, async () => {
    // The command's files as npm installs them: no code cache beside the bundle.
    const root = tempDir()
    const dist = path.resolve(main, "../..")
    fs.cpSync(path.join(dist, "cli"), path.join(root, "dist/cli"), { recursive: true })
    fs.cpSync(path.join(dist, "internal"), path.join(root, "dist/internal"), { recursive: true })
    fs.copyFileSync(path.resolve(dist, "../package.json"), path.join(root, "package.json"))
    const cache = path.join(root, "dist/cli/program.cjs.v8cache")
    fs.rmSync(cache)
    const home = homeWith(line(A, "cached"))
    const lookup = () => start(process.execPath, [path.join(root, "dist/cli/main.js"), "name", A, "--codex-home", home]).done
    const expected = { status: 0, signal: null, stdout: "cached\n", stderr: "", timedOut: false }
    expect(await lookup()).toEqual(expected)
    const made = fs.statSync(cache)
    expect(made.size).toBeGreaterThan(0)
    expect(fs.readdirSync(path.dirname(cache)).filter((file) => file.endsWith(".tmp"))).toEqual([])
    // Taken, not rejected and rewritten.
    expect(await lookup()).toEqual(expected)
    expect(fs.statSync(cache).mtimeMs).toBe(made.mtimeMs)
  })
})
