import { it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Either, Fiber, Stream } from "effect"
import { execFile } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader, type IndexReaderShape, IndexWriter, NodeSessionIndex } from "../src/index.js"
import { type AppendFs, nodeAppendFs } from "../src/internal/appendBatch.js"
import { layerWith } from "../src/internal/layer.js"
import { withTempDir } from "./helpers/codexHome.js"

const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n"

it.live("streams appended entries in order, holds torn lines back, follows a replaced file", () =>
  withTempDir("si-changes-", (home) => {
    const indexPath = path.join(home, "session_index.jsonl")
    const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
    fs.writeFileSync(indexPath, line(a, "before subscription"))
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const fiber = yield* reader.changes.pipe(Stream.take(6), Stream.runCollect, Effect.fork)
      yield* Effect.sleep("200 millis")
      fs.appendFileSync(indexPath, line(a, "one") + line(b, "  two  ") + line(c, "   "))
      const torn = line(c, "three")
      fs.appendFileSync(indexPath, torn.slice(0, 20))
      yield* Effect.sleep("700 millis")
      fs.appendFileSync(indexPath, torn.slice(20) + "not json\n")
      yield* Effect.sleep("700 millis")
      // Compaction-like replacement: the newest lines survive, then a new line is carried over.
      const temp = indexPath + ".tmp"
      fs.writeFileSync(temp, line(a, "one") + line(b, "  two  ") + torn + line(b, "four"))
      fs.renameSync(temp, indexPath)
      yield* Effect.sleep("700 millis")
      fs.appendFileSync(indexPath, line(a, "five") + line(c, "six"))
      const got = Chunk.toArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
      expect(got.map((e) => [e.id, e.thread_name])).toEqual([
        [a, "one"],
        [b, "two"],
        [c, "three"],
        [b, "four"],
        [a, "five"],
        [c, "six"]
      ])
    }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: home, workers: 0 })))
  })
)

it.live("sees entries appended by another process to a file created after subscription", () =>
  withTempDir("si-changes-", (home) => {
    const id = crypto.randomUUID()
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const fiber = yield* reader.changes.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* Effect.sleep("200 millis")
      const script = `require("fs").appendFileSync(${JSON.stringify(path.join(home, "session_index.jsonl"))}, ${JSON.stringify(line(id, "from a child"))})`
      const { spawnSync } = yield* Effect.promise(() => import("node:child_process"))
      expect(spawnSync(process.execPath, ["-e", script]).status).toBe(0)
      const got = Chunk.toArray(yield* Fiber.join(fiber).pipe(Effect.timeout("10 seconds")))
      expect(got.map((e) => e.thread_name)).toEqual(["from a child"])
    }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: home, workers: 0 })))
  })
)

// ---------------------------------------------------------------------------------------------
// The contract, case by case: every named entry appended after subscription, exactly once, in
// append order, whatever happens to the file meanwhile. The helpers below keep a model of what
// was appended (`Appender.expected`) and a consumer that records what the feed emitted and can
// be made to stop pulling (`Feed.hold`), so that it lags behind the file by any amount.
// ---------------------------------------------------------------------------------------------

type Pair = readonly [id: string, name: string]

const INDEX = "session_index.jsonl"
const CLI = path.resolve(__dirname, "../dist/cli/main.js")
const CHILD = path.resolve(__dirname, "fixtures/changesChild.mjs")
/** Longer than the feed's 500 ms poll: by then it has looked at the file at least once. */
const NOTICE = "700 millis"

/** Runs `body` on a fresh Codex home, removed once it is done. */
const withHome = <A, E, R>(body: (home: string) => Effect.Effect<A, E, R>) => withTempDir("si-changes-", body)

let stamp = 0
/** A canonical line; each gets its own `updated_at`, so no two are byte-identical unless a test says so. */
const entryLine = (id: string, name: string) =>
  JSON.stringify({ id, thread_name: name, updated_at: `2026-02-03T16:08:29.${String(stamp++).padStart(9, "0")}Z` }) + "\n"

/** `n` entries named `<tag> <i>`, each on a fresh id, or cycling over `ids`. */
const named = (n: number, tag: string, ids?: ReadonlyArray<string>): Array<Pair> =>
  Array.from({ length: n }, (_, i) => [ids === undefined ? crypto.randomUUID() : ids[i % ids.length]!, `${tag} ${i}`] as const)

const freshIds = (n: number) => Array.from({ length: n }, () => crypto.randomUUID())

/** Appends lines to the index and keeps the model: the named entries appended, in order. */
class Appender {
  readonly expected: Array<Pair> = []
  /** The exact text of each named line in `expected` ("" when something else wrote it). */
  readonly texts: Array<string> = []
  constructor(readonly file: string) {}

