/**
 * Indexes that are not a plain file owned by the caller: a symlink (the usual dotfile-manager
 * setup), a link to /dev/null, a FIFO, a file owned by someone else; and temp files that dead
 * rewrites left behind.
 */
import { it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import { execFileSync, spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { IndexReader, IndexWriter } from "../../src/index.js"
import { loadBinding } from "../../src/internal/lock.js"
import { layerWith } from "../../src/internal/layer.js"
import { closedToOthers, tempDirSync, withTempDir } from "../helpers/codexHome.js"

const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n"
/** Runs `body` on a fresh temp directory, removed once it is done. */
const withDir = <A, E, R>(body: (dir: string) => Effect.Effect<A, E, R>) => withTempDir("si-odd-", body)
const [A, B] = ["0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23", "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"]
const isRoot = process.getuid?.() === 0

describe("a symlinked index", () => {
  it.effect("compact and removeThread rewrite the link's target and leave the link in place; appends follow it", () =>
    withDir((dir) => {
      const home = path.join(dir, "codex")
      const dotfiles = path.join(dir, "dotfiles")
      fs.mkdirSync(home)
      fs.mkdirSync(dotfiles)
      const target = path.join(dotfiles, "codex-index.jsonl")
      fs.writeFileSync(target, line(A, "a1") + line(B, "b1") + line(A, "a2"), { mode: 0o600 })
      fs.symlinkSync("../dotfiles/codex-index.jsonl", path.join(home, "session_index.jsonl"))
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const reader = yield* IndexReader
        expect(yield* writer.compact()).toMatchObject({ linesBefore: 3, linesAfter: 2 })
        expect(fs.readlinkSync(path.join(home, "session_index.jsonl"))).toBe("../dotfiles/codex-index.jsonl")
        expect(fs.readFileSync(target, "utf8")).toBe(line(B, "b1") + line(A, "a2"))
        expect(fs.statSync(target).mode & 0o777).toBe(0o600)
        yield* writer.appendThreadName(B, "b2")
        expect(yield* writer.removeThread(A)).toBe(1)
        expect(fs.lstatSync(path.join(home, "session_index.jsonl")).isSymbolicLink()).toBe(true)
        expect(yield* reader.findNamesByIds([A, B])).toEqual(new Map([[B, "b2"]]))
        // Temp files go beside the target (same file system), and none is left.
        expect(fs.readdirSync(dotfiles).filter((n) => n.endsWith(".tmp"))).toEqual([])
        expect(fs.readdirSync(home).sort()).toEqual(["session_index.jsonl", "session_index.jsonl.lock"])
      }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })))
    })
  )

  it.effect("a link to /dev/null: rewrites and appends are refused typed, lookups fail typed, the link stays", () =>
    withDir((home) => {
      const index = path.join(home, "session_index.jsonl")
      fs.symlinkSync("/dev/null", index)
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const reader = yield* IndexReader
        for (const error of [
          yield* Effect.flip(writer.compact()),
          yield* Effect.flip(writer.removeThread(A)),
          yield* Effect.flip(writer.appendThreadName(A, "x")),
          yield* Effect.flip(reader.findNameById(A))
        ]) {
          expect(error._tag).toBe("IndexIoError")
          expect(error.message).toContain("not a regular file")
        }
        expect(fs.readlinkSync(index)).toBe("/dev/null")
        expect(fs.statSync("/dev/null").isCharacterDevice()).toBe(true)
      }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })))
    })
  )
})

describe("a FIFO at the index path", () => {
  it.live("nothing blocks on it: lookups, the listing, appends and rewrites fail typed; the feed waits for a real file", () =>
    withDir((home) => {
      const index = path.join(home, "session_index.jsonl")
      execFileSync("mkfifo", [index])
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const reader = yield* IndexReader
        const failures = yield* Effect.all([
          Effect.flip(reader.findNameById(A)),
          Effect.flip(reader.findIdByName("x")),
          Effect.flip(reader.findNamesByIds([A, B])),
          Effect.flip(Stream.runCollect(reader.latestEntries)),
          Effect.flip(writer.appendThreadName(A, "x")),
          Effect.flip(writer.compact()),
          Effect.flip(writer.removeThread(A))
        ])
        for (const error of failures) {
          expect(error._tag).toBe("IndexIoError")
          expect(error.message).toContain("not a regular file (FIFO)")
        }
        // The feed never opens it; once a regular file replaces it, its entries arrive.
        const feed = yield* reader.changes.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
        yield* Effect.sleep("700 millis")
        fs.rmSync(index)
        fs.writeFileSync(index, line(A, "a real file now"))
        const got = yield* feed.await.pipe(Effect.flatten, Effect.timeout("10 seconds"))
        expect(Chunk.toArray(got).map((e) => e.thread_name)).toEqual(["a real file now"])
      }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })), Effect.timeout("30 seconds"))
    })
  )
})

