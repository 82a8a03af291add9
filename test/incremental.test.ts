import { it, layer } from "@effect/vitest"
import { Context, Effect, FastCheck as fc, Layer } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader } from "../src/index.js"
import { layerWith } from "../src/internal/layer.js"
import { tempDir, withTempDir } from "./helpers/codexHome.js"

const ids = Array.from({ length: 12 }, () => crypto.randomUUID())

/** A temp home, and one reader on it that lives through every change (and so keeps what it learned). */
class LongLived extends Context.Tag("test/LongLived")<
  LongLived,
  { readonly home: string; readonly indexPath: string; readonly reader: IndexReader["Type"] }
>() {}
const LongLivedLive = Layer.scoped(
  LongLived,
  Effect.gen(function* () {
    const home = yield* tempDir("si-incr-")
    const reader = Context.get(yield* Layer.build(layerWith({ codexHome: home, workers: 0 })), IndexReader)
    return { home, indexPath: path.join(home, "session_index.jsonl"), reader }
  })
)

const entry = fc
  .record({ id: fc.constantFrom(...ids), name: fc.constantFrom("a", "b", "c", "", " d ") })
  .map(({ id, name }) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n")

const op = fc.oneof(
  fc.record({ kind: fc.constant("append" as const), lines: fc.array(entry, { minLength: 1, maxLength: 5 }) }),
  fc.record({ kind: fc.constant("tornAppend" as const), text: fc.constant('{"id":"') }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant("replace" as const), lines: fc.array(entry, { maxLength: 8 }) }),
  fc.record({ kind: fc.constant("lookup" as const), count: fc.integer({ min: 1, max: ids.length }) })
)

/** What a reader made now, knowing nothing yet, answers. */
const fresh = (home: string, wanted: ReadonlyArray<string>) =>
  Effect.flatMap(IndexReader, (r) => r.findNamesByIds(wanted)).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })))

layer(LongLivedLive, { excludeTestServices: true })((it) => {
  it.effect.prop(
    "answers after appends, truncations and replacements equal a fresh scan",
    [fc.array(op, { minLength: 1, maxLength: 25 })],
    ([ops]) =>
      Effect.gen(function* () {
        const { home, indexPath, reader } = yield* LongLived
        fs.rmSync(indexPath, { force: true })
        for (const o of ops) {
          if (o.kind === "append") fs.appendFileSync(indexPath, o.lines.join(""))
          else if (o.kind === "tornAppend") fs.appendFileSync(indexPath, o.text)
          else if (o.kind === "truncate" && fs.existsSync(indexPath)) {
            const text = fs.readFileSync(indexPath, "utf8")
            const lines = text.split("\n")
            fs.writeFileSync(indexPath, lines.slice(0, Math.floor(lines.length * o.keep)).join("\n"))
          } else if (o.kind === "replace") {
            const temp = indexPath + ".tmp"
            fs.writeFileSync(temp, o.lines.join(""))
            fs.renameSync(temp, indexPath)
          } else if (o.kind === "lookup") {
            const wanted = ids.slice(0, o.count)
            const got = yield* reader.findNamesByIds(wanted)
            expect(new Map([...got].sort())).toEqual(new Map([...(yield* fresh(home, wanted))].sort()))
          }
        }
        const got = yield* reader.findNamesByIds(ids)
        expect(new Map([...got].sort())).toEqual(new Map([...(yield* fresh(home, ids))].sort()))
      }),
    { fastCheck: { numRuns: 150 } }
  )
})

it.live("a file rewritten in place with the same first line and more bytes is a new history", () =>
  withTempDir("si-incr-", (dir) => {
    const file = path.join(dir, "session_index.jsonl")
    const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
    const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n"
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const head = line(a, "x").repeat(4) // longer than the bytes compared at the start
      fs.writeFileSync(file, head + line(b, "y"))
      expect([...(yield* reader.findNamesByIds([a, b]))].sort()).toEqual([[a, "x"], [b, "y"]].sort())
      const inode = fs.statSync(file).ino
      // Same inode (as a reused one would be), same first line, larger: but not the same file.
      fs.writeFileSync(file, head + line(c, "zzzzzzzzzzzzzzzzzzzzzz") + line(c, "w"))
      expect(fs.statSync(file).ino).toBe(inode)
      expect([...(yield* reader.findNamesByIds([a, b]))]).toEqual([[a, "x"]])
    }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0 })))
  })
)
