/**
 * The CLI under faults: signals during a compaction, a killed compaction's leftovers, a file
 * size limit, a full disk, a FIFO and a symlink where the index should be. Each runs the
 * compiled CLI (`npm run build` first) as a child process.
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { tempDirSync } from "../helpers/codexHome.js"
import { type CliResult, main, run, start, startCli, type Started } from "./runCli.js"

const INDEX = "session_index.jsonl"
const A = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
const B = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"
const C = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a25"
const line = (id: string, name: string, at = "2026-02-03T16:08:29.123Z") =>
  JSON.stringify({ id, thread_name: name, updated_at: at }) + "\n"
/** Five lines (a rename, a bad line, a blank name) that compact to `COMPACTED`. */
const SMALL = line(A, "old name") + line(B, "beta") + "not json\n" + line(A, "alpha") + line(C, "   ")
const COMPACTED = line(B, "beta") + line(A, "alpha")
const CODEX_LINE = /^\{"id":"[0-9a-f-]{36}","thread_name":"[^"]*","updated_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}\n$/

const tempDir = () => tempDirSync("si-cli-faults-")

const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex")
/** Rewrite temp files (`.<index>.rewrite-<pid>-<hex>.tmp`) in `dir`. */
const temps = (dir: string) => fs.readdirSync(dir).filter((name) => /^\..+\.rewrite-\d+-[0-9a-f]{12}\.tmp$/.test(name))
/** What is in `dir` besides Codex's lock file (which any writer may leave, empty). */
const entries = (dir: string) => fs.readdirSync(dir).filter((name) => name !== `${INDEX}.lock`).sort()

/** Resolves with what `probe` finds as soon as it finds something (polling every 2 ms), while `started` runs. */
const waitFor = <A>(what: string, started: Started, probe: () => A | undefined) =>
  new Promise<A>((resolve, reject) => {
    const poll = setInterval(() => {
      const found = probe()
      if (found === undefined) return
      clearInterval(poll)
      resolve(found)
    }, 2)
    void started.done.then((result) => {
      clearInterval(poll)
      reject(new Error(`the command ended before ${what}: ${JSON.stringify(result)}`))
    })
  })

/** The name of the rewrite's temp file, as soon as it appears. */
const waitForTemp = (dir: string, started: Started) => waitFor("its temp file appeared", started, () => temps(dir)[0])

/** Whether process `pid` has `file` open (Linux `/proc`). */
const holdsOpen = (pid: number, file: string) => {
  const fdDir = `/proc/${pid}/fd`
  try {
    return fs.readdirSync(fdDir).some((fd) => {
      try {
        return fs.readlinkSync(path.join(fdDir, fd)) === file
      } catch {
        return false // closed meanwhile
      }
    })
  } catch {
    return false
  }
}

/** `flock(2)` from the binding the library uses, to hold a lock from this process. */
const { flockSync } = createRequire(import.meta.url)("fs-ext-extra-prebuilt") as { flockSync: (fd: number, flags: "exnb") => void }

const dryRun = async (home: string) => {
  const result = await run(["compact", "--codex-home", home, "--dry-run", "--json"])
  expect(result.status).toBe(0)
  return JSON.parse(result.stdout) as { linesBefore: number; linesAfter: number; bytesBefore: number; bytesAfter: number }
}

/** Exactly one line on stderr, `session-index: ...` in plain words (no error codes or tags), nothing on stdout. */
const expectOneLineError = (result: CliResult, status: number, pattern: RegExp) => {
  expect(result).toMatchObject({ status, signal: null, stdout: "", timedOut: false })
  expect(result.stderr).toMatch(/^session-index: [^\n]+\n$/)
  expect(result.stderr).toMatch(pattern)
  expect(result.stderr).not.toMatch(/\bE[A-Z]{3,}\b|PermissionDenied|BadResource|Unknown:|SystemError/)
}

