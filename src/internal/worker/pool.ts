/**
 * The pooled `RangeScanner`: a large range is split into byte ranges (each worker aligns its
 * own to line starts) scanned in worker threads, newest first, and the lookup returns as soon
 * as the newest finished ranges answer every id (the rest are interrupted). The newest MiB is
 * scanned in-process first: most names people look up were set recently, and a worker round
 * trip would cost more. Ranges under the crossover size stay in-process altogether.
 */
import * as Worker from "@effect/platform/Worker"
import { isWorkerError, type WorkerError } from "@effect/platform/WorkerError"
import * as NodeWorker from "@effect/platform-node/NodeWorker"
import { Data, Deferred, Effect, Layer, type ParseResult, Scope } from "effect"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import * as WT from "node:worker_threads"
import { IndexIoError } from "../../Errors.js"
import { Settings } from "../config.js"
import { type PinnedFile, runOnPinned } from "../fileScan.js"
import { currentNames, inAlignedRange, nameCandidates, type NamedThread } from "../scan/programs.js"
import { lineStartAtOrAfter } from "../scan/reverseReader.js"
import { inProcessRanges, RangeScanner } from "../scanner.js"
import { type ScanRequest, ScanIds, ScanNameCandidates } from "./protocol.js"

/**
 * The compiled worker entry beside this module, in the `new URL("./…", import.meta.url)` form
 * bundlers recognise. Under vitest this module runs from `src/` as TypeScript, which Node 20
 * workers cannot load, so it points at the build in `dist/`.
 */
export const workerEntryUrl = (): URL => {
  const entry = new URL("./entry.js", import.meta.url)
  return import.meta.url.endsWith(".ts")
    ? new URL(entry.href.replace(/\/src\/internal\/worker\/entry\.js$/, "/dist/internal/worker/entry.js"))
    : entry
}

export type SpawnWorker = (id: number) => WT.Worker

export const defaultSpawn: SpawnWorker = () => new WT.Worker(workerEntryUrl())

/** Workers that are not ready by then are taken for unable to start: scans stay in-process. */
const WORKER_READY_TIMEOUT = "6 seconds"
// Each range costs a worker round trip (~0.8 ms); at 1 GiB, 128 MiB ranges measured 142 ms
// for a full scan against 160 ms with 64 MiB ones, and still stop within ~30 ms of an answer.
const MAX_RANGE_BYTES = 128 * 1024 * 1024

/**
 * The pool starts in the background once the first large lookup is done, its workers all at
 * once, and takes lookups only once they are ready: until then ranges are scanned in-process,
 * so a cold pool never makes a lookup slower than scanning on the calling thread, and a
 * one-shot process (the CLI) does not wait for threads it may not need. Workers exit after idling, or
 * when the layer's scope closes. One that never gets ready would leave the platform waiting
 * forever, hence the bounded wait.
 */
type PoolState =
  | { readonly _tag: "Cold" }
  | { readonly _tag: "Starting" }
  | { readonly _tag: "Ready"; readonly pool: Worker.SerializedWorkerPool<ScanRequest> }
  | { readonly _tag: "Failed"; readonly reason: string }

const makeWarmingPool = (size: number, spawn: SpawnWorker) =>
  Effect.gen(function* () {
    const layerScope = yield* Effect.scope
    let state: PoolState = { _tag: "Cold" }
    const start = Worker.makePoolSerialized<ScanRequest>({
      minSize: 0,
      maxSize: size,
      concurrency: 1,
      timeToLive: "30 seconds"
    }).pipe(
      // Every worker at once: a lookup's ranges then all find one ready.
      Effect.tap((pool) => Effect.scoped(Effect.forEach(Array.from({ length: size }), () => pool.backing.get, { concurrency: size }))),
      Effect.provide(NodeWorker.layer(spawn)),
      Scope.extend(layerScope),
      // The platform's wait for a worker's first message cannot be interrupted: time out
      // without waiting for it to stop.
      Effect.disconnect,
      Effect.timeoutFail({ duration: WORKER_READY_TIMEOUT, onTimeout: () => new WorkersNotReady() }),
      Effect.match({
        onFailure: (error) => {
          state = {
            _tag: "Failed",
            reason: error._tag === "WorkersNotReady"
              ? `no scan worker became ready within ${WORKER_READY_TIMEOUT}`
              : `scan workers could not start (${error.message})`
          }
        },
        onSuccess: (pool) => {
          state = { _tag: "Ready", pool }
        }
      })
    )
    const started = yield* Deferred.make<void>()
    const current = Effect.sync((): PoolState => state)
    /** Starts the pool in the background when it is cold. */
    const warmUp = Effect.suspend(() => {
      if (state._tag !== "Cold") return Effect.void
      state = { _tag: "Starting" }
      return Effect.asVoid(Effect.forkIn(Effect.zipRight(start, Deferred.succeed(started, undefined)), layerScope))
    })
    /** The pool's state once it has started or failed to. */
    const settled = Effect.zipRight(Effect.zipRight(warmUp, Deferred.await(started)), current)
    return { current, warmUp, settled }
  })

