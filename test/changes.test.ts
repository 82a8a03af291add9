import { it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader, NodeSessionIndex } from "../src/index.js"

const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" }) + "\n"

it.live("streams appended entries in order, holds torn lines back, follows a replaced file", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-changes-"))
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

it.live("sees entries appended by another process to a file created after subscription", () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-changes-"))
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
