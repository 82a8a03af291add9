/**
 * Writes `session_index.jsonl` the way Codex does: each append is one `write` of a whole line
 * on an `O_APPEND` descriptor, so concurrent appenders never interleave bytes, and every write
 * holds Codex's lock (`session_index.jsonl.lock`). Rewrites (`removeThread`, `compact`) are
 * atomic and keep lines appended while they run.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Clock, Context, Effect, Layer } from "effect"
import {
  IndexIoError,
  type IndexLockTimeout,
  type IndexLockUnavailable,
  type InvalidEntry,
  type InvalidThreadId,
  type InvalidThreadName
} from "./Errors.js"
import { IndexConfig } from "./internal/config.js"
import { ioError } from "./internal/ioError.js"
import { makeWriterLock } from "./internal/lock.js"
import { compactPlan, removeThreadPlan, rewrite, type RewritePlan, type RewriteStats } from "./internal/rewrite.js"
import {
  decodeEntry,
  decodeThreadId,
  decodeThreadName,
  encodeLine,
  formatTimestamp,
  SessionIndexEntry,
  type ThreadId
} from "./Schema.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface IndexWriterShape {
  /** The index file this writer appends to. */
  readonly path: string
  /** Appends `{id, thread_name: name.trim(), updated_at: now}`; a blank name writes nothing. */
  readonly appendThreadName: (
    id: ThreadId | string,
    name: string
  ) => Effect.Effect<void, IndexIoError | InvalidThreadId | InvalidThreadName | IndexLockTimeout>
  /** Validates and appends one entry as one complete line. */
  readonly appendEntry: (
    entry: SessionIndexEntry | { readonly id: string; readonly thread_name: string; readonly updated_at: string }
  ) => Effect.Effect<void, IndexIoError | InvalidEntry | IndexLockTimeout>
  /** Drops every line of the thread (as Codex does when a thread is deleted); the number removed. */
  readonly removeThread: (
    id: ThreadId | string
  ) => Effect.Effect<number, IndexIoError | InvalidThreadId | IndexLockTimeout | IndexLockUnavailable>
  /**
   * Keeps only each thread's last named line, in file order: every lookup answers as before.
   * With `dryRun`, only reports what it would do.
   */
  readonly compact: (options?: {
    readonly dryRun?: boolean
  }) => Effect.Effect<CompactStats, IndexIoError | IndexLockTimeout | IndexLockUnavailable>
}

/**
 * @since 0.1.0
 * @category models
 */
export type CompactStats = RewriteStats

/**
 * @since 0.1.0
 * @category tags
 */
export class IndexWriter extends Context.Tag("session-index/IndexWriter")<IndexWriter, IndexWriterShape>() {}

const NEWLINE = 0x0a

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<IndexWriterShape, never, IndexConfig | FileSystem.FileSystem> = Effect.gen(
  function* () {
    const config = yield* IndexConfig
    const fs = yield* FileSystem.FileSystem
    const path = config.indexPath
    // In-process writes go one at a time (the flock excludes other processes): cheap, and no
    // two fibers both "repair" a torn tail.
    const serial = yield* Effect.makeSemaphore(1)
    const lock = yield* makeWriterLock(config.codexHome, config.lockPath, config.lockTimeoutMs)
    const encoder = new TextEncoder()

    const appendLine = (line: string) =>
      Effect.scoped(
        Effect.gen(function* () {
          yield* fs.makeDirectory(config.codexHome, { recursive: true }).pipe(Effect.mapError(ioError("mkdir", config.codexHome)))
          const file = yield* fs.open(path, { flag: "a+" }).pipe(Effect.mapError(ioError("open", path)))
          const info = yield* file.stat.pipe(Effect.mapError(ioError("stat", path)))
          if (info.type !== "File") {
            return yield* new IndexIoError({ op: "append", path, reason: `not a regular file (${info.type})` })
          }
          const size = Number(info.size)
          // A writer killed mid-line left a fragment: start on a fresh line, never glued to it.
          const torn = size > 0 && (yield* lastByte(file, size)) !== NEWLINE
          const bytes = encoder.encode(torn ? "\n" + line : line)
          const written = yield* file.write(bytes).pipe(Effect.mapError(ioError("append", path)))
          if (Number(written) !== bytes.length) {
            return yield* new IndexIoError({ op: "append", path, reason: `short write (${written} of ${bytes.length} bytes)` })
          }
        })
      ).pipe(lock.forAppend, serial.withPermits(1))

    const lastByte = (file: FileSystem.File, size: number) =>
      Effect.gen(function* () {
        const one = new Uint8Array(1)
        yield* file.seek(size - 1, "start")
        yield* file.read(one).pipe(Effect.mapError(ioError("read", path)))
        return one[0]
      })

    const appendEntry = Effect.fn("IndexWriter.appendEntry")(function* (
      input: SessionIndexEntry | { readonly id: string; readonly thread_name: string; readonly updated_at: string }
    ) {
      const entry = yield* decodeEntry(input instanceof SessionIndexEntry ? { ...input } : input)
      yield* appendLine(encodeLine(entry))
    })

    const appendThreadName = Effect.fn("IndexWriter.appendThreadName")(function* (id: ThreadId | string, name: string) {
      const threadId = yield* decodeThreadId(id)
      const threadName = yield* decodeThreadName(name)
      const now = yield* Clock.currentTimeMillis
      const entry = new SessionIndexEntry({ id: threadId, thread_name: threadName, updated_at: formatTimestamp(now) })
      yield* appendLine(encodeLine(entry))
    })

    const runRewrite = (plan: RewritePlan, dryRun: boolean) =>
      lock
        .forRewrite(
          Effect.tryPromise({
            try: () => rewrite(plan, { indexPath: path, maxLineBytes: config.scan.maxLineBytes, dryRun }),
            catch: ioError("rewrite", path)
          })
        )
        .pipe(serial.withPermits(1))

    const removeThread = Effect.fn("IndexWriter.removeThread")(function* (id: ThreadId | string) {
      const threadId = yield* decodeThreadId(id)
      const stats = yield* runRewrite(removeThreadPlan(threadId, config.scan.maxLineBytes), false)
      return stats.linesBefore - stats.linesAfter
    })

    const compact = Effect.fn("IndexWriter.compact")(function* (options?: { readonly dryRun?: boolean }) {
      return yield* runRewrite(compactPlan(config.scan.maxLineBytes), options?.dryRun === true)
    })

    return IndexWriter.of({ path, appendThreadName, appendEntry, removeThread, compact })
  }
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<IndexWriter, never, IndexConfig | FileSystem.FileSystem> = Layer.effect(IndexWriter, make)
