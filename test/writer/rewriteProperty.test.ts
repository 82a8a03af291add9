/**
 * One rule for bad lines on every path: on files mixing canonical and non-canonical lines,
 * duplicate keys, CRLF, a BOM, over-long lines and torn tails, `compact` changes no answer and
 * `removeThread(x)` changes only what involved x, by the reference model and by the library's
 * own lookups before and after.
 */
import { layer } from "@effect/vitest"
import { Chunk, Effect, FastCheck as fc, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader, IndexWriter } from "../../src/index.js"
import { layerWith } from "../../src/internal/layer.js"
import { sharedTempDir, SharedTempDir } from "../helpers/codexHome.js"
import { canonical, escapedName, reordered, spaced, uuidN, withExtra } from "../helpers/lines.js"
import { Model } from "../helpers/model.js"

const MAX_LINE = 256
const ids = Array.from({ length: 5 }, (_, i) => uuidN(i + 1, 0x5e55))
const names = ["alpha", "beta", " beta ", "", "  ", "ü 🎉", 'q"uote', "x".repeat(MAX_LINE)] as const
const wanted = ["alpha", "beta", "ü 🎉", 'q"uote', "x".repeat(MAX_LINE), "nobody"]

const id = fc.tuple(fc.constantFrom(...ids), fc.boolean()).map(([i, upper]) => (upper ? i.toUpperCase() : i))
const name = fc.constantFrom(...names)
const piece: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(id, name).map(([i, n]) => canonical(i, n)) },
  { weight: 1, arbitrary: fc.tuple(id, name).map(([i, n]) => reordered(i, n)) },
  { weight: 1, arbitrary: fc.tuple(id, name).map(([i, n]) => spaced(i, n)) },
  { weight: 1, arbitrary: fc.tuple(id, name).map(([i, n]) => escapedName(i, n)) },
  { weight: 1, arbitrary: fc.tuple(id, name).map(([i, n]) => withExtra(i, n)) },
  { weight: 1, arbitrary: fc.tuple(id, name).map(([i, n]) => canonical(i, n) + "\r") },
  { weight: 1, arbitrary: fc.tuple(id, name).map(([i, n]) => "\ufeff" + canonical(i, n)) },
  {
    weight: 2,
    arbitrary: fc.tuple(id, id, name, name, fc.constantFrom("id", "thread_name", "escaped id")).map(([i, j, n, m, which]) =>
      which === "id"
        ? `{"id":"${i}","thread_name":${JSON.stringify(n)},"updated_at":"t","id":"${j}"}`
        : which === "thread_name"
          ? `{"id":"${i}","thread_name":${JSON.stringify(n)},"thread_name":${JSON.stringify(m)},"updated_at":"t"}`
          : `{"id":"${i}","\\u0069d":"${j}","thread_name":${JSON.stringify(n)},"updated_at":"t"}`
    )
  },
  { weight: 1, arbitrary: fc.constantFrom("garbage", "", "   ", `{"id":"${ids[0]}"`, "[1,2]") }
)
/** The file: lines joined by `\n`, ending in a newline or in a torn tail (whole or cut). */
const file = fc
  .tuple(fc.array(piece, { maxLength: 40 }), fc.oneof(fc.constant(""), piece, piece.map((p) => p.slice(0, Math.floor(p.length / 2)))))
  .map(([lines, tail]) => lines.map((l) => l + "\n").join("") + tail)

const answersOf = (model: Model) => ({
  names: model.namesOf(ids),
  byName: wanted.map((n) => model.idByName(n)),
  latest: model.latest().map((e) => [e.id, e.name])
})

const libraryAnswers = Effect.gen(function* () {
  const reader = yield* IndexReader
  return {
    names: new Map(yield* reader.findNamesByIds(ids)),
    byName: (yield* Effect.forEach(wanted, (n) => reader.findIdByName(n))).map(Option.getOrUndefined),
    latest: Chunk.toArray(yield* Stream.runCollect(reader.latestEntries)).map((e) => [e.id, e.thread_name])
  }
})

layer(sharedTempDir("si-rewrite-prop-"), { excludeTestServices: true })((it) => {
  it.effect.prop(
    "compact keeps every answer and removeThread changes only the removed thread's, on any mix of lines (property)",
    [file, fc.constantFrom(...ids)],
    ([text, removed]) =>
      Effect.gen(function* () {
        const dir = yield* SharedTempDir
        const index = path.join(dir, "session_index.jsonl")
        const run = <A, E>(effect: Effect.Effect<A, E, IndexReader | IndexWriter>) =>
          effect.pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0, maxLineBytes: MAX_LINE })))

        fs.writeFileSync(index, text)
        const before = Model.fromBytes(fs.readFileSync(index), MAX_LINE)
        expect(yield* run(libraryAnswers)).toEqual(answersOf(before))

        yield* run(Effect.flatMap(IndexWriter, (w) => w.compact()))
        const compacted = Model.fromBytes(fs.readFileSync(index), MAX_LINE)
        expect(answersOf(compacted)).toEqual(answersOf(before))
        expect(yield* run(libraryAnswers)).toEqual(answersOf(before))

        fs.writeFileSync(index, text)
        const count = yield* run(Effect.flatMap(IndexWriter, (w) => w.removeThread(removed)))
        const after = Model.fromBytes(fs.readFileSync(index), MAX_LINE)
        const without = new Model(before.entries.filter((e) => e.id !== removed))
        expect(answersOf(after)).toEqual(answersOf(without))
        expect(yield* run(libraryAnswers)).toEqual(answersOf(without))
        expect(count).toBe(before.entries.filter((e) => e.id === removed).length)
        // Nothing but the removed thread's entries is gone: every other line stays, bytes and all.
        const others = text
          .split(/(?<=\n)/)
          .filter((l) => Model.fromBytes(Buffer.from(l.replace(/\n$/, "")), MAX_LINE).entries[0]?.id !== removed)
        // As bytes: a torn tail may end in half a surrogate pair, written as U+FFFD.
        expect(fs.readFileSync(index).equals(Buffer.from(others.join("")))).toBe(true)
      }),
    { timeout: 120_000, fastCheck: { numRuns: 60 } }
  )
})
