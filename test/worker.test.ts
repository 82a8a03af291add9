import { it } from "@effect/vitest"
import { Effect, Logger, ManagedRuntime, Option } from "effect"
import * as fc from "fast-check"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as WT from "node:worker_threads"
import { afterAll, describe, expect } from "vitest"
import { IndexReader } from "../src/index.js"
import { layerWith } from "../src/internal/layer.js"
import { workerEntryUrl } from "../src/internal/worker/pool.js"

const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-worker-"))
const indexPath = path.join(home, "session_index.jsonl")

/** Forces the pool for every file, with tiny ranges so one lookup spans many workers' ranges. */
const pooled = ManagedRuntime.make(
  layerWith({ codexHome: home, workers: 2, parallelThresholdBytes: 0, tailBytes: 2048, minRangeBytes: 4096 })
)
const inProcess = ManagedRuntime.make(layerWith({ codexHome: home, workers: 0 }))
afterAll(() => Promise.all([pooled.dispose(), inProcess.dispose()]))

const ids = Array.from({ length: 40 }, () => crypto.randomUUID())
const names = ["alpha", "beta", " beta ", "gamma", "", "  ", "naïve 🎉", 'quote "q"', "back\\slash"]

const line = fc.oneof(
  { weight: 8, arbitrary: fc.record({ id: fc.constantFrom(...ids), name: fc.constantFrom(...names), upper: fc.boolean() }).map(
    ({ id, name, upper }) => JSON.stringify({ id: upper ? id.toUpperCase() : id, thread_name: name, updated_at: "2026-02-03T16:08:29.123Z" })
  ) },
  { weight: 1, arbitrary: fc.record({ id: fc.constantFrom(...ids), name: fc.constantFrom(...names) }).map(
    ({ id, name }) => `{ "updated_at" : "x", "thread_name" : ${JSON.stringify(name)}, "id" : "${id}" }\r`
  ) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.constant("{\"id\":\"" + ids[0] + "\",\"thread_"), fc.constant("")) }
)

const queryBoth = <A, E>(query: (reader: IndexReader["Type"]) => Effect.Effect<A, E>) =>
  Effect.all([
    Effect.promise(() => pooled.runPromise(Effect.flatMap(IndexReader, query))),
    Effect.promise(() => inProcess.runPromise(Effect.flatMap(IndexReader, query)))
  ])

describe("worker pool scans", () => {
  it.live("answer exactly as the in-process scan on random histories", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 1500 }), async (lines) => {
          fs.writeFileSync(indexPath, lines.join("\n") + "\n")
          const missing = crypto.randomUUID()
          const [poolNames, localNames] = await Effect.runPromise(queryBoth((r) => r.findNamesByIds([...ids, missing])))
          expect([...poolNames].sort()).toEqual([...localNames].sort())
          for (const name of ["alpha", "beta", "naïve 🎉", 'quote "q"', "missing name"]) {
            const [a, b] = await Effect.runPromise(queryBoth((r) => r.findIdByName(name)))
            expect(a).toEqual(b)
          }
          const [single, local] = await Effect.runPromise(queryBoth((r) => r.findNameById(ids[1]!)))
          expect(single).toEqual(local)
        }),
        { numRuns: 40 }
      )
    )
  )

  it.live("split into many ranges, every line is read exactly once (none lost at a boundary)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-ranges-"))
    const unique = Array.from({ length: 5000 }, () => crypto.randomUUID())
    // Varying line lengths so range bounds fall everywhere inside lines.
    const lines = unique.map((id, i) => JSON.stringify({ id, thread_name: "n".repeat(1 + (i % 97)), updated_at: "t" }))
    fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
    const layer = layerWith({ codexHome: dir, workers: 2, parallelThresholdBytes: 0, tailBytes: 1000, minRangeBytes: 4096 })
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const found = yield* reader.findNamesByIds(unique)
      expect(found.size).toBe(unique.length)
      unique.forEach((id, i) => expect(found.get(id as never)).toBe("n".repeat(1 + (i % 97))))
    }).pipe(Effect.provide(layer))
  })

  it.live("a program that used the pool exits promptly once its layer is released", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-exit-"))
    const lines = Array.from({ length: 20000 }, () => JSON.stringify({ id: crypto.randomUUID(), thread_name: "n", updated_at: "t" }))
    fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
    return Effect.promise(async () => {
      const { spawnSync } = await import("node:child_process")
      const started = Date.now()
      const child = spawnSync(process.execPath, [path.resolve(__dirname, "fixtures/poolLookup.mjs"), dir], {
        encoding: "utf8",
        timeout: 20_000
      })
      expect(child.stdout.trim()).toBe("found 0")
      expect(child.status).toBe(0)
      // Workers idle for 30 s before the pool reaps them: exiting well before shows the layer stopped them.
      expect(Date.now() - started).toBeLessThan(10_000)
    })
  })

  it.live("runs the compiled worker from dist/", () =>
    Effect.sync(() => expect(fs.existsSync(workerEntryUrl())).toBe(true))
  )
})

