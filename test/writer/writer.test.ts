import { it, layer } from "@effect/vitest"
import { Chunk, Effect, Exit, FastCheck as fc, Option, Stream } from "effect"
import { type ChildProcess, fork, spawn } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { IndexReader, IndexWriter, NodeSessionIndex } from "../../src/index.js"
import { layerWith } from "../../src/internal/layer.js"
import { sharedTempDir, SharedTempDir, withTempDir } from "../helpers/codexHome.js"

const appender = path.resolve(__dirname, "fixtures/appender.mjs")
/** Runs `body` on a fresh temp directory, removed once it is done. */
const withHome = <A, E, R>(body: (dir: string) => Effect.Effect<A, E, R>) => withTempDir("si-writer-", body)
const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n"
const validLines = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { id: string; thread_name: string })

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve)))

describe("Codex's writer lock", () => {
  /** Holds flock on the lock file from another process until killed; resolves once locked. */
  const holdLock = (lockPath: string) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn("python3", [
        "-c",
        "import fcntl,sys,time; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)",
        lockPath
      ])
      child.stdout.on("data", (d: Buffer) => d.toString().includes("locked") && resolve(child))
      child.on("error", reject)
    })

  it.live("an append waits while another process holds the lock, and lands after release", () =>
    withHome((dir) => {
      const lockPath = path.join(dir, "session_index.jsonl.lock")
      return Effect.gen(function* () {
        const holder = yield* Effect.promise(() => holdLock(lockPath))
        const writer = yield* IndexWriter
        const id = crypto.randomUUID()
        const append = yield* Effect.fork(writer.appendThreadName(id, "after the lock"))
        yield* Effect.sleep("400 millis")
        expect(fs.existsSync(path.join(dir, "session_index.jsonl"))).toBe(false)
        holder.kill()
        yield* append.await.pipe(Effect.flatten)
        expect(validLines(path.join(dir, "session_index.jsonl")).map((e) => e.thread_name)).toEqual(["after the lock"])
      }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0, lockTimeoutMs: 10_000 })))
    })
  )

  it.live("a held lock past the bounded wait fails with IndexLockTimeout naming the lock file", () =>
    withHome((dir) => {
      const lockPath = path.join(dir, "session_index.jsonl.lock")
      return Effect.gen(function* () {
        const holder = yield* Effect.promise(() => holdLock(lockPath))
        const writer = yield* IndexWriter
        const error = yield* Effect.flip(writer.appendThreadName(crypto.randomUUID(), "x"))
        holder.kill()
        expect(error._tag).toBe("IndexLockTimeout")
        expect(error.message).toContain(lockPath)
      }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0, lockTimeoutMs: 300 })))
    })
  )

  it.live("the lock file is created empty beside the index", () =>
    withHome((dir) =>
      Effect.gen(function* () {
        const writer = yield* IndexWriter
        yield* writer.appendThreadName(crypto.randomUUID(), "x")
        expect(fs.readFileSync(path.join(dir, "session_index.jsonl.lock"), "utf8")).toBe("")
      }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: dir })))
    )
  )
})

