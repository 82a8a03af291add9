/**
 * Full disks, file-size limits and short writes, injected through the platform `FileSystem`
 * at every write a rewrite or an append makes: nothing acknowledged is lost, nothing failed is
 * acknowledged, the original stays byte-identical and no temp file is left.
 */
import { it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Scope } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { IndexReader, IndexWriter } from "../../src/index.js"
import { layerWith } from "../../src/internal/layer.js"
import { withTempDir } from "../helpers/codexHome.js"
import { type Faults, faultyFileSystem, type WriteFault } from "../helpers/faultyFs.js"
import { holdLock, lockIsFree, strays } from "../helpers/lock.js"

const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n"
/** Runs `body` on a fresh temp directory, removed once it is done. */
const withHome = <A, E, R>(body: (dir: string) => Effect.Effect<A, E, R>) => withTempDir("si-disk-", body)
const indexOf = (dir: string) => path.join(dir, "session_index.jsonl")
const layerOn = (dir: string, faults: Faults, maxLineBytes?: number) => {
  const faulty = faultyFileSystem(faults)
  return {
    layer: layerWith({ codexHome: dir, workers: 0, maxLineBytes, appendFs: faulty.appendFs }, { fileSystem: faulty.layer }),
    log: faulty.log
  }
}

const A = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
const B = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24"

describe("appends under short writes and a full disk", () => {
  it.effect("a short write is continued: the line lands whole", () =>
    withHome((dir) => {
      fs.writeFileSync(indexOf(dir), line(A, "old"))
      const { layer, log } = layerOn(dir, { write: ({ n }) => (n === 0 ? { short: 7 } : undefined) })
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        yield* writer.appendThreadName(A, "new")
        expect(log.writes).toBe(2)
        const lines = fs.readFileSync(indexOf(dir), "utf8").split("\n")
        expect(lines).toHaveLength(3)
        expect(JSON.parse(lines[1]!)).toMatchObject({ id: A, thread_name: "new" })
        expect(yield* (yield* IndexReader).findNameById(A)).toEqual(Option.some("new"))
      }).pipe(Effect.provide(layer))
    })
  )

  for (const [label, fault] of [
    ["stops after a few bytes, then ENOSPC", (bytes: number) => (n: number): WriteFault | undefined => (n === 0 ? { short: Math.min(9, bytes) } : { errno: "ENOSPC" })],
    ["stops just before its newline, then ENOSPC", (bytes: number) => (n: number): WriteFault | undefined => (n === 0 ? { short: bytes - 1 } : { errno: "ENOSPC" })],
    ["fails at once with EFBIG", () => (): WriteFault => ({ errno: "EFBIG" })],
    ["fails at once with EDQUOT", () => (): WriteFault => ({ errno: "EDQUOT" })]
  ] as const) {
    it.effect(`a write that ${label} fails typed and leaves the file byte-identical`, () =>
      withHome((dir) => {
        const original = line(A, "old") + line(B, "b")
        fs.writeFileSync(indexOf(dir), original)
        const expected = line(A, "a brand new name").length
        const { layer } = layerOn(dir, { write: ({ n }) => fault(expected)(n) })
        return Effect.gen(function* () {
          const writer = yield* IndexWriter
          const error = yield* Effect.flip(writer.appendThreadName(A, "a brand new name"))
          expect(error._tag).toBe("IndexIoError")
          expect(error.message).toMatch(/ENOSPC|EFBIG|EDQUOT/)
          expect(fs.readFileSync(indexOf(dir), "utf8")).toBe(original)
          expect(yield* (yield* IndexReader).findNameById(A)).toEqual(Option.some("old"))
        }).pipe(Effect.provide(layer))
      })
    )
  }

  it.effect("a failed append after a torn line keeps the repairing newline only: no answer changes", () =>
    withHome((dir) => {
      const original = line(A, "old") + `{"id":"${B}","thread_na`
      fs.writeFileSync(indexOf(dir), original)
      const { layer } = layerOn(dir, { write: ({ n }) => (n === 0 ? { short: 1 } : { errno: "ENOSPC" }) })
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        expect((yield* Effect.flip(writer.appendThreadName(B, "b"))).message).toContain("ENOSPC")
        expect(fs.readFileSync(indexOf(dir), "utf8")).toBe(original + "\n")
        expect(yield* (yield* IndexReader).findNamesByIds([A, B])).toEqual(new Map([[A, "old"]]))
      }).pipe(Effect.provide(layer))
    })
  )

  it.live("a group commit cut short: callers whose lines were written succeed, the others fail, the partial line is cut off", () =>
    withHome((dir) => {
      fs.writeFileSync(indexOf(dir), line(A, "zero"))
      const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
      const firstLineBytes = Buffer.byteLength(line(ids[0]!, "name 0").replace('"t"', `"${new Date().toISOString()}"`))
      const { layer, log } = layerOn(dir, { write: ({ n }) => (n === 0 ? { short: firstLineBytes + 5 } : { errno: "ENOSPC" }) })
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        // Hold Codex's lock so that the three appends queue up and go out as one write.
        const holder = yield* holdLock(dir)
        const fibers = yield* Effect.forEach(ids, (id, i) => Effect.fork(Effect.exit(writer.appendThreadName(id, `name ${i}`))))
        yield* Effect.sleep("50 millis")
        yield* Scope.close(holder, Exit.void)
        const exits = yield* Effect.forEach(fibers, Fiber.join)
        expect(exits.map((e) => e._tag)).toEqual(["Success", "Failure", "Failure"])
        expect(log.writes).toBe(2)
        const lines = fs.readFileSync(indexOf(dir), "utf8").split("\n")
        expect(lines).toHaveLength(3)
        expect(JSON.parse(lines[1]!)).toMatchObject({ id: ids[0], thread_name: "name 0" })
        const names = yield* (yield* IndexReader).findNamesByIds(ids)
        expect(names).toEqual(new Map([[ids[0], "name 0"]]))
      }).pipe(Effect.provide(layer))
    })
  )

  it.effect("a name whose line would exceed maxLineBytes is refused before anything is written", () =>
    withHome((dir) => {
      fs.writeFileSync(indexOf(dir), line(A, "old"))
      const { layer, log } = layerOn(dir, {}, 300)
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const long = "x".repeat(250)
        const refused = yield* Effect.flip(writer.appendThreadName(A, long))
        expect(refused._tag).toBe("InvalidThreadName")
        expect(refused.message).toContain("maxLineBytes")
        const entry = yield* Effect.flip(writer.appendEntry({ id: A, thread_name: long, updated_at: "2026-01-01T00:00:00Z" }))
        expect(entry._tag).toBe("InvalidEntry")
        expect(log.writes).toBe(0)
        yield* writer.appendThreadName(A, "x".repeat(150))
        expect(yield* (yield* IndexReader).findNameById(A)).toEqual(Option.some("x".repeat(150)))
      }).pipe(Effect.provide(layer))
    })
  )
})