  /** Appends `pairs` as lines in one write, returning the text. */
  named(pairs: ReadonlyArray<Pair>): string {
    const texts = pairs.map(([id, name]) => entryLine(id, name))
    fs.appendFileSync(this.file, texts.join(""))
    this.record(pairs, texts)
    return texts.join("")
  }

  /** Notes entries that something else appended (a child process, the writer, a torn write). */
  record(pairs: ReadonlyArray<Pair>, texts: ReadonlyArray<string> = pairs.map(() => "")): void {
    for (const [i, [id, name]] of pairs.entries()) {
      if (name.trim() === "") continue
      this.expected.push([id, name.trim()])
      this.texts.push(texts[i]!)
    }
  }

  /** Appends again the exact bytes of the `i`th named line: a new append of the same entry. */
  again(i: number): void {
    const text = this.texts[i]!
    expect(text).not.toBe("")
    fs.appendFileSync(this.file, text)
    this.expected.push(this.expected[i]!)
    this.texts.push(text)
  }
}

interface Feed {
  /** What the feed emitted since it was ready. */
  readonly got: Array<Pair>
  /** Waits until `n` entries arrived (at most 15 s: the assertion after it shows what came). */
  readonly waitFor: (n: number) => Effect.Effect<void>
  /** Waits until `expected.length` entries arrived or one differs from `expected` (at most 15 s). */
  readonly waitForExactly: (expected: ReadonlyArray<Pair>) => Effect.Effect<void>
  /** Waits until `done()` holds (at most 15 s). */
  readonly waitUntil: (done: () => boolean) => Effect.Effect<void>
  /** The consumer stops pulling once it has the next entry, until `release`. */
  readonly hold: Effect.Effect<void>
  readonly release: Effect.Effect<void>
}

/** Consumes `changes` with `Stream.runForEach`, recording every entry. */
const follow = (reader: IndexReaderShape) =>
  Effect.gen(function* () {
    const got: Array<Pair> = []
    let gate: Deferred.Deferred<void> | undefined
    const fiber = yield* Stream.runForEach(reader.changes, (entry) =>
      Effect.suspend(() => {
        got.push([entry.id, entry.thread_name])
        return gate === undefined ? Effect.void : Deferred.await(gate)
      })
    ).pipe(Effect.fork)
    const waitUntil = (done: () => boolean) =>
      Effect.gen(function* () {
        const deadline = Date.now() + 15_000
        while (!done() && Date.now() < deadline) {
          if (fiber.unsafePoll() !== null) return yield* Effect.orDie(Effect.zipRight(Fiber.join(fiber), Effect.dieMessage("the feed ended")))
          yield* Effect.sleep("25 millis")
        }
      })
    const feed: Feed = {
      got,
      waitFor: (n) => waitUntil(() => got.length >= n),
      waitForExactly: (expected) =>
        // Stops early once something other than the expected entry came: waiting cannot fix that.
        waitUntil(() => got.length >= expected.length || got.some(([id, name], i) => expected[i]?.[0] !== id || expected[i]?.[1] !== name)),
      waitUntil,
      hold: Effect.map(Deferred.make<void>(), (d) => void (gate = d)),
      release: Effect.suspend(() => {
        const g = gate
        gate = undefined
        return g === undefined ? Effect.void : Deferred.succeed(g, undefined)
      }).pipe(Effect.asVoid)
    }
    return feed
  })

/**
 * Subscribes and waits until the feed demonstrably runs: probe lines are appended until one
 * comes out. Those that come out must be a run of consecutive probes; they are then forgotten,
 * and everything appended afterwards is "after subscription".
 */
const subscribe = (reader: IndexReaderShape, file: string) =>
  Effect.gen(function* () {
    const feed = yield* follow(reader)
    const probe = crypto.randomUUID()
    const seen = () => feed.got.filter(([id]) => id === probe).map(([, name]) => Number(name.split(" ")[1]))
    for (let i = 0; i < 50 && seen().length === 0; i++) {
      fs.appendFileSync(file, entryLine(probe, `probe ${i}`))
      const deadline = Date.now() + 400
      while (seen().length === 0 && Date.now() < deadline) yield* Effect.sleep("20 millis")
      if (seen().length > 0) {
        const first = seen()[0]!
        yield* feed.waitFor(i - first + 1)
        expect(feed.got).toEqual(Array.from({ length: i - first + 1 }, (_, k) => [probe, `probe ${first + k}`]))
      }
    }
    expect(seen().length).toBeGreaterThan(0)
    feed.got.length = 0
    return feed
  })

