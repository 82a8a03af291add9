import { it, layer } from "@effect/vitest"
import { Context, Effect, FastCheck as fc, Layer, Logger, Option } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as WT from "node:worker_threads"
import { describe, expect } from "vitest"
import { IndexReader } from "../src/index.js"
import { layerWith } from "../src/internal/layer.js"
import { workerEntryUrl } from "../src/internal/worker/pool.js"
import { tempDir, withTempDir } from "./helpers/codexHome.js"

/** One temp home, and two readers on it alive through every run of the property. */
class Readers extends Context.Tag("test/Readers")<
  Readers,
  { readonly indexPath: string; readonly pooled: IndexReader["Type"]; readonly inProcess: IndexReader["Type"] }
>() {}
const ReadersLive = Layer.scoped(
  Readers,
  Effect.gen(function* () {
    const home = yield* tempDir("si-worker-")
    const readerOf = (layer: Layer.Layer<IndexReader>) => Effect.map(Layer.build(layer), Context.get(IndexReader))
    return {
      indexPath: path.join(home, "session_index.jsonl"),
      /** Forces the pool for every file, with tiny ranges so one lookup spans many workers' ranges. */
      pooled: yield* readerOf(
        layerWith({ codexHome: home, workers: 2, parallelThresholdBytes: 0, tailBytes: 2048, minRangeBytes: 4096 })
      ),
      inProcess: yield* readerOf(layerWith({ codexHome: home, workers: 0 }))
    }
  })
)

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

/** Both readers' answers to `query`, the pool's first. */
const queryBoth = <A, E>(query: (reader: IndexReader["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(Readers, ({ pooled, inProcess }) => Effect.all([query(pooled), query(inProcess)]))

describe("worker pool scans", () => {
  layer(ReadersLive, { excludeTestServices: true })((it) => {
    it.effect.prop(
      "answer exactly as the in-process scan on random histories",
      [fc.array(line, { minLength: 1, maxLength: 1500 })],
      ([lines]) =>
        Effect.gen(function* () {
          fs.writeFileSync((yield* Readers).indexPath, lines.join("\n") + "\n")
          const missing = crypto.randomUUID()
          const [poolNames, localNames] = yield* queryBoth((r) => r.findNamesByIds([...ids, missing]))
          expect([...poolNames].sort()).toEqual([...localNames].sort())
          for (const name of ["alpha", "beta", "naïve 🎉", 'quote "q"', "missing name"]) {
            const [a, b] = yield* queryBoth((r) => r.findIdByName(name))
            expect(a).toEqual(b)
          }
          const [single, local] = yield* queryBoth((r) => r.findNameById(ids[1]!))
          expect(single).toEqual(local)
        }),
      { fastCheck: { numRuns: 40 } }
    )
  })

  it.live("split into many ranges, every line is read exactly once (none lost at a boundary)", () =>
    withTempDir("si-ranges-", (dir) => {
      const unique = Array.from({ length: 5000 }, () => crypto.randomUUID())
      // Varying line lengths so range bounds fall everywhere inside lines.
      const lines = unique.map((id, i) => JSON.stringify({ id, thread_name: "n".repeat(1 + (i % 97)), updated_at: "t" }))
      fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
      const layer = layerWith({ codexHome: dir, workers: 2, parallelThresholdBytes: 0, tailBytes: 1000, minRangeBytes: 4096 })
      return Effect.gen(function* () {
        const reader = yield* IndexReader
        const found = yield* reader.findNamesByIds(unique)
        expect(found.size).toBe(unique.length)
        unique.forEach((id, i) => expect(found.get(id)).toBe("n".repeat(1 + (i % 97))))
      }).pipe(Effect.provide(layer))
    })
  )

  it.live("a program that used the pool exits promptly once its layer is released", () =>
    withTempDir("si-exit-", (dir) => {
      const lines = Array.from({ length: 20000 }, () => JSON.stringify({ id: crypto.randomUUID(), thread_name: "n", updated_at: "t" }))
      fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
      return Effect.promise(async () => {
        const { spawn } = await import("node:child_process")
        const child = spawn(process.execPath, [path.resolve(__dirname, "fixtures/poolLookup.mjs"), dir])
        let stdout = ""
        let answeredAt = 0
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk
          if (answeredAt === 0 && stdout.includes("\n")) answeredAt = Date.now()
        })
        const killer = setTimeout(() => child.kill("SIGKILL"), 40_000)
        const status = await new Promise<number | null>((resolve) => child.on("close", resolve))
        clearTimeout(killer)
        expect(stdout.trim()).toBe("found 0")
        expect(status).toBe(0)
        // Workers idle for 30 s before the pool reaps them: exiting well before that, counted from the
        // answer (start-up under a loaded machine varies), shows the released layer stopped them.
        expect(Date.now() - answeredAt).toBeLessThan(10_000)
      })
    })
  )

  it.live("runs the compiled worker from dist/", () =>
    Effect.sync(() => expect(fs.existsSync(workerEntryUrl())).toBe(true))
  )
})

describe("worker failures", () => {
  /** Runs `body` on a fresh home whose index is 20001 lines, the oldest naming `wanted` "deep". */
  const withBigIndex = <A, E, R>(body: (index: { readonly dir: string; readonly wanted: string }) => Effect.Effect<A, E, R>) =>
    withTempDir("si-crash-", (dir) => {
      const wanted = crypto.randomUUID()
      const lines = [JSON.stringify({ id: wanted, thread_name: "deep", updated_at: "t" })]
      for (let i = 0; i < 20000; i++) {
        lines.push(JSON.stringify({ id: crypto.randomUUID(), thread_name: `n${i}`, updated_at: "t" }))
      }
      fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
      return body({ dir, wanted })
    })

  it.live("a worker killed mid-scan is replaced and the lookup retried", () =>
    withBigIndex(({ dir, wanted }) => {
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
  )

  const warningsOf = (logs: Array<string>) => Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => void logs.push(String(message))))

  it.live("workers that keep dying: the lookup is answered in-process, with one warning", () =>
    withBigIndex(({ dir, wanted }) => {
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
  )

  it.live("workers that never become ready: scans stay in-process after one bounded wait, with one warning", () =>
    withBigIndex(({ dir, wanted }) => {
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
  )
})