describe("worker failures", () => {
  const bigIndex = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-crash-"))
    const wanted = crypto.randomUUID()
    const lines = [JSON.stringify({ id: wanted, thread_name: "deep", updated_at: "t" })]
    for (let i = 0; i < 20000; i++) {
      lines.push(JSON.stringify({ id: crypto.randomUUID(), thread_name: `n${i}`, updated_at: "t" }))
    }
    fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
    return { dir, wanted }
  }

  it.live("a worker killed mid-scan is replaced and the lookup retried", () => {
    const { dir, wanted } = bigIndex()
    let spawned = 0
    const spawn = () => {
      const worker = new WT.Worker(workerEntryUrl())
      // The first worker dies as soon as it receives work.
      if (spawned++ === 0) worker.once("online", () => setTimeout(() => void worker.terminate(), 5))
      return worker
    }
    const layer = layerWith({ codexHome: dir, workers: 1, parallelThresholdBytes: 0, tailBytes: 1024 }, { spawn })
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      expect(yield* reader.findNameById(wanted)).toEqual(Option.some("deep"))
      expect(spawned).toBeGreaterThanOrEqual(2)
    }).pipe(Effect.provide(layer))
  })

  const warningsOf = (logs: Array<string>) => Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void logs.push(String(message))))

  it.live("workers that keep dying: the lookup is answered in-process, with one warning", () => {
    const { dir, wanted } = bigIndex()
    const spawn = () => {
      const worker = new WT.Worker(workerEntryUrl())
      worker.once("online", () => void worker.terminate())
      return worker
    }
    const logs: Array<string> = []
    const layer = layerWith({ codexHome: dir, workers: 1, parallelThresholdBytes: 0, tailBytes: 1024 }, { spawn })
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      expect(yield* reader.findNameById(wanted)).toEqual(Option.some("deep"))
      expect(logs.filter((l) => l.includes("scanning in-process"))).toHaveLength(1)
    }).pipe(Effect.provide(layer), Effect.provide(warningsOf(logs)), Effect.timeout("20 seconds"))
  })

  it.live("workers that never become ready: scans stay in-process after one bounded wait, with one warning", () => {
    const { dir, wanted } = bigIndex()
    // Starts, but never answers the pool.
    const spawn = () => new WT.Worker("setInterval(() => {}, 1000)", { eval: true })
    const logs: Array<string> = []
    const layer = layerWith({ codexHome: dir, workers: 1, parallelThresholdBytes: 0, tailBytes: 1024 }, { spawn })
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      expect(yield* reader.findNameById(wanted)).toEqual(Option.some("deep"))
      // Known now: the next lookup does not wait again.
      const started = Date.now()
      expect(yield* reader.findNamesByIds([wanted, crypto.randomUUID()])).toEqual(new Map([[wanted, "deep"]]))
      expect(Date.now() - started).toBeLessThan(2000)
      expect(logs.filter((l) => l.includes("no scan worker became ready"))).toHaveLength(1)
    }).pipe(Effect.provide(layer), Effect.provide(warningsOf(logs)), Effect.timeout("20 seconds"))
  })
})