/** Makes the consumer lag: once caught up, it takes one more entry (a marker) and stops pulling. */
const lag = (feed: Feed, log: Appender, context = "") =>
  Effect.gen(function* () {
    yield* caughtUp(feed, log, `${context} before the consumer stops`)
    yield* feed.hold
    log.named([[crypto.randomUUID(), "marker: the consumer stops here"]])
    yield* caughtUp(feed, log, `${context} the marker`)
  })

/** Waits until the feed emitted everything appended so far, and checks that it is exactly that. */
const caughtUp = (feed: Feed, log: Appender, context = "") =>
  Effect.gen(function* () {
    yield* feed.waitForExactly(log.expected)
    expect(difference(feed.got, log.expected), context).toBe("none")
  })

/** "none", or a short account of where `got` first departs from `expected`. */
const difference = (got: ReadonlyArray<Pair>, expected: ReadonlyArray<Pair>): string => {
  const same = (a: Pair | undefined, b: Pair | undefined) => a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1]
  let i = 0
  while (i < Math.max(got.length, expected.length) && same(got[i], expected[i])) i++
  if (i === got.length && i === expected.length) return "none"
  const show = (xs: ReadonlyArray<Pair>) => JSON.stringify(xs.slice(i, i + 3).map(([id, name]) => `${id.slice(0, 13)}… ${name}`))
  return `emitted ${got.length} of ${expected.length}; first difference at ${i}: expected ${show(expected)}..., got ${show(got)}...`
}

/** Waits for every expected entry, gives the feed time to emit anything extra, and compares. */
const expectExactly = (feed: Feed, expected: ReadonlyArray<Pair>, context = "") =>
  Effect.gen(function* () {
    yield* feed.waitForExactly(expected)
    yield* Effect.sleep(NOTICE)
    expect(difference(feed.got, expected), context).toBe("none")
    expect(feed.got).toEqual(expected)
  })

const runNode = (args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = execFile(process.execPath, [...args], { encoding: "utf8" }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }))
    )
    return Effect.sync(() => void child.kill())
  })

/** `session-index compact` in a process of its own. */
const cliCompact = (home: string) =>
  Effect.map(runNode([CLI, "compact", "--json", "--codex-home", home]), (result) => {
    expect(result.code, result.stderr).toBe(0)
    return JSON.parse(result.stdout) as { readonly linesBefore: number; readonly linesAfter: number }
  })

type Step = readonly ["append", string] | readonly ["compact"] | readonly ["remove", string]

/** A child node process running `steps` through dist/index.js; lines each rewrite removed. */
const childSteps = (home: string, steps: ReadonlyArray<Step>) =>
  Effect.gen(function* () {
    const result = yield* withTempDir("si-steps-", (dir) => {
      const file = path.join(dir, "steps.json")
      fs.writeFileSync(file, JSON.stringify(steps))
      return runNode([CHILD, home, file])
    })
    expect(result.code, result.stderr).toBe(0)
    return JSON.parse(result.stdout) as Array<number>
  })

/** Offset just past the first line ending at or after `at`. */
const lineBoundaryAfter = (file: string, at: number) => fs.readFileSync(file).indexOf(10, at) + 1

const layer = (home: string) => NodeSessionIndex.layer({ codexHome: home, workers: 0 })

/** A test on a fresh Codex home: its writer, a feed already emitting, and a log of what it must emit. */
const withFeed = <A, E>(
  body: (test: {
    readonly home: string
    readonly file: string
    readonly writer: IndexWriter["Type"]
    readonly feed: Feed
    readonly log: Appender
  }) => Effect.Effect<A, E, IndexReader | IndexWriter>
) =>
  withHome((home) => {
    const file = path.join(home, INDEX)
    return Effect.gen(function* () {
      const writer = yield* IndexWriter
      const feed = yield* subscribe(yield* IndexReader, file)
      return yield* body({ home, file, writer, feed, log: new Appender(file) })
    }).pipe(Effect.provide(layer(home)))
  })


// 1. Deletion and re-creation ------------------------------------------------------------------