describe("compact interrupted while it rewrites a large index", () => {
  // 64 MiB: the survey pass takes seconds, the copy into the temp file a good fraction of one.
  let source = ""
  beforeAll(async () => {
    source = path.join(tempDir(), INDEX)
    const generated = await run(["gen", source, "--size", "64MiB", "--seed", "3", "--json"])
    expect(generated.status).toBe(0)
  }, 180_000)
  const bigHome = () => {
    const home = tempDir()
    fs.copyFileSync(source, path.join(home, INDEX))
    return { home, index: path.join(home, INDEX), hash: sha256(path.join(home, INDEX)) }
  }

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143]
  ] as const)("%s: exit %i, one line, no temp file, the index as it was or fully compacted", { timeout: 120_000 }, async (signal, status) => {
    const { hash, home, index } = bigHome()
    const started = startCli(["compact", "--codex-home", home])
    await waitForTemp(home, started)
    expect(started.child.kill(signal)).toBe(true)
    const result = await started.done
    expect(result).toEqual({ status, signal: null, stdout: "", stderr: `session-index: interrupted by ${signal}\n`, timedOut: false })
    expect(temps(home)).toEqual([])
    if (sha256(index) === hash) {
      // Interrupted before its point of no return: nothing but the original is left.
      expect(entries(home)).toEqual([INDEX])
    } else {
      // Past it (the locked commit runs to its end): the complete compaction, journal and all.
      const expected = await dryRun(path.dirname(source))
      const now = await dryRun(home)
      expect(now).toMatchObject({ linesBefore: expected.linesAfter, linesAfter: expected.linesAfter, bytesBefore: expected.bytesAfter })
      expect(entries(home)).toEqual([`.${INDEX}.rewrites`, INDEX])
    }
  })
})

describe("interrupted while waiting for Codex's lock (held by this process)", () => {
  it.each([
    ["compact", "SIGINT", 130],
    ["rename", "SIGTERM", 143]
  ] as const)("%s, %s: exit %i, one line, the index byte-identical, nothing left behind", async (command, signal, status) => {
    const home = tempDir()
    const index = path.join(home, INDEX)
    fs.writeFileSync(index, SMALL)
    const lockPath = path.join(fs.realpathSync(home), `${INDEX}.lock`)
    const held = fs.openSync(lockPath, "a")
    try {
      flockSync(held, "exnb")
      const started = startCli(command === "compact" ? ["compact", "--codex-home", home] : ["rename", "--codex-home", home, C, "gamma"])
      // It opens the lock file only to wait for the lock, after the rewrite's copy is complete.
      await waitFor("it opened the lock file", started, () => (holdsOpen(started.child.pid!, lockPath) ? true : undefined))
      if (command === "compact") {
        const [temp] = temps(home)
        expect(fs.statSync(path.join(home, temp!)).size).toBe(COMPACTED.length)
      }
      expect(started.child.kill(signal)).toBe(true)
      const result = await started.done
      expect(result).toEqual({ status, signal: null, stdout: "", stderr: `session-index: interrupted by ${signal}\n`, timedOut: false })
      expect(fs.readFileSync(index, "utf8")).toBe(SMALL)
      expect(entries(home)).toEqual([INDEX])
    } finally {
      fs.closeSync(held)
    }
  })

  it("SIGKILL (parked at the lock) leaves its temp file and the index intact; a later compact removes the temp only once it is over 10 s old and unlocked", async () => {
    const home = tempDir()
    const index = path.join(home, INDEX)
    fs.writeFileSync(index, SMALL)
    const lockPath = path.join(fs.realpathSync(home), `${INDEX}.lock`)
    const held = fs.openSync(lockPath, "a")
    let temp: string | undefined
    try {
      flockSync(held, "exnb")
      const started = startCli(["compact", "--codex-home", home])
      await waitFor("it opened the lock file", started, () => (holdsOpen(started.child.pid!, lockPath) ? true : undefined))
      temp = temps(home)[0]
      started.child.kill("SIGKILL")
      expect(await started.done).toMatchObject({ status: null, signal: "SIGKILL", stdout: "", stderr: "", timedOut: false })
    } finally {
      fs.closeSync(held)
    }
    expect(temp).toBeDefined()
    const tempPath = path.join(home, temp!)
    expect(fs.readFileSync(tempPath, "utf8")).toBe(COMPACTED)
    expect(fs.readFileSync(index, "utf8")).toBe(SMALL)
    expect(entries(home)).toEqual([temp, INDEX])

    const compact = async () => {
      const result = await run(["compact", "--codex-home", home])
      expect(result).toMatchObject({ status: 0, stderr: "" })
      expect(result.stdout).toMatch(/^lines\s+\d+ -> 2\n/)
      expect(fs.readFileSync(index, "utf8")).toBe(COMPACTED)
    }
    const age = (seconds: number) => {
      const then = new Date(Date.now() - seconds * 1000)
      fs.utimesSync(tempPath, then, then)
    }

    // Young (its rewrite may still be running, on another machine's clock): kept.
    age(2)
    await compact()
    expect(temps(home)).toEqual([temp])

    // Old, but locked by a live process (this one): kept.
    age(60)
    const locked = fs.openSync(tempPath, "r")
    try {
      flockSync(locked, "exnb")
      await compact()
      expect(temps(home)).toEqual([temp])
    } finally {
      fs.closeSync(locked)
    }

    // Old and unlocked: a dead rewrite's, removed.
    age(60)
    await compact()
    expect(temps(home)).toEqual([])
  })
})