export const makePooled = (spawn: SpawnWorker) => Effect.gen(function* () {
  const config = yield* Settings
  const pool = yield* makeWarmingPool(config.workers, spawn)
  const settings = (pinned: PinnedFile) => ({
    fd: pinned.file.fd,
    path: pinned.path,
    maxLineBytes: config.scan.maxLineBytes,
    chunkBytes: config.scan.chunkBytes
  })

  /**
   * Why scans no longer go to workers, once they cannot: the entry is missing (the package was
   * bundled without it), or workers did not get ready. Said once; scans then stay in-process.
   */
  let unavailable: string | undefined =
    spawn === defaultSpawn && !fs.existsSync(fileURLToPath(workerEntryUrl()))
      ? `the worker entry ${fileURLToPath(workerEntryUrl())} is missing (was the package bundled?)`
      : undefined
  let warned = false
  const scanInProcess = <A>(reason: string, fallback: Effect.Effect<A, IndexIoError>) =>
    Effect.zipRight(
      Effect.suspend(() => {
        if (warned) return Effect.void
        warned = true
        return Effect.logWarning(`session-index: scanning in-process: ${reason}`)
      }),
      fallback
    )

  const local = inProcessRanges(config)

  /**
   * Runs a lookup on the pool once it is ready. Until then the whole lookup is scanned
   * in-process, in one piece, and the pool is started after the first one: workers booting
   * beside it on a 2-core machine slowed it by 40% (135 ms against 97 ms on 300 MiB).
   */
  const whenReady = <A>(
    pooled: (pool: Worker.SerializedWorkerPool<ScanRequest>) => Effect.Effect<A, IndexIoError>,
    inProcess: Effect.Effect<A, IndexIoError>
  ): Effect.Effect<A, IndexIoError> =>
    Effect.gen(function* () {
      if (unavailable !== undefined) return yield* scanInProcess(unavailable, inProcess)
      const state = yield* (config.waitForWorkers ? pool.settled : pool.current)
      switch (state._tag) {
        case "Failed":
          unavailable = state.reason
          return yield* scanInProcess(unavailable, inProcess)
        case "Cold":
          return yield* Effect.zipLeft(inProcess, pool.warmUp)
        case "Starting":
          return yield* inProcess
        case "Ready":
          return yield* pooled(state.pool)
      }
    })

  /**
   * Runs a request on a worker of the ready pool. A crashed worker is respawned by the
   * platform and the request retried once; after that, or when no worker gets ready,
   * `fallback` scans in-process.
   */
  const onWorker = (
    pool: Worker.SerializedWorkerPool<ScanRequest>,
    run: (
      worker: Worker.SerializedWorker<ScanRequest>
    ) => Effect.Effect<ReadonlyArray<NamedThread>, IndexIoError | WorkerError | ParseResult.ParseError>,
    fallback: Effect.Effect<ReadonlyArray<NamedThread>, IndexIoError>
  ): Effect.Effect<ReadonlyArray<NamedThread>, IndexIoError> => {
    const worker = pool.backing.get.pipe(
      Effect.timeoutFail({ duration: WORKER_READY_TIMEOUT, onTimeout: () => new WorkersNotReady() })
    )
    const ran = Effect.flatMap(worker, (w) =>
      run(w).pipe(
        // A worker that dies mid-request fails it with a `WorkerError`, which the platform
        // then tries to decode as the request's failure type: that `ParseError` carries it.
        // Any other message that does not fit the protocol is a bug, not a failed scan.
        Effect.catchTag("ParseError", (error) =>
          isWorkerError(error.issue.actual) ? Effect.fail(error.issue.actual) : Effect.die(error)
        )
      )
    )
    return Effect.scoped(ran).pipe(
      Effect.retry({ times: 1, while: (error) => error._tag === "WorkerError" }),
      Effect.catchTags({
        WorkersNotReady: () =>
          Effect.suspend(() => {
            unavailable = `no scan worker became ready within ${WORKER_READY_TIMEOUT}`
            return scanInProcess(unavailable, fallback)
          }),
        WorkerError: (error) => scanInProcess(`a scan worker failed twice (${error.message})`, fallback)
      })
    )
  }

  /**
   * Byte ranges covering `[start, end)`, newest first. Their inner bounds are not aligned to
   * lines here: each worker aligns its own (alignment is idempotent on `start` and `end`).
   */
  const ranges = (start: number, end: number) => {
    const rangeBytes = Math.min(
      MAX_RANGE_BYTES,
      Math.max(config.minRangeBytes, Math.ceil((end - start) / (config.workers * 4)))
    )
    const out: Array<{ start: number; end: number }> = []
    for (let upper = end; upper > start; upper -= rangeBytes) {
      out.push({ start: Math.max(start, upper - rangeBytes), end: upper })
    }
    return out
  }

  const pooledIds = (
    pool: Worker.SerializedWorkerPool<ScanRequest>,
    pinned: PinnedFile,
    ids: ReadonlyArray<string>,
    start: number,
    end: number
  ) =>
    Effect.gen(function* () {
      const parts = ranges(start, end)
      const results: Array<ReadonlyArray<NamedThread> | undefined> = new Array(parts.length)
      const answered = yield* Deferred.make<void>()
      // Every id is answered once the newest ranges, all finished, have found all of them.
      const settled = () => {
        const seen = new Set<string>()
        for (const result of results) {
          if (result === undefined) return false
          for (const thread of result) seen.add(thread.id)
          if (seen.size === ids.length) return true
        }
        return false
      }
      const work = Effect.forEach(
        parts,
        (range, i) =>
          onWorker(
            pool,
            (worker) => worker.executeEffect(new ScanIds({ ...settings(pinned), ...range, limit: end, ids })),
            Effect.map(
              runOnPinned(pinned, inAlignedRange(range.start, range.end, end, (from, to) => currentNames(ids, from, to, config.scan))),
              (found) => [...found.values()]
            )
          ).pipe(
            Effect.flatMap((found) =>
              Effect.suspend(() => {
                results[i] = found
                return settled() ? Deferred.succeed(answered, undefined) : Effect.void
              })
            )
          ),
        { concurrency: config.workers, discard: true }
      )
      yield* Effect.raceFirst(work, Deferred.await(answered))
      const merged = new Map<string, NamedThread>()
      for (const result of results) {
        for (const thread of result ?? []) if (!merged.has(thread.id)) merged.set(thread.id, thread)
      }
      return merged
    })

  const scanIdsSplit = (pinned: PinnedFile, ids: ReadonlyArray<string>, start: number, end: number) =>
    Effect.gen(function* () {
      if (end - start < config.parallelThresholdBytes) return yield* local.scanIds(pinned, ids, start, end)
      const tailStart = yield* runOnPinned(pinned, lineStartAtOrAfter(Math.max(start, end - config.tailBytes), end))
      const recent = yield* local.scanIds(pinned, ids, tailStart, end)
      const missing = ids.filter((id) => !recent.has(id))
      if (missing.length === 0 || tailStart === start) return recent
      const older = yield* whenReady(
        (pool) => pooledIds(pool, pinned, missing, start, tailStart),
        local.scanIds(pinned, missing, start, tailStart)
      )
      for (const [id, thread] of older) recent.set(id, thread)
      return recent
    })

  /**
   * A name lookup split like an id lookup: each range reports its lines naming a thread
   * `name`, newest per thread; one id lookup over the whole file then keeps those that are
   * still their thread's newest named line. A missing name costs one parallel pass.
   */
  const pooledName = (
    pool: Worker.SerializedWorkerPool<ScanRequest>,
    pinned: PinnedFile,
    name: string,
    firstOnly: boolean
  ) =>
    Effect.gen(function* () {
      const end = pinned.size
      const perRange = yield* Effect.forEach(
        ranges(0, end),
        (range) =>
          onWorker(
            pool,
            (worker) => worker.executeEffect(new ScanNameCandidates({ ...settings(pinned), ...range, limit: end, name })),
            runOnPinned(pinned, inAlignedRange(range.start, range.end, end, (from, to) => nameCandidates(name, from, to, config.scan)))
          ),
        { concurrency: config.workers }
      )
      const newestPerThread = new Map<string, NamedThread>()
      for (const candidate of perRange.flat()) if (!newestPerThread.has(candidate.id)) newestPerThread.set(candidate.id, candidate)
      if (newestPerThread.size === 0) return []
      const latest = yield* scanIdsSplit(pinned, [...newestPerThread.keys()], 0, end)
      const current = [...newestPerThread.values()].filter((candidate) => latest.get(candidate.id)?.offset === candidate.offset)
      return firstOnly ? current.slice(0, 1) : current
    })

  return RangeScanner.of({
    scanIds: scanIdsSplit,
    scanName: (pinned, name, firstOnly, budgetBytes) =>
      Effect.gen(function* () {
        if (pinned.size < config.parallelThresholdBytes) return yield* local.scanName(pinned, name, firstOnly, budgetBytes)
        // A recently set name is answered in-process; otherwise ranges in workers.
        if (firstOnly) {
          const recent = yield* local.scanName(pinned, name, firstOnly, config.tailBytes)
          if (recent !== undefined) return recent
        }
        return yield* whenReady(
          (pool) => pooledName(pool, pinned, name, firstOnly),
          Effect.map(local.scanName(pinned, name, firstOnly), (found) => found ?? [])
        )
      })
  })
})

/** The pool did not get a worker ready in time. */
class WorkersNotReady extends Data.TaggedError("WorkersNotReady") {}

export const layerPooled = (
  spawn: SpawnWorker = defaultSpawn
): Layer.Layer<RangeScanner, never, Settings> => Layer.scoped(RangeScanner, makePooled(spawn))
