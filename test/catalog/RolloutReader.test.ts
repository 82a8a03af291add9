import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, FastCheck as fc, Fiber, Option, Stream } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { IndexIoError } from "../../src/Errors.js"
import { layer, RolloutLine, RolloutReader } from "../../src/RolloutReader.js"
import { tempDirSync } from "../helpers/codexHome.js"
import { rawFrames, rolloutSample } from "../helpers/zstdFrames.js"

const MAX_LINE = 200

const withReader = <A, E>(use: (reader: RolloutReader["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(RolloutReader, use).pipe(Effect.provide(layer({ maxLineBytes: MAX_LINE })))

const collect = (stream: Stream.Stream<RolloutLine, IndexIoError>) => Effect.map(Stream.runCollect(stream), Chunk.toArray)

const both = (file: string) =>
  withReader((reader) => Effect.all([collect(reader.lines(file)), collect(reader.linesNewestFirst(file))]))

const fileIn = (name: string, bytes: string | Uint8Array): string => {
  const file = path.join(tempDirSync("si-reader-"), name)
  fs.writeFileSync(file, bytes)
  return file
}

const openDescriptors = (): number => fs.readdirSync("/proc/self/fd").length

const bytesReadByProcess = (): number => Number(/rchar: (\d+)/.exec(fs.readFileSync("/proc/self/io", "utf8"))![1])

const event = (offset: number, timestamp: string | undefined, type: string | undefined, payload: unknown) =>
  RolloutLine.Event({ offset, timestamp: Option.fromNullable(timestamp), type: Option.fromNullable(type), payload })

/** Lines of every kind a rollout may hold, broken ones included. */
const anyLine = fc.oneof(
  fc.record({ i: fc.nat(99), text: fc.string({ maxLength: 20 }) }).map(({ i, text }) => JSON.stringify({ timestamp: `t${i}`, type: "event_msg", payload: { i, text } })),
  fc.constantFrom("", "   ", "[1,2]", "null", '"text"', "{not json", '{"type":5}', "{}", "\u00e9t\u00e9"),
  fc.string({ unit: fc.constantFrom("x", "{", "}", '"'), minLength: MAX_LINE - 5, maxLength: MAX_LINE + 40 })
)
const rollout = fc.record({
  lines: fc.array(anyLine, { maxLength: 40 }),
  crlf: fc.boolean(),
  finalNewline: fc.boolean(),
  zstd: fc.boolean(),
  cuts: fc.array(fc.nat(2000), { maxLength: 3 }),
  blockSizes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 3 })
})

describe("RolloutReader", () => {
  it.effect.prop("forward is newest first reversed: plain, CRLF and zstd files", { file: rollout }, ({ file }) => {
    const text = file.lines.join(file.crlf ? "\r\n" : "\n") + (file.finalNewline && file.lines.length > 0 ? "\n" : "")
    const bytes = Buffer.from(text, "utf8")
    const name = file.zstd ? "rollout.jsonl.zst" : "rollout.jsonl"
    const written = fileIn(name, file.zstd ? rawFrames(bytes, file.cuts, file.blockSizes) : bytes)
    return Effect.gen(function* () {
      const [forward, newestFirst] = yield* both(written)
      expect(forward).toEqual([...newestFirst].reverse())
      const events = forward.filter(RolloutLine.$is("Event")).filter((line) => Option.isSome(line.timestamp))
      // Every generated event is a whole JSON object, so it appears even unterminated.
      const expected = file.lines.filter((line) => line.startsWith('{"timestamp"'))
      expect(events.map((line) => line.payload)).toEqual(expected.map((line) => (JSON.parse(line) as { payload: unknown }).payload))
    })
  }, { fastCheck: { numRuns: 50 } })

  it.effect("parses each line: events, what is not an object, what is too long, and skips blank lines", () =>
    Effect.gen(function* () {
      const lines = [
        '{"timestamp":"2025-01-01T00:00:00Z","type":"session_meta","payload":{"id":1}}',
        "",
        '{"type":"event_msg"}',
        "[1]",
        `{"x":"${"y".repeat(MAX_LINE)}"}`,
        "  ",
        "{bad",
        '{"timestamp":7,"type":null,"payload":[1]}'
      ]
      const at = (n: number) => lines.slice(0, n).reduce((offset, line) => offset + line.length + 1, 0)
      const [forward] = yield* both(fileIn("rollout.jsonl", lines.join("\n") + "\n"))
      expect(forward).toEqual([
        event(0, "2025-01-01T00:00:00Z", "session_meta", { id: 1 }),
        event(at(2), undefined, "event_msg", undefined),
        RolloutLine.Unreadable({ offset: at(3), reason: "notJsonObject" }),
        RolloutLine.Unreadable({ offset: at(4), reason: "tooLong" }),
        RolloutLine.Unreadable({ offset: at(6), reason: "notJsonObject" }),
        event(at(7), undefined, undefined, [1])
      ])
    }))

  it.effect("an unfinished last line appears once it is a whole JSON object, never torn", () =>
    Effect.gen(function* () {
      const [torn, tornBack] = yield* both(fileIn("a.jsonl", '{"payload":1}\n{"payload":'))
      expect(torn).toEqual([event(0, undefined, undefined, 1)])
      expect(tornBack).toEqual(torn)
      const [whole] = yield* both(fileIn("b.jsonl", '{"payload":1}\n{"payload":2}'))
      expect(whole).toEqual([event(0, undefined, undefined, 1), event(14, undefined, undefined, 2)])
    }))

  it.effect("a plain path reads its .zst twin when only that exists; a plain file wins over it", () =>
    Effect.gen(function* () {
      const dir = tempDirSync("si-reader-")
      const plain = path.join(dir, "rollout.jsonl")
      fs.writeFileSync(`${plain}.zst`, rawFrames(Buffer.from('{"payload":"zst"}\n'), []))
      const [fromTwin] = yield* both(plain)
      expect(fromTwin.map((line) => (line._tag === "Event" ? line.payload : line.reason))).toEqual(["zst"])
      fs.writeFileSync(plain, '{"payload":"plain"}\n')
      const [fromPlain] = yield* both(plain)
      expect(fromPlain.map((line) => (line._tag === "Event" ? line.payload : line.reason))).toEqual(["plain"])
    }))

  it.effect("the real zstd fixture reads as its content, both ways", () =>
    Effect.gen(function* () {
      const fixture = path.join(import.meta.dirname, "../fixtures/rollout-sample.jsonl.zst")
      const [forward, newestFirst] = yield* Effect.flatMap(RolloutReader, (reader) =>
        Effect.all([collect(reader.lines(fixture)), collect(reader.linesNewestFirst(fixture))])
      ).pipe(Effect.provide(layer()))
      const expected = rolloutSample().trimEnd().split("\n").map((line) => (JSON.parse(line) as { payload: unknown }).payload)
      expect(forward.map((line) => (line._tag === "Event" ? line.payload : line))).toEqual(expected)
      expect(newestFirst).toEqual([...forward].reverse())
    }))

  it.effect("failures are IndexIoErrors: missing (open), directory, FIFO and corrupt zstd (read)", () =>
    Effect.gen(function* () {
      const dir = tempDirSync("si-reader-")
      const fifo = path.join(dir, "fifo.jsonl")
      execFileSync("mkfifo", [fifo])
      const failure = (file: string) => Effect.flip(both(file))
      const missing = yield* failure(path.join(dir, "missing.jsonl"))
      expect(missing).toBeInstanceOf(IndexIoError)
      expect([missing.op, missing.path]).toEqual(["open", path.join(dir, "missing.jsonl")])
      expect(missing.reason).toContain("ENOENT")
      expect((yield* failure(path.join(dir, "missing.jsonl.zst"))).op).toBe("open")
      expect(yield* failure(dir)).toMatchObject({ _tag: "IndexIoError", op: "read", reason: "not a regular file" })
      expect(yield* failure(fifo)).toMatchObject({ _tag: "IndexIoError", op: "read", reason: "not a regular file" })
      const corrupt = yield* failure(fileIn("bad.jsonl.zst", "not zstd\n"))
      expect([corrupt.op, corrupt.reason]).toEqual(["read", expect.stringContaining("corrupt zstd data")])
    }))

  it.effect("the last 20 lines of a 30 GB (sparse) rollout cost about one small read", () =>
    Effect.gen(function* () {
      const file = path.join(tempDirSync("si-reader-"), "huge.jsonl")
      const tail = Array.from({ length: 50 }, (_, i) => JSON.stringify({ type: "event_msg", payload: i })).join("\n") + "\n"
      fs.writeFileSync(file, '{"type":"session_meta"}\n')
      fs.truncateSync(file, 30 * 1024 ** 3 - tail.length)
      fs.appendFileSync(file, tail)
      const before = bytesReadByProcess()
      const last = yield* withReader((reader) => collect(reader.linesNewestFirst(file).pipe(Stream.take(20))))
      expect(bytesReadByProcess() - before).toBeLessThan(256 * 1024)
      expect(last.map((line) => (line._tag === "Event" ? line.payload : line))).toEqual(Array.from({ length: 20 }, (_, i) => 49 - i))
      const first = yield* withReader((reader) => collect(reader.lines(file).pipe(Stream.take(1))))
      expect(first).toEqual([event(0, undefined, "session_meta", undefined)])
    }))

  it.live("interrupting a stream closes its descriptor, and so does ending it early", () =>
    Effect.gen(function* () {
      const file = fileIn("rollout.jsonl", rolloutSample(20000))
      const before = openDescriptors()
      const started = yield* Deferred.make<void>()
      const fiber = yield* withReader((reader) =>
        reader.lines(file).pipe(Stream.runForEach(() => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)))
      ).pipe(Effect.fork)
      yield* Deferred.await(started)
      expect(openDescriptors()).toBe(before + 1)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      expect(openDescriptors()).toBe(before)
      yield* withReader((reader) => Stream.runDrain(reader.linesNewestFirst(file).pipe(Stream.take(3))))
      expect(openDescriptors()).toBe(before)
    }))

  it.live("a long line whose file is truncated or rewritten under the reader: a read failure, not a line too long", () =>
    Effect.gen(function* () {
      const first = JSON.stringify({ type: "e", payload: { s: "a" } })
      // Past 1 MiB, so read again once its end is found; within the reader's default limit.
      const long = JSON.stringify({ type: "e", payload: { s: "x".repeat(3 * 1024 * 1024) } })
      for (const spoil of ["truncate", "rewrite"] as const) {
        const file = fileIn("rollout.jsonl", [first, long, ""].join("\n"))
        const outcome = yield* Effect.scoped(
          Effect.gen(function* () {
            const reader = yield* RolloutReader
            const pull = yield* Stream.toPull(reader.lines(file))
            // Reads of 64 KiB, 128, 256, 512 KiB and 1 MiB: the long line is under way.
            for (let i = 0; i < 5; i++) yield* pull
            if (spoil === "truncate") fs.truncateSync(file, 0)
            // A line end now where the reader counted the long line's bytes: read again, it is not whole.
            else fs.writeFileSync(file, [first, "y".repeat(1024 * 1024), "z".repeat(2 * 1024 * 1024), ""].join("\n"))
            for (;;) yield* pull
          })
        ).pipe(Effect.provide(layer()), Effect.flip)
        expect(outcome, spoil).toMatchObject({ value: { _tag: "IndexIoError", op: "read", reason: expect.stringContaining("the file changed while being read") } })
      }
    }))

  it.live("a file appended to while it streams: lines appear whole and once, in order", () =>
    Effect.gen(function* () {
      const file = fileIn("rollout.jsonl", "")
      const line = (i: number) => `${JSON.stringify({ type: "event_msg", payload: { i, pad: "p".repeat(100) } })}\n`
      const initial = 20000
      fs.writeFileSync(file, Array.from({ length: initial }, (_, i) => line(i)).join(""))
      // Each line lands in two writes, a turn of the event loop apart: the reader may meet
      // half a line at the end of the file.
      const fd = fs.openSync(file, "a")
      let next = initial
      let half = true
      const appender = setInterval(() => {
        const text = line(next)
        fs.writeSync(fd, half ? text.slice(0, 40) : text.slice(40))
        if (!half) next++
        half = !half
      }, 0)
      const read = yield* withReader((reader) => collect(reader.lines(file))).pipe(
        Effect.ensuring(Effect.sync(() => (clearInterval(appender), fs.closeSync(fd))))
      )
      const seen = read.map((l) => (l._tag === "Event" ? (l.payload as { i: number }).i : l))
      expect(seen.length).toBeGreaterThanOrEqual(initial)
      const wrong = seen.findIndex((value, i) => value !== i)
      expect(wrong === -1 ? [] : [wrong, seen.slice(wrong - 2, wrong + 3)]).toEqual([])
    }))
})