describe("compact and rename when writes fail", () => {
  it("a file size limit (ulimit -f) under the compacted size: exit 3, \"file too large\", the index byte-identical, no temp file", async () => {
    const home = tempDir()
    const index = path.join(home, INDEX)
    const { compacted, text } = renamedThreads(1200 * 1024)
    fs.writeFileSync(index, text)
    const hash = sha256(index)
    const limitBlocks = 256 // bash counts 1024-byte blocks
    expect(compacted.length).toBeGreaterThan(limitBlocks * 1024)
    const result = await limited(limitBlocks, ["compact", "--codex-home", home])
    expectOneLineError(result, 3, /^session-index: cannot rewrite \S+: file too large after \d+ of \d+ bytes; the index was left unchanged\n$/)
    expect(result.stderr).toContain(index)
    expect(sha256(index)).toBe(hash)
    expect(temps(home)).toEqual([])
    expect(entries(home)).toEqual([INDEX])
  })

  it("a file size limit on rename: exit 3, \"file too large\", no partial line, whether the line starts past the limit or straddles it", async () => {
    const limitBlocks = 64
    const past = tempDir()
    fs.writeFileSync(path.join(past, INDEX), SMALL.repeat(Math.ceil((limitBlocks * 1024) / SMALL.length) + 10))
    // 40 bytes below the limit: the line's first 40 bytes are written, then EFBIG.
    const straddling = tempDir()
    const body = SMALL.repeat(100)
    fs.writeFileSync(path.join(straddling, INDEX), body + line(A, "p".repeat(limitBlocks * 1024 - 40 - body.length - line(A, "").length)))
    expect(fs.statSync(path.join(straddling, INDEX)).size).toBe(limitBlocks * 1024 - 40)
    const hashes = [past, straddling].map((home) => sha256(path.join(home, INDEX)))
    const results = await Promise.all(
      [past, straddling].map((home) => limited(limitBlocks, ["rename", "--codex-home", home, B, "a name that crosses the limit"]))
    )
    results.forEach((result, i) => {
      const home = [past, straddling][i]!
      expectOneLineError(result, 3, /^session-index: cannot append to \S+: file too large/)
      expect(result.stderr).toContain(path.join(home, INDEX))
      expect(sha256(path.join(home, INDEX))).toBe(hashes[i])
    })
  })

  it("a full disk (2 MiB tmpfs): compact and rename exit 3, \"no space left on device\", and leave the index byte-identical", async (ctx) => {
    const home = tempDir()
    const mount = await start("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", home]).done.catch((error: Error) => ({
      status: -1,
      stderr: error.message
    }))
    if (mount.status !== 0) {
      console.warn(`skipped: cannot mount a tmpfs here (${mount.stderr.trim()}); the full-disk test needs one`)
      ctx.skip()
    }
    try {
      const index = path.join(home, INDEX)
      // ~1.7 MiB: 4000 threads renamed 3-4 times each; only the last name of each stays.
      const big = renamedThreads(1700 * 1024)
      fs.writeFileSync(index, big.text)
      const hash = sha256(index)
      const free = fs.statfsSync(home)
      // The compacted file does not fit in what is left, however small it is next to the index.
      expect(big.compacted.length).toBeGreaterThan(free.bavail * free.bsize)
      expect(big.compacted.length).toBeLessThan(big.text.length / 3)
      const compacted = await run(["compact", "--codex-home", home])
      expectOneLineError(compacted, 3, /: no space left on device/)
      expect(compacted.stderr).toContain(index)
      expect(sha256(index)).toBe(hash)
      expect(temps(home)).toEqual([])
      expect(entries(home)).toEqual([INDEX])

      // Room for the compacted file and not one page more: the disk fills at the rewrite
      // journal, written under the lock just before the rename. Nothing is replaced.
      const page = 4096
      const fits = renamedThreads(1200 * 1024)
      fs.writeFileSync(index, fits.text)
      const journalHash = sha256(index)
      const leaveFree = (pages: number) => {
        fs.rmSync(path.join(home, "filler"), { force: true })
        const { bavail, bsize } = fs.statfsSync(home)
        expect(bsize).toBe(page)
        fs.writeFileSync(path.join(home, "filler"), Buffer.alloc((bavail - pages) * page))
        expect(fs.statfsSync(home).bavail).toBe(pages)
      }
      leaveFree(Math.ceil(fits.compacted.length / page))
      const atJournal = await run(["compact", "--codex-home", home])
      expectOneLineError(atJournal, 3, /: no space left on device/)
      expect(atJournal.stderr).toContain(path.join(home, `.${INDEX}.rewrites`))
      expect(sha256(index)).toBe(journalHash)
      expect(temps(home)).toEqual([])
      expect(entries(home)).toEqual(["filler", INDEX])
      // One page more and the same compaction goes through.
      leaveFree(Math.ceil(fits.compacted.length / page) + 1)
      const through = await run(["compact", "--codex-home", home, "--json"])
      expect(through).toMatchObject({ status: 0, stderr: "" })
      expect(JSON.parse(through.stdout)).toMatchObject({ linesAfter: THREADS, bytesAfter: fits.compacted.length })
      expect(fs.readFileSync(index, "utf8")).toBe(fits.compacted)
      expect(entries(home)).toEqual([`.${INDEX}.rewrites`, "filler", INDEX])

      // Appends: an index whose last page has room for 40 bytes of the line and no more (the
      // write is short, then ENOSPC), and one that ends exactly on a page (ENOSPC at once).
      for (const room of [40, 0]) {
        fs.rmSync(index, { force: true })
        fs.rmSync(path.join(home, "filler"), { force: true })
        const body = SMALL.repeat(100)
        const want = (Math.ceil(body.length / page) + 1) * page - room
        const padding = want - body.length - line(A, "").length
        fs.writeFileSync(index, body + line(A, "p".repeat(padding)))
        expect(fs.statSync(index).size % page).toBe((page - room) % page)
        const appendHash = sha256(index)
        fillDisk(path.join(home, "filler"))
        const renamed = await run(["rename", "--codex-home", home, B, "a name that will not fit on this disk"])
        expectOneLineError(renamed, 3, /: no space left on device/)
        expect(renamed.stderr).toContain(index)
        expect(fs.readFileSync(index, "utf8").endsWith("\n")).toBe(true)
        expect(sha256(index)).toBe(appendHash)
      }
    } finally {
      const unmounted = await start("umount", [home]).done
      if (unmounted.status !== 0) await start("umount", ["-l", home]).done
    }
  })
})