it.live("deletion: rm then an immediate append, rm then a pause, rm while the consumer lags", () =>
  withHome((home) => {
    const file = path.join(home, INDEX)
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const writer = yield* IndexWriter
      const feed = yield* subscribe(reader, file)
      const log = new Appender(file)
      log.named(named(3, "first file"))
      yield* caughtUp(feed, log)
      // In one tick: the feed cannot see the path missing, only a new file.
      fs.rmSync(file)
      log.named(named(3, "right after rm"))
      yield* caughtUp(feed, log)
      // A pause: the feed sees the path missing; then the writer creates the file again.
      fs.rmSync(file)
      yield* Effect.sleep(NOTICE)
      for (const [id, name] of named(3, "the writer, after a pause")) {
        yield* writer.appendThreadName(id, name)
        log.record([[id, name]])
      }
      yield* caughtUp(feed, log)
      // The consumer lags: the unread rest of the deleted file still comes, then the new file.
      yield* lag(feed, log)
      log.named(named(4, "unread when deleted"))
      fs.rmSync(file)
      log.named(named(4, "new file, consumer lagging"))
      yield* Effect.sleep(NOTICE)
      fs.rmSync(file)
      yield* Effect.sleep(NOTICE)
      log.named(named(4, "third file, consumer lagging"))
      yield* Effect.sleep(NOTICE)
      yield* feed.release
      yield* expectExactly(feed, log.expected)
    }).pipe(Effect.provide(layer(home)))
  })
)

it.live("deletion: rm immediately followed by more than 1 MiB of appends emits every entry of the new file", () =>
  withFeed(({ file, feed, log }) =>
    Effect.gen(function* () {
      log.named(named(5, "old file"))
      yield* caughtUp(feed, log)
      fs.rmSync(file)
      log.named(named(12_000, "new file")) // ~1.3 MB, in the same tick as the rm
      expect(fs.statSync(file).size).toBeGreaterThan(1024 * 1024)
      yield* expectExactly(feed, log.expected)
    })
  )
)

it.live("deletion: rm, then a new file whose lines include one byte-identical to a line already read", () =>
  withFeed(({ file, feed, log }) =>
    Effect.gen(function* () {
      log.named(named(5, "old file"))
      yield* lag(feed, log)
      fs.rmSync(file)
      log.named(named(6, "new file"))
      log.again(2) // the same bytes as "old file 2": appended again, so emitted again
      log.named(named(3, "new file, after the repeat"))
      yield* Effect.sleep(NOTICE)
      yield* feed.release
      yield* expectExactly(feed, log.expected)
    })
  )
)

// 2. Truncation in place ------------------------------------------------------------------------

it.live("truncation to 0 and to a mid-file line boundary, regrown smaller and larger, with and without a pause", () =>
  withFeed(({ file, feed, log }) =>
    Effect.gen(function* () {
      const ids = freshIds(40)
      for (const cut of ["zero", "mid"] as const) {
        for (const regrow of ["smaller", "larger"] as const) {
          for (const pause of [false, true]) {
            const label = `cut ${cut}, regrown ${regrow}, ${pause ? "with" : "without"} a pause`
            log.named(named(30, `before (${label})`, ids))
            // Caught up: nothing the truncation destroys is still unread.
            yield* caughtUp(feed, log, `before (${label})`)
            const size = fs.statSync(file).size
            const at = cut === "zero" ? 0 : lineBoundaryAfter(file, Math.floor(size / 2))
            expect(at === 0 || (at > size / 4 && at < size)).toBe(true)
            const lineBytes = entryLine(ids[0]!, `after (${label}) 000`).length
            const count = regrow === "smaller" ? 3 : Math.max(400, Math.ceil((size - at) / lineBytes) + 20)
            fs.truncateSync(file, at)
            if (pause) yield* Effect.sleep(NOTICE)
            log.named(named(count, `after (${label})`, ids)) // without a pause: the same tick
            const now = fs.statSync(file).size
            expect(regrow === "smaller" ? now < size : now > size, label).toBe(true)
            yield* caughtUp(feed, log, label)
          }
        }
      }
      yield* expectExactly(feed, log.expected)
    })
  )
)

it.live("truncation below where the feed started, regrown before it looked: read from the start, as documented", () =>
  withHome((home) => {
    const file = path.join(home, INDEX)
    // ~2 MB before subscription: the feed remembers only the newest few thousand lines.
    const ids = freshIds(500)
    const old = named(15_000, "before subscription", ids)
    fs.writeFileSync(file, old.map(([id, name]) => entryLine(id, name)).join(""))
    return Effect.gen(function* () {
      const feed = yield* subscribe(yield* IndexReader, file)
      const log = new Appender(file)
      log.named(named(3, "after subscription"))
      yield* caughtUp(feed, log)
      const at = lineBoundaryAfter(file, 100_000) // the first ~100 kB kept, all from before subscription
      fs.truncateSync(file, at)
      log.named(named(10, "regrown"))
      // Nothing the feed read is left to say where the cut was: the file is read from its start.
      // What survived the cut comes again, then every regrown entry, once.
      const survived = old.slice(0, fs.readFileSync(file).subarray(0, at).toString().split("\n").length - 1)
      yield* expectExactly(feed, [...log.expected.slice(0, 3), ...survived, ...log.expected.slice(3)])
    }).pipe(Effect.provide(layer(home)))
  })
)