describe("rewrites under a full disk", () => {
  const ids = Array.from({ length: 300 }, () => crypto.randomUUID())
  /** ~9 MB, a third of it renames of a few threads: both rewrites write several chunks. */
  const template = (() => {
    const parts: Array<string> = []
    for (let i = 0; i < 80_000; i++) {
      parts.push(line(i % 3 === 0 ? ids[i % ids.length]! : crypto.randomUUID(), `rename ${i} of a thread with a longish name`))
    }
    return parts.join("")
  })()

  const writesOf = (rewrite: (w: IndexWriter["Type"]) => Effect.Effect<unknown, unknown>) =>
    withHome((dir) => {
      fs.writeFileSync(indexOf(dir), template)
      const { layer, log } = layerOn(dir, {})
      return Effect.map(Effect.provide(Effect.flatMap(IndexWriter, rewrite), layer), () => log.writes)
    })

  const rewrites: ReadonlyArray<readonly [string, (w: IndexWriter["Type"]) => Effect.Effect<unknown, unknown>]> = [
    ["compact", (w) => w.compact()],
    ["removeThread", (w) => w.removeThread(ids[7]!)]
  ]
  for (const [name, rewrite] of rewrites) {
    for (const kind of ["ENOSPC", "EFBIG", "short then ENOSPC"] as const) {
      it.live(`${name}: ${kind} at any write fails typed, leaves the original byte-identical, no temp file, lock free`, () =>
        Effect.gen(function* () {
          const total = yield* writesOf(rewrite)
          expect(total).toBeGreaterThan(2)
          for (let at = 0; at < total; at++) {
            yield* withHome((dir) =>
              Effect.gen(function* () {
                fs.writeFileSync(indexOf(dir), template)
                fs.chmodSync(indexOf(dir), 0o640)
                const fault = (n: number): WriteFault | undefined =>
                  kind === "short then ENOSPC" ? (n === at ? { short: 3 } : n > at ? { errno: "ENOSPC" } : undefined) : n === at ? { errno: kind } : undefined
                const { layer } = layerOn(dir, { write: ({ n }) => fault(n) })
                const error = yield* Effect.flip(Effect.provide(Effect.flatMap(IndexWriter, rewrite), layer))
                expect(error).toMatchObject({ _tag: "IndexIoError" })
                expect(String((error as { message: string }).message)).toMatch(kind === "EFBIG" ? /EFBIG/ : /ENOSPC/)
                expect(fs.readFileSync(indexOf(dir), "utf8") === template).toBe(true)
                expect(fs.statSync(indexOf(dir)).mode & 0o777).toBe(0o640)
                expect(strays(dir)).toEqual([])
                expect(lockIsFree(dir)).toBe(true)
              })
            )
          }
        })
      , 120_000)
    }
  }
})
