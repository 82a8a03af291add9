/**
 * `threads` and `show` through the built CLI (`npm run build` first), as a child process: the
 * picker's table, one JSON object per line, filters, exit statuses, and a thread's last events.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { tempDirSync } from "../helpers/codexHome.js"
import { asStranger, closedToStranger, main, run, start } from "./runCli.js"

const A = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
const B = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"
const C = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a25"

const event = (type: string, payload: Record<string, unknown>, at = "2025-01-14T21:06:20.000Z") => JSON.stringify({ timestamp: at, type, payload })

const rollout = (home: string, id: string, stamp: string, options: { cwd: string; preview: string; mtime: number; archived?: boolean; branch?: string }) => {
  const dir = options.archived ? path.join(home, "archived_sessions") : path.join(home, "sessions", ...stamp.slice(0, 10).split("-"))
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `rollout-${stamp}-${id}.jsonl`)
  const lines = [
    event("session_meta", {
      id,
      timestamp: `${stamp.slice(0, 10)}T${stamp.slice(11).replace(/-/g, ":")}Z`,
      cwd: options.cwd,
      originator: "codex_cli_rs",
      cli_version: "0.169.0",
      source: "cli",
      ...(options.branch === undefined ? {} : { git: { branch: options.branch } })
    }),
    event("event_msg", { type: "user_message", message: options.preview, images: [] }),
    event("response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: "on it" }] }),
    event("event_msg", { type: "agent_message", message: "done\nfully" }, "2025-01-14T21:07:00.000Z")
  ]
  fs.writeFileSync(file, lines.join("\n") + "\n")
  fs.utimesSync(file, options.mtime, options.mtime)
  return file
}

const home = () => {
  const dir = tempDirSync("si-cli-catalog-")
  rollout(dir, A, "2025-01-14T21-06-17", { cwd: "/work/api", preview: "fix the flaky test", mtime: 1_736_900_000, branch: "main" })
  rollout(dir, B, "2025-01-15T08-00-00", { cwd: "/work/web/", preview: "a \x1b[31mred\x1b[0m preview\nsecond line", mtime: 1_736_800_000 })
  rollout(dir, C, "2025-01-10T08-00-00", { cwd: "/work/api", preview: "old and archived", mtime: 1_736_000_000, archived: true })
  fs.writeFileSync(path.join(dir, "session_index.jsonl"), JSON.stringify({ id: A, thread_name: "flaky ci", updated_at: "2025-01-14T21:10:00Z" }) + "\n")
  return dir
}

describe("session-index threads", () => {
  it("a picker's table, newest first: names over previews, escapes shown, not run", async () => {
    const h = home()
    const result = await run(["threads", "--codex-home", h])
    expect(result).toMatchObject({ status: 0, stderr: "" })
    const rows = result.stdout.trimEnd().split("\n")
    expect(rows[0]).toMatch(/^UPDATED\s+ID\s+BRANCH\s+CWD\s+THREAD$/)
    expect(rows[1]).toContain(A)
    expect(rows[1]).toMatch(/main\s+\/work\/api\s+flaky ci$/)
    expect(rows[2]).toContain(B)
    expect(rows[2]).toContain("a \\x1b[31mred\\x1b[0m preview")
    expect(rows).toHaveLength(3)
  })

  it("--json: one object per line with Codex's fields, name null when none, times in unix seconds", async () => {
    const h = home()
    const result = await run(["threads", "--codex-home", h, "--json", "--sort", "created_at"])
    expect(result.status).toBe(0)
    const objects = result.stdout.trimEnd().split("\n").map((text) => JSON.parse(text))
    expect(objects.map((o) => Object.keys(o))).toEqual([
      ["id", "name", "preview", "cwd", "createdAt", "updatedAt", "archived", "path"],
      ["id", "name", "preview", "cwd", "createdAt", "updatedAt", "archived", "path"]
    ])
    expect(objects[0]).toMatchObject({ id: B, name: null, cwd: "/work/web", createdAt: 1736928000, updatedAt: 1_736_800_000, archived: false })
    expect(objects[0].preview).toBe("a \x1b[31mred\x1b[0m preview\nsecond line")
    expect(objects[1]).toMatchObject({ id: A, name: "flaky ci", createdAt: 1736888777 })
    expect(objects[1].path).toBe(path.join(h, "sessions/2025/01/14", `rollout-2025-01-14T21-06-17-${A}.jsonl`))
  })

  it("--archived, --cwd, --limit", async () => {
    const h = home()
    const [archived, cwd, limited] = await Promise.all([
      run(["threads", "--codex-home", h, "--json", "--archived"]),
      run(["threads", "--codex-home", h, "--json", "--cwd", "/work/web"]),
      run(["threads", "--codex-home", h, "--json", "--limit", "1"])
    ])
    expect(archived.stdout.trimEnd().split("\n").map((t) => JSON.parse(t).id)).toEqual([C])
    expect(JSON.parse(archived.stdout).archived).toBe(true)
    expect(cwd.stdout.trimEnd().split("\n").map((t) => JSON.parse(t).id)).toEqual([B])
    expect(limited.stdout.trimEnd().split("\n").map((t) => JSON.parse(t).id)).toEqual([A])
  })

  it("nothing listed exits 1 in both forms; a bad --limit or an empty --codex-home exits 2", async () => {
    const empty = tempDirSync("si-cli-catalog-")
    const [plain, json, bad, noHome] = await Promise.all([
      run(["threads", "--codex-home", empty]),
      run(["threads", "--codex-home", empty, "--json"]),
      run(["threads", "--codex-home", empty, "--limit", "0"]),
      run(["threads", "--codex-home", ""])
    ])
    expect(noHome).toMatchObject({ status: 2, stdout: "", stderr: "session-index: --codex-home must name a folder, not be empty\n" })
    expect(plain).toEqual({ status: 1, signal: null, stdout: "", stderr: "session-index: no threads listed\n", timedOut: false })
    expect(json).toMatchObject({ status: 1, stdout: "" })
    expect(bad).toMatchObject({ status: 2, stderr: "session-index: --limit must be at least 1, got 0\n" })
  })
})

describe("session-index show", () => {
  it("by id or by name: the summary, then the last events oldest first", async () => {
    const h = home()
    const [byId, byName] = await Promise.all([run(["show", A, "--codex-home", h, "--tail", "2"]), run(["show", "flaky ci", "--codex-home", h, "--tail", "2"])])
    expect(byId).toMatchObject({ status: 0, stderr: "" })
    expect(byName.stdout).toBe(byId.stdout)
    expect(byId.stdout).toMatch(/^id\s+0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23$/m)
    expect(byId.stdout).toMatch(/^name\s+flaky ci$/m)
    expect(byId.stdout).toMatch(/^cwd\s+\/work\/api$/m)
    const events = byId.stdout.split("last 2 events:\n")[1]!.trimEnd().split("\n")
    expect(events).toHaveLength(2)
    expect(events[0]).toMatch(/response_item\/message\s+on it$/)
    expect(events[1]).toMatch(/^2025-01-14T21:07:00.000Z\s+event_msg\/agent_message\s+done fully$/)
  })

  it("--json: the thread and its events, exact", async () => {
    const h = home()
    const result = await run(["show", B, "--codex-home", h, "--json", "--tail", "1"])
    expect(result.status).toBe(0)
    const shown = JSON.parse(result.stdout)
    expect(shown.thread).toMatchObject({ id: B, name: null, preview: "a \x1b[31mred\x1b[0m preview\nsecond line" })
    expect(shown.events).toEqual([{ offset: expect.any(Number), timestamp: "2025-01-14T21:07:00.000Z", type: "event_msg", payload: { type: "agent_message", message: "done\nfully" } }])
  })

  it("an archived thread is shown too; unknown ids and names exit 1; a bad --tail exits 2", async () => {
    const h = home()
    const [archived, unknownId, unknownName, badTail, hugeTail] = await Promise.all([
      run(["show", C, "--codex-home", h, "--tail", "0"]),
      run(["show", "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a99", "--codex-home", h]),
      run(["show", "no such name", "--codex-home", h]),
      run(["show", A, "--codex-home", h, "--tail", "-1"]),
      run(["show", A, "--codex-home", h, "--tail", "2000000"])
    ])
    expect(archived.status).toBe(0)
    expect(archived.stdout).toMatch(/^source\s+cli, Codex 0\.169\.0, archived$/m)
    expect(unknownId).toEqual({ status: 1, signal: null, stdout: "", stderr: "session-index: no valid rollout for thread 0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a99\n", timedOut: false })
    expect(unknownName).toMatchObject({ status: 1, stderr: 'session-index: no thread is named "no such name"\n' })
    expect(badTail).toMatchObject({ status: 2, stderr: "session-index: --tail must be from 0 to 10000, got -1\n" })
    expect(hugeTail).toMatchObject({ status: 2, stderr: "session-index: --tail must be from 0 to 10000, got 2000000\n" })
  })
})

describe("show by name", () => {
  it("a thread without a rollout never shadows one with it; a name only such a thread has says so", async () => {
    const h = home()
    const ghost = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a77"
    const entry = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "2025-01-15T10:00:00Z" }) + "\n"
    fs.appendFileSync(path.join(h, "session_index.jsonl"), entry(B, "two") + entry(ghost, "two") + entry(ghost.replace(/77$/, "78"), "ghost"))
    const [two, lonely] = await Promise.all([run(["show", "two", "--codex-home", h, "--tail", "0"]), run(["show", "ghost", "--codex-home", h])])
    expect(two).toMatchObject({ status: 0, stderr: "" })
    expect(two.stdout).toMatch(new RegExp(`^id\\s+${B}$`, "m"))
    expect(lonely).toMatchObject({ status: 1, stdout: "", stderr: `session-index: no valid rollout for thread ${ghost.replace(/77$/, "78")}, named "ghost"\n` })
    // The newest rollout so named has no valid meta: the message names its thread, not another.
    const invalid = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a79"
    const file = rollout(h, invalid, "2025-01-16T08-00-00", { cwd: "/w", preview: "x", mtime: 1_737_000_000 })
    fs.writeFileSync(file, "{}\n")
    fs.utimesSync(file, 1_737_000_000, 1_737_000_000)
    fs.appendFileSync(path.join(h, "session_index.jsonl"), entry(invalid, "twin") + entry(A, "twin"))
    expect(await run(["show", "twin", "--codex-home", h])).toMatchObject({ status: 1, stderr: `session-index: no valid rollout for thread ${invalid}, named "twin"\n` })
  })
})

describe("what another user cannot read", () => {
  it("a forbidden rollout is left out with a warning, as Codex leaves it out; a forbidden folder fails, named", async (ctx) => {
    const refused = closedToStranger()
    if (refused !== undefined) return ctx.skip(refused)
    const h = home()
    fs.chmodSync(h, 0o755)
    const forbidden = rollout(h, "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a26", "2025-01-14T22-00-00", { cwd: "/work/api", preview: "secret", mtime: 1_736_950_000 })
    fs.chmodSync(forbidden, 0o000)
    const listed = await asStranger(["threads", "--json", "--codex-home", h])
    expect(listed.status).toBe(0)
    expect(listed.stdout.trimEnd().split("\n").map((line) => JSON.parse(line).id)).toEqual([A, B])
    expect(listed.stderr).toBe(`session-index: not listing ${forbidden}: permission denied\n`)
    // Asked for by id, the thread's only rollout that cannot be read is the answer.
    expect(await asStranger(["show", "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a26", "--codex-home", h])).toMatchObject({
      status: 3,
      stdout: "",
      stderr: `session-index: cannot read ${forbidden}: permission denied\n`
    })
    // A newer rollout of B that cannot be read: B is shown from the one that can, with a warning.
    const twin = rollout(h, B, "2025-01-15T09-00-00", { cwd: "/work/web/", preview: "twin", mtime: 1_736_950_000 })
    fs.chmodSync(twin, 0o000)
    const shown = await asStranger(["show", B, "--codex-home", h, "--tail", "0"])
    expect(shown).toMatchObject({ status: 0, stderr: `session-index: not listing ${twin}: permission denied\n` })
    expect(shown.stdout).toMatch(/^preview\s+a \\x1b\[31mred/m)
    const day = path.dirname(forbidden)
    fs.chmodSync(day, 0o000)
    try {
      expect(await asStranger(["threads", "--codex-home", h])).toMatchObject({ status: 3, stdout: "", stderr: `session-index: cannot list ${day}: permission denied\n` })
    } finally {
      fs.chmodSync(day, 0o755)
    }
  })
})

describe("stdout that fails", () => {
  /** `session-index ...args` with stdout as a shell script sets it: `"$@"` runs the CLI. */
  const inShell = (script: string, args: ReadonlyArray<string>) => start("bash", ["-c", script, "bash", process.execPath, main, ...args]).done

  it("a full disk (/dev/full): exit 3 and one line saying so, for every kind of answer", async () => {
    const h = home()
    const results = await Promise.all(
      [
        ["threads", "--codex-home", h],
        ["threads", "--json", "--codex-home", h],
        ["show", A, "--codex-home", h],
        ["show", A, "--json", "--codex-home", h],
        ["list", "--codex-home", h],
        ["--version"],
        // What @effect/cli answers itself.
        ["--version", "--codex-home", h],
        ["--completions", "bash"]
      ].map((args) => inShell('"$@" > /dev/full', args))
    )
    for (const result of results) expect(result).toMatchObject({ status: 3, stderr: "session-index: cannot write to stdout: no space left on device\n" })
  })

  it("a reader that closes the pipe (| head): no message, the status of a writer SIGPIPE ended", async () => {
    const h = tempDirSync("si-cli-pipe-")
    // Far more than a pipe holds, so the writer meets the closed end.
    for (let i = 0; i < 600; i++) {
      const id = `0194f7c2-3b1d-7c4e-9a51-${i.toString(16).padStart(12, "0")}`
      rollout(h, id, "2025-01-14T21-06-17", { cwd: "/work/api", preview: `thread ${i} ${"x".repeat(200)}`, mtime: 1_736_900_000 - i })
    }
    const result = await inShell('"$@" | head -c 1 > /dev/null; echo "status ${PIPESTATUS[0]}"', ["threads", "--json", "--codex-home", h])
    expect(result).toMatchObject({ status: 0, stdout: "status 141\n", stderr: "" })
  })
})

describe("times past JavaScript's dates", () => {
  it("an mtime a file system keeps but Date cannot show is printed as its seconds", async (ctx) => {
    const h = fs.existsSync("/dev/shm") ? fs.mkdtempSync("/dev/shm/si-cli-far-") : undefined
    if (h === undefined) return ctx.skip("no tmpfs at /dev/shm")
    try {
      const file = rollout(h, A, "2025-01-14T21-06-17", { cwd: "/work/api", preview: "far future", mtime: 1_736_900_000 })
      fs.utimesSync(file, 99_999_999_999_999, 99_999_999_999_999)
      if (fs.statSync(file).mtimeMs !== 99_999_999_999_999_000) return ctx.skip("this file system clamps times")
      const [table, shown] = await Promise.all([run(["threads", "--codex-home", h]), run(["show", A, "--codex-home", h])])
      expect(table).toMatchObject({ status: 0, stderr: "" })
      expect(table.stdout).toMatch(/^@99999999999999\s+0194f7c2/m)
      expect(shown).toMatchObject({ status: 0, stderr: "" })
      expect(shown.stdout).toMatch(/^updated\s+@99999999999999$/m)
    } finally {
      fs.rmSync(h, { recursive: true, force: true })
    }
  })
})