it.live("truncation to 0 right after a compaction, regrown larger before the feed read a line of the new file", () =>
  withFeed(({ file, writer, feed, log }) =>
    Effect.gen(function* () {
      const ids = freshIds(10)
      log.named(named(60, "renamed often", ids))
      yield* caughtUp(feed, log)
      const stats = yield* writer.compact()
      expect(stats.linesAfter).toBeLessThan(stats.linesBefore)
      yield* Effect.sleep(NOTICE)
      // The compacted file is small; the regrown one is larger, in the same tick as the cut.
      fs.truncateSync(file, 0)
      log.named(named(100, "regrown", ids))
      expect(fs.statSync(file).size).toBeGreaterThan(stats.bytesAfter)
      yield* expectExactly(feed, log.expected)
    })
  )
)

it.live("truncation to 0 regrown smaller at once, when the lines the feed read since a compaction are all cut", () =>
  withFeed(({ file, writer, feed, log }) =>
    Effect.gen(function* () {
      const ids = freshIds(10)
      log.named(named(60, "renamed often", ids))
      yield* caughtUp(feed, log)
      yield* writer.removeThread(ids[0]!)
      log.named(named(5, "after the rewrite"))
      yield* caughtUp(feed, log)
      const size = fs.statSync(file).size
      fs.truncateSync(file, 0)
      log.named(named(2, "regrown"))
      expect(fs.statSync(file).size).toBeLessThan(size)
      yield* expectExactly(feed, log.expected)
    })
  )
)

// 3. Replacement by this library's rewrites -------------------------------------------------------

it.live("compact and removeThread in this process while the consumer lags more than 1 MiB, several times", () =>
  withFeed(({ writer, feed, log }) =>
    Effect.gen(function* () {
      const ids = freshIds(2000)
      log.named(named(50, "read", ids))
      yield* lag(feed, log)
      log.named(named(12_000, "unread", ids)) // ~1.3 MB the feed has not read
      const first = yield* writer.compact()
      expect(first.linesBefore - first.linesAfter).toBeGreaterThan(9000)
      log.named(named(12_000, "after the first compaction", ids))
      const gone = crypto.randomUUID()
      log.named([[gone, "a thread appended after subscription"], ...named(3, "between", ids), [gone, "renamed"]])
      expect(yield* writer.removeThread(gone)).toBe(2)
      log.named(named(5, "after removeThread", ids))
      const second = yield* writer.compact()
      expect(second.linesAfter).toBeLessThan(second.linesBefore)
      log.named(named(5, "after the second compaction"))
      yield* writer.compact()
      yield* feed.release
      yield* expectExactly(feed, log.expected)
    })
  )
)

it.live("compactions and removeThread by other processes (the CLI, a child script) while the consumer lags", () =>
  withFeed(({ home, feed, log }) =>
    Effect.gen(function* () {
      const ids = freshIds(2000)
      log.named(named(20, "read", ids))
      yield* lag(feed, log)
      log.named(named(10_000, "unread", ids)) // ~1.1 MB
      const cli = yield* cliCompact(home)
      expect(cli.linesBefore - cli.linesAfter).toBeGreaterThan(7000)
      log.named(named(100, "after the CLI's compaction", ids))
      const gone = crypto.randomUUID()
      log.named([[gone, "a thread appended after subscription"]])
      const mid = named(50, "appended by the child", ids)
      const late = named(5, "appended by the child after its rewrites")
      const midText = mid.map(([id, name]) => entryLine(id, name)).join("")
      const lateText = late.map(([id, name]) => entryLine(id, name)).join("")
      const removed = yield* childSteps(home, [["append", midText], ["remove", gone], ["compact"], ["append", lateText]])
      log.record(mid)
      log.record(late)
      expect(removed[0]).toBe(1)
      expect(removed[1]).toBeGreaterThan(0)
      log.named(named(5, "after the child"))
      yield* cliCompact(home)
      log.named(named(5, "after the second CLI compaction"))
      yield* Effect.sleep(NOTICE)
      yield* feed.release
      yield* expectExactly(feed, log.expected)
    })
  )
)

it.live("another process compacts a 1 MiB index before the feed read any line: only the new entries", () =>
  withHome((home) => {
    const file = path.join(home, INDEX)
    const ids = freshIds(1000)
    fs.writeFileSync(file, named(10_000, "before subscription", ids).map(([id, name]) => entryLine(id, name)).join(""))
    return Effect.gen(function* () {
      const feed = yield* follow(yield* IndexReader)
      // No probe here: the feed must not have read a single line when the compaction lands.
      yield* Effect.sleep("300 millis")
      const stats = yield* cliCompact(home)
      expect(stats.linesAfter).toBe(1000)
      const log = new Appender(file)
      log.named(named(5, "after the compaction", ids))
      yield* expectExactly(feed, log.expected)
    }).pipe(Effect.provide(layer(home)))
  })
)

