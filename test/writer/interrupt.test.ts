/**
 * Interruption anywhere: a rewrite interrupted at any of its file operations either completes
 * with the lock held throughout or leaves the original untouched; the lock is free and no file
 * operation runs once the interrupted fiber is done. Lock waits are interruptible and run on
 * the Effect `Clock`; in-process writers take turns in arrival order.
 */
import { it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, Scope, TestClock } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { IndexReader, IndexWriter } from "../../src/index.js"
import { layerWith } from "../../src/internal/layer.js"
import { tempDir, withTempDir } from "../helpers/codexHome.js"
import { faultyFileSystem } from "../helpers/faultyFs.js"
import { holdLock, lockIsFree, lockOf, strays } from "../helpers/lock.js"

const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n"
/** A fresh temp directory, removed when the scope closes. */
const home = tempDir("si-interrupt-")
/** Runs `body` on a fresh temp directory, removed once it is done. */
const withHome = <A, E, R>(body: (dir: string) => Effect.Effect<A, E, R>) => withTempDir("si-interrupt-", body)
const indexOf = (dir: string) => path.join(dir, "session_index.jsonl")
const ids = Array.from({ length: 40 }, () => crypto.randomUUID())
const template = Array.from({ length: 400 }, (_, i) => line(ids[i % ids.length]!, `name ${i}`)).join("")

type Rewrite = (w: IndexWriter["Type"]) => Effect.Effect<unknown, unknown>
const rewrites: ReadonlyArray<readonly [string, Rewrite]> = [
  ["compact", (w) => w.compact()],
  ["removeThread", (w) => w.removeThread(ids[3]!)]
]

describe("a rewrite interrupted at every file operation", () => {
  for (const [name, rewrite] of rewrites) {
    it.scopedLive(`${name}: completes under the lock or leaves the original; nothing runs after; lock free; no temp file`, () =>
      Effect.gen(function* () {
        // The uninterrupted run: how many operations, and what a completed rewrite leaves.
        const reference = yield* home
        fs.writeFileSync(indexOf(reference), template)
        const counting = faultyFileSystem()
        yield* Effect.provide(Effect.flatMap(IndexWriter, rewrite), layerWith({ codexHome: reference, workers: 0 }, { fileSystem: counting.layer }))
        const done = fs.readFileSync(indexOf(reference), "utf8")
        const total = counting.log.started
        expect(total).toBeGreaterThan(15)
        const outcomes = { untouched: 0, completed: 0 }

        for (let at = 0; at < total; at++) {
          // Each interrupted rewrite on a directory of its own, removed after it.
          yield* withHome((dir) =>
            Effect.gen(function* () {
              fs.writeFileSync(indexOf(dir), template)
              const reached = yield* Deferred.make<void>()
              const faulty = faultyFileSystem({ beforeOp: (n) => (n === at ? Deferred.succeed(reached, undefined) : Effect.void) })
              const fiber = yield* Effect.fork(
                Effect.provide(Effect.flatMap(IndexWriter, rewrite), layerWith({ codexHome: dir, workers: 0 }, { fileSystem: faulty.layer }))
              )
              yield* Effect.raceFirst(Deferred.await(reached), Fiber.await(fiber))
              const exit = yield* Fiber.interrupt(fiber)
              // The fiber is done: no file operation is in flight, none starts later, the lock is free.
              expect(faulty.log.inFlight).toBe(0)
              const started = faulty.log.started
              expect(lockIsFree(dir)).toBe(true)
              yield* Effect.sleep("20 millis")
              expect(faulty.log.started).toBe(started)
              const now = fs.readFileSync(indexOf(dir), "utf8")
              expect([template, done]).toContain(now)
              if (Exit.isSuccess(exit)) expect(now).toBe(done)
              outcomes[now === template ? "untouched" : "completed"]++
              expect(strays(dir)).toEqual([])
            })
          )
        }
        // Both outcomes happen: interruption lands in the unlocked copy and in the locked commit.
        expect(outcomes.untouched).toBeGreaterThan(0)
        expect(outcomes.completed).toBeGreaterThan(0)
      }),
    60_000)
  }

  it.live("removeThread timed out mid-copy, then the thread renamed again: the new name stays", () =>
    withHome((dir) => {
      const victim = crypto.randomUUID()
      const filler = Array.from({ length: 150_000 }, () => line(crypto.randomUUID(), "a filler thread with a name")).join("")
      fs.writeFileSync(indexOf(dir), line(victim, "old") + filler)
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const reader = yield* IndexReader
        const timedOut = yield* writer.removeThread(victim).pipe(Effect.timeout("30 millis"), Effect.either)
        expect(timedOut._tag).toBe("Left")
        yield* writer.appendThreadName(victim, "restored")
        expect(yield* reader.findNameById(victim)).toEqual(Option.some("restored"))
        // An orphaned rewrite would rename over the file seconds later.
        yield* Effect.sleep("1500 millis")
        expect(yield* reader.findNameById(victim)).toEqual(Option.some("restored"))
        expect(strays(dir)).toEqual([])
      }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0 })))
    })
  )
})

