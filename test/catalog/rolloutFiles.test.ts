/**
 * The walk's folder cache: a folder is listed again whenever its entries change, and a folder
 * changed too recently for its ctime to be trusted is always listed again. With watches, a
 * walk sees what a fresh one sees while reading only what notifications named.
 */
import { describe, expect, it } from "vitest"
import * as fs from "node:fs"
import { createRequire, syncBuiltinESMExports } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { activeRollouts, archivedRollouts, FolderCache, type RolloutFile } from "../../src/internal/catalog/rolloutFiles.js"

const uuid = (n: number) => `0194f7c2-3b1d-7c4e-9a51-${n.toString(16).padStart(12, "0")}`
const name = (n: number) => `rollout-2025-01-14T10-00-0${n}-${uuid(n)}.jsonl`

const home = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-walk-"))
  fs.mkdirSync(path.join(dir, "sessions/2025/01/14"), { recursive: true })
  fs.mkdirSync(path.join(dir, "archived_sessions"))
  return dir
}
const ids = (files: ReadonlyArray<{ id: string }>) => files.map((f) => f.id).sort()

describe("FolderCache", () => {
  // A clock far ahead: every ctime counts as settled, so every folder's listing is trusted.
  const settled = () => Date.now() + 3_600_000

  it("lists a folder again when an entry is added, removed or renamed", () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    const folders = new FolderCache({ now: settled })
    fs.writeFileSync(path.join(day, name(1)), "x")
    for (let i = 0; i < 3; i++) expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(1)])
    fs.writeFileSync(path.join(day, name(2)), "x")
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(1), uuid(2)])
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(1), uuid(2)])
    fs.rmSync(path.join(day, name(1)))
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(2)])
    fs.renameSync(path.join(day, name(2)), path.join(day, `${name(2)}.zst`))
    expect(activeRollouts(codexHome, folders).map((f) => f.compressed)).toEqual([true])
    // A new day folder: its month folder's entries changed.
    fs.mkdirSync(path.join(codexHome, "sessions/2025/01/15"))
    fs.writeFileSync(path.join(codexHome, "sessions/2025/01/15", name(3)), "x")
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(2), uuid(3)])
  })

  it("sizes and mtimes are read on every walk: an append does not touch the folder", () => {
    const codexHome = home()
    const file = path.join(codexHome, "archived_sessions", name(1))
    const folders = new FolderCache({ now: settled })
    fs.writeFileSync(file, "x")
    fs.utimesSync(file, 1, 1)
    for (let i = 0; i < 3; i++) expect(archivedRollouts(codexHome, folders).map((f) => [f.size, f.mtimeMs])).toEqual([[1, 1000]])
    fs.appendFileSync(file, "yz")
    fs.utimesSync(file, 2, 2)
    expect(archivedRollouts(codexHome, folders).map((f) => [f.size, f.mtimeMs])).toEqual([[3, 2000]])
  })

  it("a folder that vanishes, or becomes a file, lists nothing; one that comes back is read", () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    const folders = new FolderCache({ now: settled })
    fs.writeFileSync(path.join(day, name(1)), "x")
    for (let i = 0; i < 3; i++) expect(activeRollouts(codexHome, folders)).toHaveLength(1)
    fs.rmSync(path.join(codexHome, "sessions"), { recursive: true })
    expect(activeRollouts(codexHome, folders)).toEqual([])
    fs.writeFileSync(path.join(codexHome, "sessions"), "not a folder")
    expect(activeRollouts(codexHome, folders)).toEqual([])
    fs.rmSync(path.join(codexHome, "sessions"))
    fs.mkdirSync(day, { recursive: true })
    fs.writeFileSync(path.join(day, name(2)), "x")
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(2)])
  })

  it("with the real clock, a folder just changed is listed again on every walk", () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    const folders = new FolderCache()
    fs.writeFileSync(path.join(day, name(1)), "x")
    expect(activeRollouts(codexHome, folders)).toHaveLength(1)
    expect(activeRollouts(codexHome, folders)).toHaveLength(1)
    fs.writeFileSync(path.join(day, name(2)), "x")
    expect(activeRollouts(codexHome, folders)).toHaveLength(2)
  })
})

