/**
 * Random histories plus garbage lines: every lookup equals the plain reference model, through
 * the scan core with tiny chunks and through the public layer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, FastCheck as fc, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { IndexReader } from "../src/index.js"
import { servicesOf, tempHome, withIndex } from "./helpers/codexHome.js"
import { coreLatest, coreNames, coreThreadsNamed } from "./helpers/core.js"
import { canonical, escapeAll, ID, reordered, spaced, uuidN, withExtra } from "./helpers/lines.js"
import { Model } from "./helpers/model.js"

const idPool = [ID.a, ID.b, ID.c, uuidN(1), uuidN(2)]
const missing = uuidN(404)
const namePool = [
  "fix",
  " fix ",
  "fix\t",
  "\u00a0fix",
  "Fix",
  "",
  "   ",
  "alpha",
  "naïve 🎉",
  "名前",
  'quote "q"',
  "back\\slash",
  "multi\nline",
  ID.a, // an id's text as a name
  `see ${ID.b}`
]
/** Query names: every trimmed pool name, blanks, and one nobody has. */
const queryNames = [...new Set(namePool.map((n) => n.trim())), "  ", "absent"]
const stamps = ["2026-02-03T16:08:29.123Z", "2020-01-01T00:00:00Z", "t"]

const entryLine = fc
  .record({
    id: fc.constantFrom(...idPool),
    upper: fc.boolean(),
    name: fc.constantFrom(...namePool),
    stamp: fc.constantFrom(...stamps),
    layout: fc.constantFrom("canonical", "canonical", "canonical", "reordered", "spaced", "escaped", "extra"),
    crlf: fc.boolean()
  })
  .map(({ crlf, id, layout, name, stamp, upper }): Buffer => {
    const i = upper ? id.toUpperCase() : id
    const text =
      layout === "reordered"
        ? reordered(i, name, stamp)
        : layout === "spaced"
          ? spaced(i, name, stamp)
          : layout === "escaped"
            ? `{"id":"${i}","thread_name":"${escapeAll(name)}","updated_at":"${stamp}"}`
            : layout === "extra"
              ? withExtra(i, name, stamp)
              : canonical(i, name, stamp)
    return Buffer.from(text + (crlf ? "\r" : ""), "utf8")
  })

const garbageLine: fc.Arbitrary<Buffer> = fc.oneof(
  fc.string().map((s) => Buffer.from(s, "utf8")),
  fc.string({ unit: "binary", maxLength: 20 }).map((s) => Buffer.from(s, "utf8")),
  fc.constantFrom("", "   ", "\r", "\t").map((s) => Buffer.from(s)),
  // Truncated JSON of a real entry.
  fc
    .tuple(fc.constantFrom(...idPool), fc.constantFrom(...namePool), fc.nat())
    .map(([id, name, cut]) => {
      const line = canonical(id, name)
      return Buffer.from(line.slice(0, cut % line.length), "utf8")
    }),
  // A valid-looking entry with invalid UTF-8 in its name.
  fc
    .tuple(fc.constantFrom(...idPool), fc.constantFrom([0xff], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80]))
    .map(([id, bytes]) =>
      Buffer.concat([Buffer.from(`{"id":"${id}","thread_name":"fix`), Buffer.from(bytes), Buffer.from(`","updated_at":"t"}`)])
    ),
  // An id only inside another field, or wrong field types.
  fc.constantFrom(...idPool).map((id) => Buffer.from(`{"note":"${id}","thread_name":"fix","updated_at":"t"}`)),
  fc.constantFrom(...idPool).map((id) => Buffer.from(`{"id":"${id}","thread_name":7,"updated_at":"t"}`)),
  fc.constantFrom(...idPool).map((id) => Buffer.from(`{"id":"${id}","thread_name":"fix"}`))
)

const history = fc
  .tuple(
    fc.array(fc.oneof({ weight: 4, arbitrary: entryLine }, { weight: 1, arbitrary: garbageLine }), { maxLength: 40 }),
    fc.boolean()
  )
  .map(([lines, finalNewline]) => {
    const parts: Array<Buffer> = []
    lines.forEach((line, n) => {
      parts.push(line)
      if (n < lines.length - 1 || finalNewline) parts.push(Buffer.from("\n"))
    })
    return Buffer.concat(parts)
  })

