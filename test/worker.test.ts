import { it, layer } from "@effect/vitest"
import * as Worker from "@effect/platform/Worker"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import { Cause, Context, Effect, Exit, FastCheck as fc, Layer, Logger, Option, Schedule } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as WT from "node:worker_threads"
import { describe, expect } from "vitest"
import { IndexIoError, IndexReader } from "../src/index.js"
import { layerWith } from "../src/internal/layer.js"
import { workerEntryUrl } from "../src/internal/worker/pool.js"
import { ScanIds, type ScanRequest } from "../src/internal/worker/protocol.js"
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
        layerWith({ codexHome: home, workers: 2, parallelThresholdBytes: 0, tailBytes: 2048, minRangeBytes: 4096, waitForWorkers: true })
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

  it.live("a name lookup split over ranges keeps only current names: a thread renamed away no longer answers", () =>
    withTempDir("si-names-", (dir) => {
      const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
      const entry = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "t" })
      const filler = (n: number) => Array.from({ length: n }, (_, i) => entry(crypto.randomUUID(), `filler ${i}`))
      const lines = [entry(a, "target"), entry(c, "ghost"), ...filler(3000), entry(b, "target"), ...filler(3000), entry(b, "renamed"), entry(c, "gone"), ...filler(3000)]
      fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
      const layer = layerWith({ codexHome: dir, workers: 2, parallelThresholdBytes: 0, tailBytes: 1024, minRangeBytes: 4096, waitForWorkers: true })
      return Effect.gen(function* () {
        const reader = yield* IndexReader
        // b's newer "target" line is history: a, named "target" before it, answers.
        expect(yield* reader.findIdByName("target")).toEqual(Option.some(a))
        expect(yield* reader.findIdByName("ghost")).toEqual(Option.none())
        expect(yield* reader.findIdByName("renamed")).toEqual(Option.some(b))
        expect(yield* reader.findIdByName("filler 17")).toHaveProperty("_tag", "Some")
        expect(yield* reader.findIdByName("nobody")).toEqual(Option.none())
      }).pipe(Effect.provide(layer))
    })
  )

  it.live("split into many ranges, every line is read exactly once (none lost at a boundary)", () =>
    withTempDir("si-ranges-", (dir) => {
      const unique = Array.from({ length: 5000 }, () => crypto.randomUUID())
      // Varying line lengths so range bounds fall everywhere inside lines.
      const lines = unique.map((id, i) => JSON.stringify({ id, thread_name: "n".repeat(1 + (i % 97)), updated_at: "t" }))
      fs.writeFileSync(path.join(dir, "session_index.jsonl"), lines.join("\n") + "\n")
      const layer = layerWith({ codexHome: dir, workers: 2, parallelThresholdBytes: 0, tailBytes: 1000, minRangeBytes: 4096, waitForWorkers: true })
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

  it.live("the worker loads only the scan core: no package, only its own modules and node:*", () =>
    Effect.sync(() => {
      const seen = new Set<string>()
      const packages = new Set<string>()
      const visit = (file: string) => {
        if (seen.has(file)) return
        seen.add(file)
        const source = fs.readFileSync(file, "utf8")
        for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm)) {
          if (specifier === undefined) continue
          if (specifier.startsWith(".")) visit(path.resolve(path.dirname(file), specifier))
          else if (!specifier.startsWith("node:")) packages.add(specifier)
        }
      }
      visit(fileURLToPath(workerEntryUrl()))
      expect([...packages]).toEqual([])
      expect(seen.size).toBeGreaterThan(5)
    })
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

  /** `spawn` for the pool, counting the requests its workers receive. */
  const countingSpawn = (onRequest: (worker: WT.Worker, requestsSoFar: number) => void = () => {}) => {
    const counts = { spawned: 0, requests: 0 }
    const spawn = () => {
      const worker = new WT.Worker(workerEntryUrl())
      counts.spawned++
      const post = worker.postMessage.bind(worker)
      worker.postMessage = (message: ReadonlyArray<unknown>, transfer?: ReadonlyArray<WT.TransferListItem>) => {
        post(message, transfer)
        const inner = message[1] as ReadonlyArray<unknown> | undefined
        if (message[0] === 0 && inner?.[1] === 0) onRequest(worker, counts.requests++)
      }
      return worker
    }
    return { counts, spawn }
  }

  it.live("a worker killed mid-scan is replaced and the lookup retried", () =>
    withBigIndex(({ dir, wanted }) => {
      // The first request kills its worker as soon as it is sent.
      const { counts, spawn } = countingSpawn((worker, before) => {
        if (before === 0) void worker.terminate()
      })
      const layer = layerWith({ codexHome: dir, workers: 1, parallelThresholdBytes: 0, tailBytes: 1024, waitForWorkers: true }, { spawn })
      return Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(wanted)).toEqual(Option.some("deep"))
        expect(counts.spawned).toBeGreaterThanOrEqual(2)
        expect(counts.requests).toBeGreaterThanOrEqual(2)
      }).pipe(Effect.provide(layer))
    })
  )

  it.live("a cold pool never delays a lookup: the first is scanned in-process, workers start after it, later lookups run on them", () =>
    withBigIndex(({ dir, wanted }) => {
      const { counts, spawn } = countingSpawn()
      // Nothing remembered between lookups: each one scans.
      const layer = layerWith({ codexHome: dir, workers: 2, parallelThresholdBytes: 0, tailBytes: 1024, incremental: false }, { spawn })
      return Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(counts.spawned).toBe(0)
        expect(yield* reader.findNameById(wanted)).toEqual(Option.some("deep"))
        expect(counts.requests).toBe(0)
        // The pool started in the background, both workers at once; lookups move to it.
        yield* reader.findNameById(wanted).pipe(
          Effect.tap((name) => expect(name).toEqual(Option.some("deep"))),
          Effect.repeat({ until: () => counts.requests > 0, schedule: Schedule.spaced("50 millis") })
        )
        expect(counts.spawned).toBe(2)
      }).pipe(Effect.provide(layer), Effect.timeout("20 seconds"))
    })
  )

  it.live("through the platform's pool, a worker's I/O failure arrives as IndexIoError and a bug as a defect", () =>
    Effect.gen(function* () {
      const pool = yield* Worker.makePoolSerialized<ScanRequest>({ size: 1, concurrency: 1 }).pipe(
        Effect.provide(NodeWorker.layer(() => new WT.Worker(workerEntryUrl())))
      )
      const request = { path: "/index", maxLineBytes: 1024, chunkBytes: 65536, start: 0, end: 100, limit: 100, ids: [crypto.randomUUID()] }
      const failed = yield* Effect.flip(pool.executeEffect(new ScanIds({ ...request, fd: 987654 })))
      expect(failed).toBeInstanceOf(IndexIoError)
      expect(failed).toMatchObject({ op: "scan", path: "/index", reason: expect.stringMatching(/EBADF/) })
      // A negative buffer size throws Node's ERR_OUT_OF_RANGE before any read: a bug, not I/O.
      const died = yield* Effect.exit(pool.executeEffect(new ScanIds({ ...request, fd: 987654, end: 0, limit: 0, chunkBytes: -1 })))
      expect(Exit.isFailure(died) && Cause.isDie(died.cause)).toBe(true)
      // The worker survives both and answers the next request.
      expect(yield* pool.executeEffect(new ScanIds({ ...request, fd: 987654, end: 0, limit: 0 }))).toEqual([])
    }).pipe(Effect.scoped)
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
      const layer = layerWith({ codexHome: dir, workers: 1, parallelThresholdBytes: 0, tailBytes: 1024, waitForWorkers: true }, { spawn })
      return Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(wanted)).toEqual(Option.some("deep"))
        expect(yield* reader.findNameById(wanted)).toEqual(Option.some("deep"))
        expect(logs.filter((l) => l.includes("scanning in-process"))).toHaveLength(1)
      }).pipe(Effect.provide(layer), Effect.provide(warningsOf(logs)), Effect.timeout("20 seconds"))
    })
  )

  it.live("workers that never become ready: lookups never wait for them, and it is said once", () =>
    withBigIndex(({ dir, wanted }) => {
      // Starts, but never answers the pool.
      const spawn = () => new WT.Worker("setInterval(() => {}, 1000)", { eval: true })
      const logs: Array<string> = []
      const layer = layerWith({ codexHome: dir, workers: 1, parallelThresholdBytes: 0, tailBytes: 1024, incremental: false }, { spawn })
      const timedLookup = (reader: IndexReader["Type"]) =>
        Effect.gen(function* () {
          const started = Date.now()
          expect(yield* reader.findNamesByIds([wanted, crypto.randomUUID()])).toEqual(new Map([[wanted, "deep"]]))
          expect(Date.now() - started).toBeLessThan(2000)
        })
      return Effect.gen(function* () {
        const reader = yield* IndexReader
        yield* timedLookup(reader)
        // Past the bounded wait for the pool: it is given up, with one warning.
        yield* Effect.sleep("6500 millis")
        yield* timedLookup(reader)
        yield* timedLookup(reader)
        expect(logs.filter((l) => l.includes("no scan worker became ready"))).toHaveLength(1)
      }).pipe(Effect.provide(layer), Effect.provide(warningsOf(logs)), Effect.timeout("20 seconds"))
    })
  )
})