// 4. A line byte-identical to one already read ----------------------------------------------------

it.live("a line byte-identical to one already read, appended again, then compactions", () =>
  withFeed(({ home, writer, feed, log }) =>
    Effect.gen(function* () {
      const ids = freshIds(8)
      log.named(named(5, "first", ids))
      yield* caughtUp(feed, log)
      log.again(4) // the newest line read, again
      log.named(named(20, "between", ids))
      yield* writer.compact()
      log.named(named(3, "after the compaction", ids))
      yield* caughtUp(feed, log)
      // Again while the consumer lags, with a line read long ago, and a compaction by the CLI.
      yield* lag(feed, log)
      log.again(1)
      log.named(named(20, "between, lagging", ids))
      log.again(log.expected.length - 1)
      yield* cliCompact(home)
      log.named(named(3, "after the CLI compaction", ids))
      yield* Effect.sleep(NOTICE)
      yield* feed.release
      yield* expectExactly(feed, log.expected)
    })
  )
)

// 5. Replacement by a program that is not this library ---------------------------------------------

it.live("replacement by another program (same content plus lines, renamed over): no replay, later lines emitted", () =>
  withFeed(({ file, feed, log }) =>
    Effect.gen(function* () {
      const replaceWithMore = (pairs: ReadonlyArray<Pair>) => {
        const texts = pairs.map(([id, name]) => entryLine(id, name))
        fs.writeFileSync(file + ".other", Buffer.concat([fs.readFileSync(file), Buffer.from(texts.join(""))]))
        fs.renameSync(file + ".other", file)
        log.record(pairs, texts)
      }
      const mustCome: Array<Pair> = []
      const appendAfterNotice = (tag: string) =>
        Effect.gen(function* () {
          yield* Effect.sleep(NOTICE)
          const pairs = named(5, tag)
          log.named(pairs)
          mustCome.push(...pairs)
          const last = pairs.at(-1)!
          yield* feed.waitUntil(() => feed.got.some(([id]) => id === last[0]))
        })

      log.named(named(5, "read"))
      yield* caughtUp(feed, log)
      mustCome.push(...log.expected)
      replaceWithMore(named(3, "in the replacement"))
      yield* appendAfterNotice("after the first replacement")
      // While the consumer lags: the unread rest of the old file, then the replacement.
      yield* lag(feed, log)
      mustCome.push(...log.expected.slice(-1))
      log.named(named(5, "unread"))
      replaceWithMore(named(3, "in the second replacement"))
      yield* Effect.sleep(NOTICE)
      yield* feed.release
      yield* appendAfterNotice("after the second replacement")
      // A replacement that adds more than 1 MiB: the feed may miss lines, never replay.
      replaceWithMore(named(12_000, "in a large replacement"))
      yield* appendAfterNotice("after the large replacement")

      yield* Effect.sleep(NOTICE)
      const keys = feed.got.map(([id, name]) => `${id} ${name}`)
      expect(new Set(keys).size, "no entry emitted twice").toBe(keys.length)
      // What came is in append order (a subsequence of what was appended)...
      const order = new Map(log.expected.map(([id, name], i) => [`${id} ${name}`, i]))
      const positions = keys.map((key) => order.get(key) ?? -1)
      expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true)
      // ...and includes everything read before and appended after each replacement was noticed.
      const got = new Set(keys)
      expect(mustCome.filter(([id, name]) => !got.has(`${id} ${name}`))).toEqual([])
    })
  )
)

// 6. Torn lines and rolled-back appends -------------------------------------------------------------