const scanOptions = fc.record({
  firstChunkBytes: fc.integer({ min: 1, max: 7 }),
  chunkBytes: fc.integer({ min: 1, max: 64 }),
  maxLineBytes: fc.constantFrom(60, 120, 1 << 20)
})

const queryIds = [...idPool, ...idPool.map((id) => id.toUpperCase()), missing]

describe("property: random histories equal the reference model", () => {
  it.prop(
    "through the scan core with tiny chunks",
    { file: history, options: scanOptions },
    ({ file, options }) => {
      const model = Model.fromBytes(file, options.maxLineBytes)
      for (const id of queryIds) {
        expect(coreNames(file, [id], options)).toEqual(model.namesOf([id]))
      }
      expect(coreNames(file, [...queryIds, idPool[0]!], options)).toEqual(model.namesOf(queryIds))
      for (const name of queryNames) {
        if (name.trim() === "") continue // the reader answers blank names without scanning
        const expected = model.threadsNamed(name).map(({ id, name, updatedAt }) => ({ id, name, updatedAt }))
        expect(coreThreadsNamed(file, name, false, options)).toEqual(expected)
        expect(coreThreadsNamed(file, name, true, options)).toEqual(expected.slice(0, 1))
      }
      const bound = Math.max(options.firstChunkBytes, options.chunkBytes, options.maxLineBytes + 1)
      expect(coreLatest(file, options, (n) => expect(n).toBeLessThanOrEqual(bound))).toEqual(
        model.latest().map(({ id, name, updatedAt }) => ({ id, name, updatedAt }))
      )
    },
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "through the public layer",
    { file: history },
    ({ file }) =>
      withIndex(file, () =>
        Effect.gen(function* () {
          const model = Model.fromBytes(file)
          const reader = yield* IndexReader
          for (const id of queryIds) {
            expect(yield* reader.findNameById(id)).toEqual(Option.fromNullable(model.nameOf(id)))
          }
          expect(yield* reader.findNamesByIds([...queryIds, idPool[0]!])).toEqual(model.namesOf(queryIds))
          for (const name of [...queryNames, " fix\t"]) {
            expect(yield* reader.findIdByName(name)).toEqual(Option.fromNullable(model.idByName(name)))
          }
          const latest = yield* Stream.runCollect(reader.latestEntries)
          expect(Chunk.toArray(latest).map((e) => ({ id: e.id, name: e.thread_name, updatedAt: e.updated_at }))).toEqual(
            model.latest().map(({ id, name, updatedAt }) => ({ id, name, updatedAt }))
          )
        })
      ),
    { fastCheck: { numRuns: 100 } }
  )

  it.effect.prop(
    "findPathByName picks the newest rollout among the threads currently named",
    { file: history, withFile: fc.array(fc.boolean(), { minLength: idPool.length, maxLength: idPool.length }) },
    ({ file, withFile }) =>
      Effect.scoped(
        Effect.gen(function* () {
          const home = yield* tempHome()
          home.write(file)
          // Some threads have rollout files, with distinct modification times.
          const files = new Map<string, { path: string; mtime: number }>()
          idPool.forEach((id, n) => {
            if (!withFile[n]) return
            const dir = path.join(home.home, n % 2 === 0 ? "sessions/2026/02/03" : "archived_sessions/a/b")
            fs.mkdirSync(dir, { recursive: true })
            const file = path.join(dir, `rollout-2026-02-03T16-08-29-${id}.jsonl`)
            fs.writeFileSync(file, "")
            const mtime = 1_000_000 + ((n * 7) % idPool.length) * 1000
            fs.utimesSync(file, mtime, mtime)
            files.set(id, { path: file, mtime })
          })
          const model = Model.fromBytes(file)
          const { reader } = yield* servicesOf(home)
          for (const name of queryNames) {
            const candidates = model
              .threadsNamed(name)
              .flatMap((e) => (files.has(e.id) ? [files.get(e.id)!] : []))
              .sort((a, b) => b.mtime - a.mtime)
            expect(yield* reader.findPathByName(name)).toEqual(Option.fromNullable(candidates[0]?.path))
          }
        })
      ),
    { fastCheck: { numRuns: 60 } }
  )
})
