/**
 * Where the index lives and how it is scanned, resolved once per layer.
 */
import * as Path from "@effect/platform/Path"
import { Config, Context, Effect, Layer, Option } from "effect"
import * as os from "node:os"
import type { Options } from "../NodeSessionIndex.js"
import { type AppendFs, nodeAppendFs } from "./appendBatch.js"
import { type FlockBinding, loadBinding } from "./lock.js"
import { defaultScanOptions, type ReverseScanOptions } from "./scan/reverseReader.js"

/** The public options, and knobs for tests and the bench that are not part of them. */
export interface Tuning extends Options {
  /** Files at least this large are scanned in the worker pool. */
  readonly parallelThresholdBytes?: number | undefined
  /** The newest bytes scanned in-process before the pool is asked. */
  readonly tailBytes?: number | undefined
  /** Smallest byte range handed to one worker. */
  readonly minRangeBytes?: number | undefined
  /** Bounded wait for Codex's writer lock. Default 10 s. */
  readonly lockTimeoutMs?: number | undefined
  /**
   * Lookups wait for a starting worker pool instead of scanning in-process meanwhile (tests of
   * the workers, and the bench's warm figures). Default off.
   */
  readonly waitForWorkers?: boolean | undefined
  /** Remember answers between lookups (off to benchmark raw scans). Default on. */
  readonly incremental?: boolean | undefined
  /** The `flock` binding; tests pass a refusing one, or none. Default: `fs-ext-extra-prebuilt` if it loads. */
  readonly flock?: Option.Option<FlockBinding> | undefined
  /** The system calls of an append; tests pass failing ones. */
  readonly appendFs?: AppendFs | undefined
}

/** The options resolved: what every service of one layer works with. */
export class Settings extends Context.Tag("session-index/Settings")<Settings, {
  readonly codexHome: string
  readonly indexPath: string
  readonly lockPath: string
  readonly workers: number
  readonly parallelThresholdBytes: number
  readonly tailBytes: number
  readonly minRangeBytes: number
  readonly incremental: boolean
  readonly waitForWorkers: boolean
  readonly lockTimeoutMs: number
  readonly flock: Option.Option<FlockBinding>
  readonly appendFs: AppendFs
  readonly scan: ReverseScanOptions
  /** Undefined when the catalog does not watch its folders. */
  readonly watch: { readonly stallLimitMs: number } | undefined
}>() {}

export const INDEX_FILE = "session_index.jsonl"

/** `CODEX_HOME`, else `~/.codex`; an empty variable counts as unset, as in Codex. */
export const codexHomeConfig: Config.Config<string> = Config.string("CODEX_HOME").pipe(
  Config.withDefault(""),
  Config.map((value) => (value.trim() === "" ? `${os.homedir()}/.codex` : value))
)

/**
 * Files this large are scanned by the worker pool. Measured on 2 cores (README, "Crossover"):
 * a worker round trip costs ~0.8 ms and two workers scan only ~1.3x faster than one thread,
 * so in-process wins up to ~200 MiB (128 MiB: 28 ms in-process vs 36 ms pooled) and the pool
 * from ~256 MiB (512 MiB: 103 vs 84 ms).
 */
const DEFAULT_PARALLEL_THRESHOLD = 256 * 1024 * 1024

/**
 * With `watch`, how long the event loop may stand still before the catalog trusts no
 * notification: well above what the catalog's own walk of a 10,000-thread home blocks it
 * (about 0.1 s), and far too short for Codex to fill the kernel's queue (16,384 by default).
 */
const WATCH_STALL_LIMIT_MS = 1000

export const settingsLayer = (options: Tuning = {}): Layer.Layer<Settings, never, Path.Path> =>
  Layer.effect(
    Settings,
    Effect.gen(function* () {
      const path = yield* Path.Path
      const home = options.codexHome ?? (yield* Effect.orDie(codexHomeConfig))
      const codexHome = path.resolve(home)
      return {
        codexHome,
        indexPath: path.join(codexHome, INDEX_FILE),
        lockPath: path.join(codexHome, `${INDEX_FILE}.lock`),
        workers: Math.max(0, Math.floor(options.workers ?? os.availableParallelism())),
        parallelThresholdBytes: options.parallelThresholdBytes ?? DEFAULT_PARALLEL_THRESHOLD,
        tailBytes: options.tailBytes ?? 1024 * 1024,
        minRangeBytes: options.minRangeBytes ?? 1024 * 1024,
        incremental: options.incremental ?? true,
        waitForWorkers: options.waitForWorkers ?? false,
        lockTimeoutMs: options.lockTimeoutMs ?? 10_000,
        flock: options.flock ?? loadBinding(),
        appendFs: options.appendFs ?? nodeAppendFs,
        scan: { ...defaultScanOptions, maxLineBytes: options.maxLineBytes ?? defaultScanOptions.maxLineBytes },
        watch: options.watch === true ? { stallLimitMs: WATCH_STALL_LIMIT_MS } : undefined
      }
    })
  )