describe("waiting for the lock", () => {
  it.effect("is bounded on the Effect Clock: IndexLockTimeout after exactly the configured wait", () =>
    withHome((dir) =>
      Effect.gen(function* () {
        const holder = yield* holdLock(dir)
        const writer = yield* IndexWriter
        const append = yield* Effect.fork(Effect.flip(writer.appendThreadName(ids[0]!, "x")))
        yield* TestClock.adjust("2999 millis")
        expect(append.unsafePoll()).toBeNull()
        yield* TestClock.adjust("1 second")
        const error = yield* Fiber.join(append)
        expect(error._tag).toBe("IndexLockTimeout")
        expect(error).toMatchObject({ path: lockOf(dir) })
        expect((error as { waitedMs: number }).waitedMs).toBeGreaterThanOrEqual(3000)
        yield* Scope.close(holder, Exit.void)
        expect(fs.existsSync(indexOf(dir))).toBe(false)
      }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0, lockTimeoutMs: 3000 })))
    )
  )

  it.effect("is interruptible: a timeout fires on time and nothing is written after the lock frees", () =>
    withHome((dir) =>
      Effect.gen(function* () {
        const holder = yield* holdLock(dir)
        const writer = yield* IndexWriter
        const append = yield* Effect.fork(writer.appendThreadName(ids[0]!, "late").pipe(Effect.timeout("200 millis")))
        yield* TestClock.adjust("200 millis")
        const exit = yield* Fiber.await(append)
        expect(Exit.isFailure(exit) && JSON.stringify(exit.cause).includes("TimeoutException")).toBe(true)
        yield* Scope.close(holder, Exit.void)
        yield* writer.appendThreadName(ids[1]!, "after")
        const lines = fs.readFileSync(indexOf(dir), "utf8").trimEnd().split("\n")
        expect(lines.map((l) => JSON.parse(l).thread_name)).toEqual(["after"])
      }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0 })))
    )
  )

  it.live("queued appends are written in arrival order, in one write; one interrupted while queued is not written", () =>
    withHome((dir) => {
      const counting = faultyFileSystem()
      return Effect.gen(function* () {
        const holder = yield* holdLock(dir)
        const writer = yield* IndexWriter
        const fibers = yield* Effect.forEach(ids, (id, i) => Effect.fork(writer.appendThreadName(id, `in order ${i}`)))
        yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(fibers[5]!)
        yield* Scope.close(holder, Exit.void)
        yield* Effect.forEach(fibers, (f, i) => (i === 5 ? Effect.void : Fiber.join(f)), { discard: true })
        const written = fs
          .readFileSync(indexOf(dir), "utf8")
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l).thread_name)
        expect(written).toEqual(ids.flatMap((_, i) => (i === 5 ? [] : [`in order ${i}`])))
        expect(counting.log.writes).toBe(1)
      }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0, appendFs: counting.appendFs })))
    })
  )
})