const THREADS = 4000
/**
 * About `bytes` of Codex lines naming `THREADS` threads in turn, each renamed several times,
 * and its compaction: each thread's last line, in file order, i.e. the last `THREADS` lines.
 */
const renamedThreads = (bytes: number) => {
  const threads = Array.from({ length: THREADS }, (_, i) => `0194f7c2-3b1d-7c4e-9a51-${i.toString(16).padStart(12, "0")}`)
  const lines: Array<string> = []
  for (let i = 0, size = 0; size < bytes || i < 3 * THREADS; i++) {
    const next = line(threads[i % THREADS]!, `thread ${i % THREADS} take ${Math.floor(i / THREADS)}`)
    lines.push(next)
    size += next.length
  }
  return { text: lines.join(""), compacted: lines.slice(-THREADS).join("") }
}

/** The CLI under `ulimit -f blocks` (1024-byte blocks in bash); Node ignores SIGXFSZ, so writes fail with EFBIG. */
const limited = (blocks: number, args: ReadonlyArray<string>) =>
  start("bash", ["-c", `ulimit -f ${blocks} && exec "$@"`, "bash", process.execPath, main, ...args]).done

/** Writes `file` until the file system has no block left. */
const fillDisk = (file: string) => {
  const fd = fs.openSync(file, "w")
  const block = Buffer.alloc(4096, 0x78)
  try {
    for (;;) fs.writeSync(fd, block)
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC")
  } finally {
    fs.closeSync(fd)
  }
}