describe("removeThread and compact", () => {
  const A = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
  const B = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"

  it.effect("exact bytes: removeThread drops only that thread's entries; compact keeps the last named line of each", () =>
    withHome((dir) => {
      const file = path.join(dir, "session_index.jsonl")
      const original = line(A, "a1") + line(B, "b1") + `garbage ${A}\n` + line(A.toUpperCase(), "a2") + line(B, "  ") + line(A, " ")
      fs.writeFileSync(file, original, { mode: 0o640 })
      fs.chmodSync(file, 0o640)
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        expect(yield* writer.compact({ dryRun: true })).toEqual({ linesBefore: 6, linesAfter: 2, bytesBefore: original.length, bytesAfter: line(B, "b1").length + line(A.toUpperCase(), "a2").length })
        expect(fs.readFileSync(file, "utf8")).toBe(original)
        expect(yield* writer.removeThread(B)).toBe(2)
        expect(fs.readFileSync(file, "utf8")).toBe(line(A, "a1") + `garbage ${A}\n` + line(A.toUpperCase(), "a2") + line(A, " "))
        yield* writer.compact()
        expect(fs.readFileSync(file, "utf8")).toBe(line(A.toUpperCase(), "a2"))
        expect(fs.statSync(file).mode & 0o777).toBe(0o640)
        expect(fs.readdirSync(dir).sort()).toEqual([".session_index.jsonl.rewrites", "session_index.jsonl", "session_index.jsonl.lock"])
        expect(yield* writer.removeThread(crypto.randomUUID())).toBe(0)
        expect(yield* Effect.flip(writer.removeThread("nope"))).toMatchObject({ _tag: "InvalidThreadId" })
      }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: dir, workers: 0 })))
    })
  )

  it.effect("a missing index: nothing to remove or compact", () =>
    withHome((dir) =>
      Effect.gen(function* () {
        const writer = yield* IndexWriter
        expect(yield* writer.removeThread(A)).toBe(0)
        expect(yield* writer.compact()).toEqual({ linesBefore: 0, linesAfter: 0, bytesBefore: 0, bytesAfter: 0 })
      }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: dir, workers: 0 })))
    )
  )

  const ids = Array.from({ length: 6 }, () => crypto.randomUUID())
  const names = ["a", "b", " b ", "", "  ", "ü 🎉", 'q"'] as const
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...names), fc.boolean()).map(([id, n, up]) => line(up ? id.toUpperCase() : id, n)) },
    { weight: 1, arbitrary: fc.constantFrom("garbage\n", "\n", `{"id":"${ids[0]}"\n`, line(ids[1]!, "crlf").replace("\n", "\r\n")) }
  )

  const answers = Effect.gen(function* () {
    const reader = yield* IndexReader
    return {
      names: yield* reader.findNamesByIds(ids),
      byName: yield* Effect.forEach(names, (n) => reader.findIdByName(n)),
      latest: Chunk.toArray(yield* Stream.runCollect(reader.latestEntries)).map((e) => [e.id, e.thread_name])
    }
  })

  layer(sharedTempDir("si-writer-"), { excludeTestServices: true })((it) => {
    it.effect.prop(
      "every lookup answers the same before and after compaction (property)",
      [fc.array(piece, { maxLength: 40 })],
      ([pieces]) =>
        Effect.gen(function* () {
          const dir = yield* SharedTempDir
          const file = path.join(dir, "session_index.jsonl")
          fs.writeFileSync(file, pieces.join(""))
          const layer = NodeSessionIndex.layer({ codexHome: dir, workers: 0 })
          const before = yield* answers.pipe(Effect.provide(layer))
          const stats = yield* Effect.flatMap(IndexWriter, (w) => w.compact()).pipe(Effect.provide(layer))
          const after = yield* answers.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: dir, workers: 0 })))
          expect(after).toEqual(before)
          expect(stats.linesAfter).toBe(before.latest.length)
          expect(stats.bytesAfter).toBe(fs.statSync(file).size)
        }),
      { fastCheck: { numRuns: 60 } }
    )
  })

  it.live("lines appended by a lock-less writer while compaction runs are not lost", () =>
    withHome((dir) => {
      const file = path.join(dir, "session_index.jsonl")
      const filler = Array.from({ length: 60_000 }, (_, i) => line(crypto.randomUUID(), `old ${i}`)).join("")
      fs.writeFileSync(file, filler)
      const written = path.join(dir, "written.txt")
      // Stands in for an old Codex: plain appendFileSync, no lock, recording each id it wrote.
      const script = `
        const fs = require("fs"), crypto = require("crypto")
        const [file, log] = process.argv.slice(1)
        const end = Date.now() + 1500
        while (Date.now() < end) {
          const id = crypto.randomUUID()
          fs.appendFileSync(file, JSON.stringify({ id, thread_name: "new", updated_at: "t" }) + "\\n")
          fs.appendFileSync(log, id + "\\n")
        }`
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const child = spawn(process.execPath, ["-e", script, file, written])
        for (let i = 0; i < 5; i++) yield* writer.compact()
        yield* Effect.promise(() => exited(child))
        yield* writer.compact()
        const wrote = fs.readFileSync(written, "utf8").trim().split("\n")
        expect(wrote.length).toBeGreaterThan(10)
        const reader = yield* IndexReader
        const found = yield* reader.findNamesByIds(wrote)
        expect(found.size).toBe(wrote.length)
      }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: dir, workers: 0 })))
    })
  )
})

