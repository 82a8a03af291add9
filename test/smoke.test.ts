import { it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { expect } from "vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { IndexReader, IndexWriter, NodeSessionIndex } from "../src/index.js"

it.effect("appends then reads back", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-"))
  return Effect.gen(function* () {
    const writer = yield* IndexWriter
    const reader = yield* IndexReader
    yield* writer.appendThreadName("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23", "hello")
    expect(yield* reader.findNameById("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23")).toEqual(Option.some("hello"))
  }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: home })))
})