describe("an index that is not a regular file", () => {
  it("a FIFO: stats, name, compact and rename do not hang and exit 3 with one line", async () => {
    const home = tempDir()
    const index = path.join(home, INDEX)
    expect((await start("mkfifo", [index]).done).status).toBe(0)
    // A reader opening a FIFO blocks until a writer comes: 10 s is a hang.
    const cli = (args: ReadonlyArray<string>) => startCli([...args, "--codex-home", home], { timeoutMs: 10_000 }).done
    const [stats, name, compact, rename] = await Promise.all([
      cli(["stats"]),
      cli(["name", A]),
      cli(["compact"]),
      cli(["rename", A, "into a pipe"])
    ])
    for (const result of [stats, name, compact, rename]) {
      expectOneLineError(result, 3, /not a regular file/)
      expect(result.stderr).toContain(index)
    }
    expect(fs.lstatSync(index).isFIFO()).toBe(true)
    expect(temps(home)).toEqual([])
  })

  it("a symlink: compact rewrites its target and keeps the link; rename appends through it", async () => {
    const root = tempDir()
    const home = path.join(root, "home")
    const other = path.join(root, "other")
    fs.mkdirSync(home)
    fs.mkdirSync(other)
    const target = path.join(other, "real.jsonl")
    const link = path.join(home, INDEX)
    fs.writeFileSync(target, SMALL)
    fs.symlinkSync("../other/real.jsonl", link)

    const compacted = await run(["compact", "--codex-home", home, "--json"])
    expect(compacted).toMatchObject({ status: 0, stderr: "" })
    expect(JSON.parse(compacted.stdout)).toMatchObject({ dryRun: false, linesBefore: 5, linesAfter: 2 })
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readlinkSync(link)).toBe("../other/real.jsonl")
    expect(fs.readFileSync(target, "utf8")).toBe(COMPACTED)
    expect(temps(home)).toEqual([])
    expect(temps(other)).toEqual([])

    const renamed = await run(["rename", "--codex-home", home, C, "gamma"])
    expect(renamed).toMatchObject({ status: 0, stdout: "", stderr: "" })
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readlinkSync(link)).toBe("../other/real.jsonl")
    const after = fs.readFileSync(target, "utf8")
    expect(after.startsWith(COMPACTED)).toBe(true)
    const added = after.slice(COMPACTED.length)
    expect(added).toMatch(CODEX_LINE)
    expect(JSON.parse(added)).toMatchObject({ id: C, thread_name: "gamma" })
    expect(await run(["name", "--codex-home", home, C])).toMatchObject({ status: 0, stdout: "gamma\n" })
  })
})