describe("concurrent and crashing writers", () => {
  it.live("8 processes x 500 appends through the library plus a plain appendFileSync writer: 4500 whole lines", () =>
    withHome((dir) => {
      const file = path.join(dir, "session_index.jsonl")
      return Effect.gen(function* () {
        const stderr: Array<string> = []
        const children = Array.from({ length: 8 }, (_, k) => {
          const child = spawn(process.execPath, [appender, dir, `proc${k}`, "500"], { stdio: ["ignore", "ignore", "pipe"] })
          child.stderr.on("data", (d: Buffer) => (stderr[k] = (stderr[k] ?? "") + d.toString()))
          return child
        })
        fs.mkdirSync(dir, { recursive: true })
        for (let i = 0; i < 500; i++) fs.appendFileSync(file, line(crypto.randomUUID(), `plain ${i}`))
        const codes = yield* Effect.promise(() => Promise.all(children.map(exited)))
        expect(codes, stderr.join("\n")).toEqual(Array(8).fill(0))
        const text = fs.readFileSync(file, "utf8")
        expect(text.endsWith("\n")).toBe(true)
        const entries = validLines(file)
        expect(entries).toHaveLength(4500)
        expect(new Set(entries.map((e) => e.thread_name)).size).toBe(4500)
        const reader = yield* IndexReader
        expect((yield* reader.findNamesByIds(entries.map((e) => e.id))).size).toBe(4500)
      }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: dir, workers: 0 })))
    }),
    120_000)

  it.live("a writer killed with SIGKILL mid-loop, repeatedly: completed entries survive, the next append is whole", () =>
    withHome((dir) => {
      const file = path.join(dir, "session_index.jsonl")
      return Effect.gen(function* () {
        const acknowledged: Array<string> = []
        for (let round = 0; round < 5; round++) {
          const child = fork(appender, [dir, `round${round}`, "100000"], { stdio: "ignore" })
          let count = 0
          // Killed mid-loop: after a few dozen appends, whatever the machine's speed.
          const killAfter = 10 + round * 37
          yield* Effect.promise(
            () =>
              new Promise<void>((resolve) =>
                child.on("message", () => {
                  if (++count === killAfter) {
                    child.kill("SIGKILL")
                    resolve()
                  }
                })
              )
          )
          yield* Effect.promise(() => exited(child))
          // Every append the child acknowledged finished its write before the kill.
          for (let i = 0; i < count; i++) acknowledged.push(`round${round} ${i}`)
        }
        const writer = yield* IndexWriter
        const last = crypto.randomUUID()
        yield* writer.appendThreadName(last, "after the crashes")
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(last)).toEqual(Option.some("after the crashes"))
        const names = new Set(Chunk.toArray(yield* Stream.runCollect(reader.latestEntries)).map((e) => e.thread_name))
        for (const name of acknowledged) expect(names.has(name)).toBe(true)
        const lastLine = fs.readFileSync(file, "utf8").split("\n").at(-2)!
        expect(JSON.parse(lastLine)).toMatchObject({ id: last, thread_name: "after the crashes" })
        expect(acknowledged.length).toBeGreaterThan(0)
      }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: dir, workers: 0 })))
    }),
    120_000)

  it.effect("an unwritable codexHome is a typed IndexIoError naming the path, and the writer stays usable", () =>
    withHome((dir) => {
      const blocker = path.join(dir, "a-file")
      fs.writeFileSync(blocker, "")
      const codexHome = path.join(blocker, "codex")
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const exit = yield* Effect.exit(writer.appendThreadName(crypto.randomUUID(), "x"))
        expect(Exit.isFailure(exit)).toBe(true)
        const error = yield* Effect.flip(writer.appendThreadName(crypto.randomUUID(), "x"))
        expect(error._tag).toBe("IndexIoError")
        expect(error.message).toContain(codexHome)
        fs.rmSync(blocker)
        fs.mkdirSync(blocker)
        yield* writer.appendThreadName(crypto.randomUUID(), "now it works")
        expect(validLines(path.join(codexHome, "session_index.jsonl")).map((e) => e.thread_name)).toEqual(["now it works"])
      }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome, workers: 0 })))
    })
  )
})