it.live("torn lines: emitted once when completed, also across a compaction; a fragment ended by the writer never", () =>
  withFeed(({ file, writer, feed, log }) =>
    Effect.gen(function* () {
      const tear = (pair: Pair, at: number) => {
        const text = entryLine(...pair)
        fs.appendFileSync(file, text.slice(0, at))
        return () => {
          fs.appendFileSync(file, text.slice(at))
          log.record([pair], [text])
        }
      }
      log.named(named(3, "whole", freshIds(2)))
      yield* caughtUp(feed, log)
      // Completed after the feed has read the fragment; nothing of it comes before.
      const complete = tear([crypto.randomUUID(), "torn, completed later"], 30)
      yield* Effect.sleep(NOTICE)
      expect(feed.got).toEqual(log.expected)
      complete()
      log.named(named(2, "after the torn line"))
      yield* caughtUp(feed, log)
      // A fragment the writer's next append ends with a newline (a killed writer's): a bad line.
      fs.appendFileSync(file, entryLine(crypto.randomUUID(), "never completed").slice(0, 40))
      yield* Effect.sleep(NOTICE)
      const id = crypto.randomUUID()
      yield* writer.appendThreadName(id, "the writer, after a fragment")
      log.record([[id, "the writer, after a fragment"]])
      yield* caughtUp(feed, log)
      // Torn, read by the feed, then a compaction carries the fragment over, then it is completed.
      const acrossCompaction = tear([crypto.randomUUID(), "torn across a compaction"], 50)
      yield* Effect.sleep(NOTICE)
      yield* writer.compact()
      acrossCompaction()
      log.named(named(2, "after the compaction"))
      yield* caughtUp(feed, log)
      // The same while the consumer lags (the feed has not read the fragment at all).
      yield* lag(feed, log)
      const lagging = tear([crypto.randomUUID(), "torn across a compaction, lagging"], 45)
      yield* writer.compact()
      lagging()
      log.named(named(2, "after the lagging compaction"))
      yield* Effect.sleep(NOTICE)
      yield* feed.release
      yield* expectExactly(feed, log.expected)
    })
  )
)

/**
 * The real file system, except that the writer's next append (once armed) writes 25 bytes and
 * then fails with ENOSPC, so the writer rolls the partial line back with a truncate; hooks run
 * just before and just after that truncate.
 */
/**
 * Appends that fail once armed: 25 bytes are written, then ENOSPC, and the writer cuts them off
 * again; `afterTruncate` runs right after the cut, under the writer's lock.
 */
const tearingAppends = () => {
  const fault = { armed: false, writes: 0, afterTruncate: (): void => undefined }
  const appendFs: AppendFs = {
    ...nodeAppendFs,
    write: (fd, buffer) => {
      if (!fault.armed) return nodeAppendFs.write(fd, buffer)
      if (fault.writes++ === 0) return nodeAppendFs.write(fd, buffer.subarray(0, 25))
      throw Object.assign(new Error("ENOSPC: injected, write"), { code: "ENOSPC" })
    },
    truncate: (fd, length) => {
      nodeAppendFs.truncate(fd, length)
      fault.armed = false
      fault.writes = 0
      fault.afterTruncate()
    }
  }
  return { fault, appendFs }
}

it.live("an append that fails and is rolled back is never emitted, even when a line follows at once", () =>
  withHome((home) => {
    const file = path.join(home, INDEX)
    const { fault, appendFs } = tearingAppends()
    return Effect.gen(function* () {
      const writer = yield* IndexWriter
      const feed = yield* subscribe(yield* IndexReader, file)
      const log = new Appender(file)
      const failOnce = (then: () => void) =>
        Effect.gen(function* () {
          const size = fs.statSync(file).size
          fault.armed = true
          fault.afterTruncate = then
          const failed = yield* Effect.either(writer.appendThreadName(crypto.randomUUID(), "rolled back"))
          expect(Either.isLeft(failed) && failed.left._tag === "IndexIoError").toBe(true)
          return size
        })
      const size = yield* failOnce(() => undefined)
      expect(fs.statSync(file).size).toBe(size)
      yield* Effect.sleep(NOTICE)
      log.named(named(1, "after the rollback, later"))
      // Another writer's line right after the cut (as Codex's would be, waiting for the lock).
      yield* failOnce(() => void log.named(named(1, "after the rollback, at once")))
      yield* caughtUp(feed, log)
      // A cut the feed sees happen (another process's rollback): a partial line it has read, cut
      // off, and another thread's line appended in the same tick.
      const before = fs.statSync(file).size
      fs.appendFileSync(file, entryLine(crypto.randomUUID(), "cut off").slice(0, 25))
      yield* Effect.sleep(NOTICE)
      fs.truncateSync(file, before)
      log.named(named(1, "right after the cut"))
      yield* expectExactly(feed, log.expected)
    }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0, appendFs })))
  })
)

// 7. Random operations against the model -------------------------------------------------------------

/** mulberry32: small, seedable, good enough to pick operations. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const GARBAGE = ["not json", "", "{broken", `{"id":"not-a-uuid","thread_name":"x","updated_at":"t"}`, "[1,2,3]", `{"thread_name":"no id"}`]

/** `CHANGES_SEED=7` or `CHANGES_SEED=3,4,5` replays or explores other seeds. */
const SEEDS = (process.env["CHANGES_SEED"] ?? "1,2").split(",").map(Number)

