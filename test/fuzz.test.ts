import { layer } from "@effect/vitest"
import { Chunk, Context, Effect, FastCheck as fc, Layer, Stream } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader } from "../src/index.js"
import { layerWith } from "../src/internal/layer.js"
import { tempDir } from "./helpers/codexHome.js"
import { Model } from "./helpers/model.js"

const MAX_LINE = 600

/** One temp home and two readers on it (in-process, and a worker pool), alive through every run. */
class Fuzz extends Context.Tag("test/Fuzz")<
  Fuzz,
  { readonly indexPath: string; readonly readers: ReadonlyArray<IndexReader["Type"]> }
>() {}
const FuzzLive = Layer.scoped(
  Fuzz,
  Effect.gen(function* () {
    const home = yield* tempDir("si-fuzz-")
    const readerOf = (layer: Layer.Layer<IndexReader>) => Effect.map(Layer.build(layer), Context.get(IndexReader))
    const readers = [
      yield* readerOf(layerWith({ codexHome: home, workers: 0, maxLineBytes: MAX_LINE })),
      yield* readerOf(
        layerWith({ codexHome: home, workers: 2, maxLineBytes: MAX_LINE, parallelThresholdBytes: 0, tailBytes: 512, minRangeBytes: 2048, waitForWorkers: true })
      )
    ]
    return { indexPath: path.join(home, "session_index.jsonl"), readers }
  })
)

const ids = Array.from({ length: 8 }, () => crypto.randomUUID())
const names = ["a", "b", " c", "\u00e9t\u00e9", "x\u0000y"]
const enc = (s: string) => Buffer.from(s, "utf8")

const piece = fc.oneof(
  fc.record({ id: fc.constantFrom(...ids), name: fc.constantFrom(...names), upper: fc.boolean() }).map(({ id, name, upper }) =>
    enc(JSON.stringify({ id: upper ? id.toUpperCase() : id, thread_name: name, updated_at: "t" }))
  ),
  // Lone surrogates in escapes: not Unicode, so not an entry (as in Codex).
  fc.constantFrom(...ids).map((id) => enc(`{"id":"${id}","thread_name":"\\ud800 x","updated_at":"t"}`)),
  fc.constantFrom(...ids).map((id) => enc(`{"id":"${id}","thread_name":"ok\\udc00","updated_at":"t"}`)),
  // A valid entry whose name makes the line longer than maxLineBytes: skipped.
  fc.constantFrom(...ids).map((id) => enc(JSON.stringify({ id, thread_name: "L".repeat(MAX_LINE), updated_at: "t" }))),
  fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  fc.uint8Array({ minLength: 1, maxLength: 3000 }).map((b) => Buffer.from(b.map((x) => (x === 10 ? 0 : x)))),
  fc.constantFrom(...ids).map((id) => enc(`{"id":"${id}",\u0000"thread_name":"nul","updated_at":"t"}`))
)

layer(FuzzLive, { excludeTestServices: true })((it) => {
  it.effect.prop(
    "random bytes through every lookup: no throw, no defect, answers equal the reference model",
    [fc.array(piece, { maxLength: 60 }), fc.boolean()],
    ([pieces, trailingNewline]) =>
      Effect.gen(function* () {
        const { indexPath, readers } = yield* Fuzz
        const bytes = Buffer.concat(pieces.flatMap((p, i) => (i < pieces.length - 1 || trailingNewline ? [p, enc("\n")] : [p])))
        fs.writeFileSync(indexPath, bytes)
        const model = Model.fromBytes(bytes, MAX_LINE)
        for (const reader of readers) {
          const result = yield* Effect.exit(
            Effect.gen(function* () {
              const batch = yield* reader.findNamesByIds(ids)
              const singles = yield* Effect.forEach(ids, (id) => reader.findNameById(id))
              const byName = yield* Effect.forEach(names, (name) => reader.findIdByName(name))
              const latest = Chunk.toArray(yield* Stream.runCollect(reader.latestEntries))
              return { batch, singles, byName, latest }
            })
          )
          expect(result._tag).toBe("Success")
          if (result._tag !== "Success") continue
          const { batch, singles, byName, latest } = result.value
          expect(new Map([...batch].sort())).toEqual(new Map([...model.namesOf(ids)].sort()))
          expect(singles.map((o) => (o._tag === "Some" ? o.value : undefined))).toEqual(ids.map((id) => model.nameOf(id)))
          expect(byName.map((o) => (o._tag === "Some" ? o.value : undefined))).toEqual(names.map((n) => model.idByName(n)))
          expect(latest.map((e) => [e.id, e.thread_name])).toEqual(model.latest().map((e) => [e.id, e.name]))
        }
      }),
    { fastCheck: { numRuns: 120 } }
  )
})
