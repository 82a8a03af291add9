import { it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect } from "vitest"
import { IndexReader, IndexWriter, NodeSessionIndex } from "../../src/index.js"
import { makeWriterLock } from "../../src/internal/lock.js"
import { Model } from "../helpers/model.js"
import { AppServer, resumeThreadId, sandbox } from "./codex.js"

const servers: Array<AppServer> = []
const startServer = async (box: ReturnType<typeof sandbox>) => {
  const server = await AppServer.start(box)
  servers.push(server)
  return server
}
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

const indexOf = (box: ReturnType<typeof sandbox>) => path.join(box.codexHome, "session_index.jsonl")

describe("next to Codex 0.169.0", () => {
  it.live("names Codex sets through app-server read back through IndexReader", () => {
    const box = sandbox()
    return Effect.gen(function* () {
      const server = yield* Effect.promise(() => startServer(box))
      const [a, b] = yield* Effect.promise(() => Promise.all([server.startThread(box.cwd), server.startThread(box.cwd)]))
      yield* Effect.promise(() => server.setName(a!, "alpha"))
      yield* Effect.promise(() => server.setName(b!, "beta"))
      yield* Effect.promise(() => server.setName(a!, "gamma"))
      // Codex's own line format: compact JSON, our field order, nanosecond timestamps.
      const lines = fs.readFileSync(indexOf(box), "utf8").trim().split("\n")
      expect(lines).toHaveLength(3)
      for (const line of lines) {
        expect(line).toMatch(/^\{"id":"[0-9a-f-]{36}","thread_name":"[a-z]+","updated_at":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/)
      }
      const reader = yield* IndexReader
      expect(yield* reader.findNameById(a!)).toEqual(Option.some("gamma"))
      expect(yield* reader.findNameById(b!)).toEqual(Option.some("beta"))
      expect(yield* reader.findIdByName("gamma")).toEqual(Option.some(a))
      expect(yield* reader.findIdByName("alpha")).toEqual(Option.none())
      const rollout = yield* reader.findPathByName("beta")
      expect(Option.isSome(rollout) && fs.existsSync(rollout.value)).toBe(true)
    }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: box.codexHome })))
  })

  it.live("names the library appends are what `codex exec resume NAME` resolves", () => {
    const box = sandbox()
    return Effect.gen(function* () {
      const server = yield* Effect.promise(() => startServer(box))
      // Threads Codex knows (with rollout files), named by Codex first.
      const [a, b] = yield* Effect.promise(() => Promise.all([server.startThread(box.cwd), server.startThread(box.cwd)]))
      yield* Effect.promise(() => server.setName(a!, "codex name a"))
      yield* Effect.promise(() => server.setName(b!, "codex name b"))
      server.close()
      const writer = yield* IndexWriter
      const reader = yield* IndexReader
      const resume = (name: string) => Effect.promise(() => resumeThreadId(box, name))
      yield* writer.appendThreadName(a!, "from the library")
      expect(yield* resume("from the library")).toBe(a)
      // Two threads currently so named: Codex takes the one whose rollout file changed last
      // (resuming `a` just wrote to its file), exactly what findPathByName answers.
      yield* writer.appendThreadName(b!, "from the library")
      const chosen = yield* resume("from the library")
      const rollout = yield* reader.findPathByName("from the library")
      expect(Option.isSome(rollout) && chosen !== undefined && rollout.value.includes(chosen)).toBe(true)
      // A thread renamed away no longer answers to its old name, in Codex or here.
      yield* writer.appendThreadName(a!, "moved on")
      expect(yield* resume("from the library")).toBe(b)
      expect(yield* reader.findIdByName("from the library")).toEqual(Option.some(b))
      expect(yield* resume("moved on")).toBe(a)
    }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: box.codexHome })))
  })

  it.live("a Codex rename waits while the library holds the lock, then lands with nothing lost", () => {
    const box = sandbox()
    const lockPath = path.join(box.codexHome, "session_index.jsonl.lock")
    return Effect.gen(function* () {
      const server = yield* Effect.promise(() => startServer(box))
      const thread = yield* Effect.promise(() => server.startThread(box.cwd))
      yield* Effect.promise(() => server.setName(thread, "before"))
      const writer = yield* IndexWriter
      yield* writer.appendThreadName(crypto.randomUUID(), "library line")
      const lock = yield* makeWriterLock(box.codexHome, lockPath, 10_000)
      let released = 0
      let renamed = 0
      const holding = lock
        .forRewrite(Effect.sleep("2 seconds"))
        .pipe(Effect.ensuring(Effect.sync(() => (released = Date.now()))))
      const holder = yield* Effect.fork(holding)
      yield* Effect.sleep("200 millis")
      const rename = Effect.promise(() => server.setName(thread, "after").then(() => (renamed = Date.now())))
      yield* Effect.all([rename, holder.await], { concurrency: 2 })
      expect(renamed).toBeGreaterThanOrEqual(released)
      // And with a real compaction holding it: Codex's rename during it is kept.
      const compacting = yield* Effect.fork(writer.compact())
      yield* Effect.promise(() => server.setName(thread, "during compaction"))
      yield* compacting.await
      const reader = yield* IndexReader
      expect(yield* reader.findNameById(thread)).toEqual(Option.some("during compaction"))
      expect(yield* reader.findIdByName("library line")).not.toEqual(Option.none())
    }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: box.codexHome })))
  })

  it.live("Codex renames and library appends racing for seconds leave whole lines and agree with a reference model", () => {
    const box = sandbox()
    return Effect.gen(function* () {
      const server = yield* Effect.promise(() => startServer(box))
      const threads = yield* Effect.promise(() => Promise.all(Array.from({ length: 4 }, () => server.startThread(box.cwd))))
      const ours = Array.from({ length: 4 }, () => crypto.randomUUID())
      const writer = yield* IndexWriter
      const until = Date.now() + 3000
      const codexLoop = Effect.promise(async () => {
        for (let i = 0; Date.now() < until; i++) await server.setName(threads[i % threads.length]!, `codex ${i}`)
      })
      const libraryLoop = Effect.gen(function* () {
        for (let i = 0; Date.now() < until; i++) {
          yield* writer.appendThreadName(ours[i % ours.length]!, `library ${i}`)
          // Codex's own threads too: both writers on the same ids.
          if (i % 5 === 0) yield* writer.appendThreadName(threads[i % threads.length]!, `library on codex ${i}`)
        }
      })
      yield* Effect.all([codexLoop, libraryLoop], { concurrency: 2 })
      const bytes = fs.readFileSync(indexOf(box))
      const lines = bytes.toString("utf8").split("\n")
      expect(lines.at(-1)).toBe("")
      for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow()
      expect(lines.length).toBeGreaterThan(50)
      const model = Model.fromBytes(bytes)
      const reader = yield* IndexReader
      const all = [...threads, ...ours]
      const found = yield* reader.findNamesByIds(all)
      expect(new Map([...found].sort())).toEqual(new Map([...model.namesOf(all)].sort()))
      for (const id of all) {
        const name = model.nameOf(id)!
        expect(yield* reader.findIdByName(name)).toEqual(Option.some(model.idByName(name)))
      }
    }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: box.codexHome })))
  })
})