describe("owners and modes", () => {
  it.effect.skipIf(!isRoot)("root's compaction keeps another user's owner, group and mode (needs root)", () =>
    withDir((home) => {
      const index = path.join(home, "session_index.jsonl")
      fs.writeFileSync(index, line(A, "a1") + line(A, "a2") + line(B, "b"))
      fs.chownSync(index, 4321, 4322)
      fs.chmodSync(index, 0o600)
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        expect(yield* writer.compact()).toMatchObject({ linesAfter: 2 })
        yield* writer.removeThread(B)
        const info = fs.statSync(index)
        expect([info.uid, info.gid, info.mode & 0o7777]).toEqual([4321, 4322, 0o600])
        expect(fs.readFileSync(index, "utf8")).toBe(line(A, "a2"))
        const journal = fs.statSync(path.join(home, ".session_index.jsonl.rewrites"))
        expect([journal.uid, journal.gid]).toEqual([4321, 4322])
      }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })))
    })
  )

  it.skipIf(!isRoot)("a user who cannot give the new file the index's owner is refused; the index is untouched (needs root to switch users)", (ctx) => {
    // The other user must be able to load the library from this checkout.
    const repo = path.resolve(__dirname, "../..")
    const closed = closedToOthers(repo)
    if (closed !== undefined) ctx.skip(`${closed} is closed to other users, so another user cannot load the library from it`)
    const home = tempDirSync("si-odd-")
    fs.chmodSync(home, 0o777)
    const index = path.join(home, "session_index.jsonl")
    const original = line(A, "a1") + line(A, "a2")
    fs.writeFileSync(index, original)
    fs.chmodSync(index, 0o666)
    fs.writeFileSync(path.join(home, "session_index.jsonl.lock"), "")
    fs.chmodSync(path.join(home, "session_index.jsonl.lock"), 0o666)
    const script = `
      import { Effect } from "effect"
      import { IndexWriter, NodeSessionIndex } from ${JSON.stringify(path.resolve(__dirname, "../../dist/index.js"))}
      const exit = await Effect.runPromiseExit(Effect.flatMap(IndexWriter, (w) => w.compact()).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: process.argv[1], workers: 0 }))))
      console.log(JSON.stringify(exit._tag === "Failure" ? exit.cause.error ?? exit.cause : exit.value))`
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, home], {
      uid: 65534,
      gid: 65534,
      cwd: path.resolve(__dirname, "../.."),
      encoding: "utf8"
    })
    expect(child.stderr).toBe("")
    const result = JSON.parse(child.stdout)
    expect(result._tag).toBe("IndexIoError")
    expect(result.reason).toContain("owner")
    expect(fs.readFileSync(index, "utf8")).toBe(original)
    expect(fs.statSync(index).uid).toBe(0)
    expect(fs.readdirSync(home).filter((n) => n.endsWith(".tmp"))).toEqual([])
  })
})

describe("temp files of dead rewrites", () => {
  it.effect("are removed by the next rewrite when old and unlocked; young or locked ones stay", () =>
    withDir((home) => {
      const index = path.join(home, "session_index.jsonl")
      fs.writeFileSync(index, line(A, "a1") + line(A, "a2"))
      const temp = (name: string, ageSeconds: number) => {
        const file = path.join(home, name)
        fs.writeFileSync(file, "half a compaction\n".repeat(1000))
        const when = new Date(Date.now() - ageSeconds * 1000)
        fs.utimesSync(file, when, when)
        return file
      }
      const dead = temp(".session_index.jsonl.rewrite-999999-0123456789ab.tmp", 3600)
      const young = temp(".session_index.jsonl.rewrite-999998-0123456789ac.tmp", 0)
      const live = temp(".session_index.jsonl.rewrite-999997-0123456789ad.tmp", 3600)
      const unrelated = temp(".session_index.jsonl.0123456789ae.tmp", 3600)
      // A live rewrite (here: this test) holds its temp file's lock.
      const liveFd = fs.openSync(live, "r")
      Option.getOrThrow(loadBinding()).flockSync(liveFd, "exnb")
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        yield* writer.compact()
        expect(fs.existsSync(dead)).toBe(false)
        expect(fs.existsSync(young)).toBe(true)
        expect(fs.existsSync(live)).toBe(true)
        expect(fs.existsSync(unrelated)).toBe(true)
        expect(fs.readFileSync(index, "utf8")).toBe(line(A, "a2"))
        fs.closeSync(liveFd)
      }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })))
    })
  )

  it.live("a rewrite killed with SIGKILL leaves its temp file; the next rewrite removes it once it is stale", () =>
    withDir((home) => {
      const index = path.join(home, "session_index.jsonl")
      const ids = Array.from({ length: 5000 }, () => crypto.randomUUID())
      const fd = fs.openSync(index, "w")
      for (let chunk = 0; chunk < 60; chunk++) {
        fs.writeSync(fd, Array.from({ length: 5000 }, (_, i) => line(ids[i]!, `rename ${chunk} of a thread`)).join(""))
      }
      fs.closeSync(fd)
      const original = fs.readFileSync(index)
      const script = `
        import { Effect } from "effect"
        import { IndexWriter, NodeSessionIndex } from ${JSON.stringify(path.resolve(__dirname, "../../dist/index.js"))}
        await Effect.runPromise(Effect.flatMap(IndexWriter, (w) => w.compact()).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: process.argv[1], workers: 0 }))))`
      return Effect.gen(function* () {
        const { spawn } = yield* Effect.promise(() => import("node:child_process"))
        const child = spawn(process.execPath, ["--input-type=module", "-e", script, home], { cwd: path.resolve(__dirname, "../..") })
        const temps = () => fs.readdirSync(home).filter((n) => n.includes(".rewrite-") && n.endsWith(".tmp"))
        const deadline = Date.now() + 20_000
        while (temps().length === 0 && Date.now() < deadline) yield* Effect.sleep("2 millis")
        child.kill("SIGKILL")
        yield* Effect.promise(() => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(0) : child.once("exit", resolve))))
        const left = temps()
        expect(left).toHaveLength(1)
        expect(fs.readFileSync(index).equals(original)).toBe(true)
        const writer = yield* IndexWriter
        yield* writer.compact()
        // Still young: kept (a live rewrite could have just created it).
        expect(temps()).toEqual(left)
        const old = new Date(Date.now() - 60_000)
        fs.utimesSync(path.join(home, left[0]!), old, old)
        yield* writer.compact()
        expect(temps()).toEqual([])
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ids[42]!)).toEqual(Option.some("rename 59 of a thread"))
      }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })))
    }),
    60_000)
})
