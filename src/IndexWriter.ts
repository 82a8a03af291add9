/**
 * Writes `session_index.jsonl` the way Codex does: each append is one `write` of a whole line
 * on an `O_APPEND` descriptor, so concurrent appenders never interleave bytes, and every write
 * holds Codex's lock (`session_index.jsonl.lock`). Rewrites (`removeThread`, `compact`) are
 * atomic and keep lines appended while they run.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Clock, Context, Duration, Effect, Layer } from "effect"
import {
  type IndexIoError,
  type IndexLockTimeout,
  type IndexLockUnavailable,
  InvalidEntry,
  type InvalidThreadId,
  InvalidThreadName
} from "./Errors.js"
import { appendBatch } from "./internal/appendBatch.js"
import { Settings } from "./internal/config.js"
import { makeWriterLock } from "./internal/lock.js"
import { compactPlan, removeThreadPlan, rewrite, type RewritePlan } from "./internal/rewrite.js"
import { makeWriteGate } from "./internal/writeGate.js"
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
export interface CompactStats {
  /** Lines of the file the rewrite read (appended meanwhile included). */
  readonly linesBefore: number
  /** Lines of the file it left. */
  readonly linesAfter: number
  readonly bytesBefore: number
  readonly bytesAfter: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export class IndexWriter extends Context.Tag("session-index/IndexWriter")<IndexWriter, IndexWriterShape>() {}

/**
 * @internal
 */
export const make: Effect.Effect<IndexWriterShape, never, Settings | FileSystem.FileSystem | Path.Path> = Effect.gen(
  function* () {
    const config = yield* Settings
    const fs = yield* FileSystem.FileSystem
    const pathService = yield* Path.Path
    const path = config.indexPath
    const lock = makeWriterLock(config.codexHome, config.lockPath, config.flock)
    let warned = false
    const gate = makeWriteGate({
      lock,
      wait: Duration.millis(config.lockTimeoutMs),
      writeBatch: appendBatch(config.appendFs, config.codexHome, path),
      onUnlocked: (reason) =>
        Effect.suspend(() => {
          if (warned) return Effect.void
          warned = true
          return Effect.logWarning(`session-index: writing without Codex's lock (${config.lockPath}): ${reason}`)
        })
    })
    // One rewrite at a time in this process: a second would only find the index replaced.
    const rewrites = yield* Effect.makeSemaphore(1)
    const encoder = new TextEncoder()

    /** Refused before anything is written: no reader could ever see a longer line. */
    const encode = <E>(entry: SessionIndexEntry, tooLong: (reason: string) => E) => {
      const bytes = encoder.encode(encodeLine(entry))
      const lineBytes = bytes.length - 1
      return lineBytes > config.scan.maxLineBytes
        ? Effect.fail(tooLong(`its line would be ${lineBytes} bytes, over maxLineBytes (${config.scan.maxLineBytes}): no lookup could read it`))
        : Effect.succeed(bytes)
    }

    const appendEntry = Effect.fn("IndexWriter.appendEntry")(function* (
      input: SessionIndexEntry | { readonly id: string; readonly thread_name: string; readonly updated_at: string }
    ) {
      const entry = yield* decodeEntry(input instanceof SessionIndexEntry ? { ...input } : input)
      yield* gate.append(yield* encode(entry, (reason) => new InvalidEntry({ reason })))
    })

    const appendThreadName = Effect.fn("IndexWriter.appendThreadName")(function* (id: ThreadId | string, name: string) {
      const threadId = yield* decodeThreadId(id)
      const threadName = yield* decodeThreadName(name)
      const now = yield* Clock.currentTimeMillis
      const entry = new SessionIndexEntry({ id: threadId, thread_name: threadName, updated_at: formatTimestamp(now) })
      yield* gate.append(yield* encode(entry, (reason) => new InvalidThreadName({ input: name, reason })))
    })

    const runRewrite = (plan: () => RewritePlan, dryRun: boolean) =>
      rewrite(
        { indexPath: path, maxLineBytes: config.scan.maxLineBytes, gate, binding: lock.binding, lockPath: config.lockPath },
        plan,
        dryRun
      ).pipe(
        rewrites.withPermits(1),
        Effect.provideService(FileSystem.FileSystem, fs),
        Effect.provideService(Path.Path, pathService)
      )

    const removeThread = Effect.fn("IndexWriter.removeThread")(function* (id: ThreadId | string) {
      const threadId = yield* decodeThreadId(id)
      const stats = yield* runRewrite(() => removeThreadPlan(threadId), false)
      return stats.linesBefore - stats.linesAfter
    })

    const compact = Effect.fn("IndexWriter.compact")(function* (options?: { readonly dryRun?: boolean }) {
      return yield* runRewrite(compactPlan, options?.dryRun === true)
    })

    return IndexWriter.of({ path, appendThreadName, appendEntry, removeThread, compact })
  }
)

/**
 * Built on this library\'s internal services: use `NodeSessionIndex.layer`.
 *
 * @internal
 */
export const layer: Layer.Layer<IndexWriter, never, Settings | FileSystem.FileSystem | Path.Path> = Layer.effect(
  IndexWriter,
  make
)