describe("FolderCache with watches", () => {
  // Two turns of the event loop: every notification of a change made before is delivered.
  const delivered = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)))
  const snapshot = (files: ReadonlyArray<RolloutFile>) => files.map((f) => `${f.path} ${f.id} ${f.size} ${f.mtimeMs}`).sort()
  const watching = (stallLimitMs = 60_000) => new FolderCache({ watch: { stallLimitMs } })

  /** Runs `body` with one function of `node:fs` replaced, in the code under test too (its ESM bindings follow the CommonJS module). */
  const withFs = <K extends "statSync" | "watch", A>(name: K, replace: (original: (typeof fs)[K]) => (typeof fs)[K], body: () => A): A => {
    const cjs = createRequire(import.meta.url)("node:fs") as { [key in K]: (typeof fs)[K] }
    const original = cjs[name]
    cjs[name] = replace(original)
    syncBuiltinESMExports()
    try {
      return body()
    } finally {
      cjs[name] = original
      syncBuiltinESMExports()
    }
  }

  /** The rollouts `fs.statSync` was asked about while `walk` ran. */
  const rolloutStats = <A>(walk: () => A): { result: A; stated: Array<string> } => {
    const stated: Array<string> = []
    const counting = (original: typeof fs.statSync) =>
      ((file: fs.PathLike, options?: fs.StatSyncOptions) => {
        if (path.basename(String(file)).startsWith("rollout-")) stated.push(path.basename(String(file)))
        return original(file, options)
      }) as typeof fs.statSync
    return { result: withFs("statSync", counting, walk), stated }
  }

  it("a re-listing stats only the files a notification named", async () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    for (const n of [1, 2, 3]) fs.writeFileSync(path.join(day, name(n)), "x")
    const folders = watching()
    try {
      expect(rolloutStats(() => activeRollouts(codexHome, folders)).stated.sort()).toEqual([name(1), name(2), name(3)])
      await delivered()
      expect(rolloutStats(() => activeRollouts(codexHome, folders)).stated).toEqual([])
      fs.appendFileSync(path.join(day, name(2)), "yz")
      fs.utimesSync(path.join(day, name(2)), 5.0015, 5.0015)
      await delivered()
      const { result, stated } = rolloutStats(() => activeRollouts(codexHome, folders))
      expect(stated).toEqual([name(2)])
      expect(result.find((f) => f.id === uuid(2))).toMatchObject({ size: 3, mtimeMs: 5001 })
      await delivered()
      expect(rolloutStats(() => activeRollouts(codexHome, folders)).stated).toEqual([])
    } finally {
      folders.close()
    }
  })

  it("sees every change a fresh walk sees: files, folders, replaced folders, a new root", async () => {
    const codexHome = home()
    const sessions = path.join(codexHome, "sessions")
    const day = path.join(sessions, "2025/01/14")
    const outside = path.join(codexHome, "outside")
    fs.mkdirSync(outside)
    const folders = watching()
    const changes: Array<[string, () => void]> = [
      ["a file appears", () => fs.writeFileSync(path.join(day, name(1)), "x")],
      ["a file grows", () => fs.appendFileSync(path.join(day, name(1)), "more")],
      ["only its mtime moves", () => fs.utimesSync(path.join(day, name(1)), 7, 7)],
      ["a second file", () => fs.writeFileSync(path.join(day, name(2)), "x")],
      ["a file is compressed", () => fs.renameSync(path.join(day, name(2)), path.join(day, `${name(2)}.zst`))],
      ["a file goes", () => fs.rmSync(path.join(day, `${name(2)}.zst`))],
      ["a new day", () => {
        fs.mkdirSync(path.join(sessions, "2025/01/15"))
        fs.writeFileSync(path.join(sessions, "2025/01/15", name(3)), "x")
      }],
      ["a day replaced by another folder", () => {
        fs.renameSync(day, path.join(outside, "old-day"))
        fs.mkdirSync(path.join(outside, "new-day"))
        fs.writeFileSync(path.join(outside, "new-day", name(4)), "x")
        fs.renameSync(path.join(outside, "new-day"), day)
      }],
      ["the moved-out day changes", () => fs.writeFileSync(path.join(outside, "old-day", name(5)), "x")],
      ["an emptied day", () => fs.rmSync(path.join(day, name(4)))],
      ["another folder renamed over it", () => {
        fs.mkdirSync(path.join(outside, "newer-day"))
        fs.writeFileSync(path.join(outside, "newer-day", name(6)), "x")
        fs.renameSync(path.join(outside, "newer-day"), day)
      }],
      ["a file grows in it", () => fs.appendFileSync(path.join(day, name(6)), "more")],
      ["a new sessions folder", () => {
        fs.renameSync(sessions, path.join(outside, "old-sessions"))
        fs.mkdirSync(path.join(sessions, "2025/01/14"), { recursive: true })
        fs.writeFileSync(path.join(sessions, "2025/01/14", name(8)), "x")
      }],
      ["no sessions folder", () => fs.rmSync(sessions, { recursive: true })],
      ["sessions again", () => {
        fs.mkdirSync(day, { recursive: true })
        fs.writeFileSync(path.join(day, name(9)), "x")
      }],
      ["an archived file", () => fs.writeFileSync(path.join(codexHome, "archived_sessions", name(1)), "x")],
      ["it grows", () => fs.appendFileSync(path.join(codexHome, "archived_sessions", name(1)), "more")]
    ]
    try {
      for (const [what, change] of changes) {
        change()
        await delivered()
        expect(snapshot(activeRollouts(codexHome, folders)), what).toEqual(snapshot(activeRollouts(codexHome)))
        expect(snapshot(archivedRollouts(codexHome, folders)), what).toEqual(snapshot(archivedRollouts(codexHome)))
      }
    } finally {
      folders.close()
    }
  })

  it("a folder that cannot be watched (the user's watch limit reached) is walked as without watches", async () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    const other = path.join(codexHome, "sessions/2025/01/15")
    fs.mkdirSync(other)
    fs.writeFileSync(path.join(day, name(1)), "x")
    fs.writeFileSync(path.join(other, name(2)), "x")
    // The user's watch limit is reached at `day`: every walk here opens watches with it so.
    const failing = (original: typeof fs.watch) =>
      ((dir: fs.PathLike, ...rest: Array<unknown>) => {
        if (String(dir) === day) throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached"), { code: "ENOSPC" })
        return (original as (...args: Array<unknown>) => fs.FSWatcher)(dir, ...rest)
      }) as typeof fs.watch
    const folders = watching()
    const walk = () => withFs("watch", failing, () => activeRollouts(codexHome, folders))
    try {
      walk()
      await delivered()
      // The unwatched folder's file is stated on every walk, the watched one's is not.
      for (let i = 0; i < 2; i++) expect(rolloutStats(walk).stated).toEqual([name(1)])
      fs.appendFileSync(path.join(day, name(1)), "more")
      fs.writeFileSync(path.join(day, name(3)), "x")
      await delivered()
      expect(snapshot(walk())).toEqual(snapshot(activeRollouts(codexHome)))
    } finally {
      folders.close()
    }
  })

  /** Watches the kernel holds for this process (every inotify instance's `wd` lines). */
  const kernelWatches = () => {
    let count = 0
    for (const fd of fs.readdirSync("/proc/self/fd")) {
      let target: string
      try {
        target = fs.readlinkSync(`/proc/self/fd/${fd}`)
      } catch {
        continue
      }
      if (target === "anon_inode:inotify") count += fs.readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").split("\n").filter((line) => line.startsWith("inotify wd:")).length
    }
    return count
  }

  it("one watch per folder walked, all removed when the cache closes or a folder goes", async () => {
    const codexHome = home()
    fs.mkdirSync(path.join(codexHome, "sessions/2025/01/15"))
    fs.writeFileSync(path.join(codexHome, "sessions/2025/01/14", name(1)), "x")
    const before = kernelWatches()
    const folders = watching()
    activeRollouts(codexHome, folders)
    archivedRollouts(codexHome, folders)
    // sessions, 2025, 01, 14, 15 and archived_sessions
    expect(kernelWatches() - before).toBe(6)
    fs.rmSync(path.join(codexHome, "sessions/2025/01/15"), { recursive: true })
    await delivered()
    activeRollouts(codexHome, folders)
    await delivered()
    expect(kernelWatches() - before).toBe(5)
    folders.close()
    await delivered()
    expect(kernelWatches()).toBe(before)
  })

  it("after the event loop stood still, notifications may be lost: every file is stated again", async () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    for (const n of [1, 2]) fs.writeFileSync(path.join(day, name(n)), "x")
    const folders = watching(300)
    try {
      const first = activeRollouts(codexHome, folders)
      const until = Date.now() + 600
      while (Date.now() < until) {
        // the event loop stands still
      }
      await delivered()
      const { result, stated } = rolloutStats(() => activeRollouts(codexHome, folders))
      expect(stated.sort()).toEqual([name(1), name(2)])
      // Unchanged files keep their records, and with them what a listing remembered of them.
      expect(result).toHaveLength(2)
      for (const file of result) expect(first).toContain(file)
    } finally {
      folders.close()
    }
  })
})