for (const seed of SEEDS) {
  it.live(`random operations with a lagging consumer equal the model (seed ${seed})`, () =>
    withHome((home) => {
      const file = path.join(home, INDEX)
      const random = prng(seed)
      const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
      const pick = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(random() * xs.length)]!
      const pool = freshIds(8)
      const ops: Array<string> = []
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        const feed = yield* subscribe(yield* IndexReader, file)
        const log = new Appender(file)
        let held = false
        /** Files that replaced the index while the consumer was held (the feed holds at most 8). */
        let replaced = 0
        const release = Effect.gen(function* () {
          yield* feed.release
          held = false
          replaced = 0
        })
        const beforeReplacing = Effect.gen(function* () {
          if (held && replaced >= 5) yield* release
          replaced++
        })
        /** Appends k lines in one write: named (some padded), blank-named, garbage. */
        const appendMixed = (k: number, tag: string) => {
          const texts: Array<string> = []
          for (let i = 0; i < k; i++) {
            const r = random()
            if (r < 0.75) {
              const pair: Pair = [random() < 0.7 ? pick(pool) : crypto.randomUUID(), random() < 0.2 ? `  ${tag} ${i}  ` : `${tag} ${i}`]
              const text = entryLine(...pair)
              texts.push(text)
              log.record([pair], [text])
            } else if (r < 0.87) {
              texts.push(entryLine(pick(pool), pick(["", "   ", "\t"])))
            } else {
              texts.push(pick(GARBAGE) + "\n")
            }
          }
          fs.appendFileSync(file, texts.join(""))
        }
        appendMixed(5, "initial")

        for (let step = 0; step < 24; step++) {
          const r = random()
          const tag = `s${step}`
          if (r < 0.25) {
            const k = int(1, 40)
            ops.push(`append ${k}`)
            appendMixed(k, tag)
          } else if (r < 0.32) {
            ops.push("writer append")
            const id = pick(pool)
            yield* writer.appendThreadName(id, ` ${tag} by the writer `)
            log.record([[id, `${tag} by the writer`]])
          } else if (r < 0.4) {
            const i = log.texts.findLastIndex((t) => t !== "")
            if (i < 0) continue
            const j = int(Math.max(0, i - 30), i)
            if (log.texts[j] === "") continue
            ops.push(`again ${j}`)
            log.again(j)
          } else if (r < 0.5) {
            yield* beforeReplacing
            ops.push("compact")
            yield* writer.compact()
          } else if (r < 0.56) {
            yield* beforeReplacing
            ops.push("removeThread")
            yield* writer.removeThread(pick(pool))
          } else if (r < 0.64) {
            // A file deleted before the feed could open it cannot be read: give the watcher a
            // moment to open the current one (a lagging consumer's feed still holds it).
            if (held) yield* Effect.sleep(NOTICE)
            else yield* caughtUp(feed, log, `seed ${seed}: ${ops.join(", ")}: before rm`)
            yield* beforeReplacing
            const pause = random() < 0.5
            ops.push(`rm${pause ? " + pause" : ""}`)
            fs.rmSync(file, { force: true })
            if (pause) yield* Effect.sleep("600 millis")
            appendMixed(int(1, 10), tag)
          } else if (r < 0.72) {
            // Only when caught up: lines cut away before the feed read them cannot be emitted.
            yield* release
            yield* caughtUp(feed, log, `seed ${seed}: ${ops.join(", ")}: before truncating`)
            const pause = random() < 0.5
            const k = random() < 0.3 ? int(100, 400) : int(1, 20)
            ops.push(`truncate 0${pause ? " + pause" : ""} + ${k}`)
            fs.truncateSync(file, 0)
            if (pause) yield* Effect.sleep("600 millis")
            appendMixed(k, tag)
          } else if (r < 0.8) {
            const pair: Pair = [pick(pool), `${tag} torn`]
            const text = entryLine(...pair)
            const at = int(1, text.length - 1)
            const compactBetween = random() < 0.25
            ops.push(`torn at ${at}${compactBetween ? " + compact" : ""}`)
            fs.appendFileSync(file, text.slice(0, at))
            yield* Effect.sleep(int(0, 300))
            if (compactBetween) {
              yield* beforeReplacing
              yield* writer.compact()
            }
            fs.appendFileSync(file, text.slice(at))
            log.record([pair], [text])
          } else {
            if (held) {
              ops.push("release")
              yield* release
            } else {
              ops.push("hold")
              yield* lag(feed, log, `seed ${seed}: ${ops.join(", ")}:`)
              held = true
              replaced = 0
            }
          }
          if (random() < 0.3) yield* Effect.sleep(int(0, 100))
        }
        yield* release
        yield* expectExactly(feed, log.expected, `seed ${seed}: ${ops.join(", ")}:`)
      }).pipe(Effect.provide(layer(home)))
    })
  )
}
