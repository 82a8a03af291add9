/**
 * `IndexWriter`: appends through the write gate (turns, Codex's lock, group commit), rewrites
 * through `rewrite.ts`.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Clock, Duration, Effect, Layer } from "effect"
import { InvalidEntry, InvalidThreadName } from "../Errors.js"
import { IndexWriter, type IndexWriterShape } from "../IndexWriter.js"
import { encodeLine, SessionIndexEntry, type ThreadId } from "../Schema.js"
import { appendBatch } from "./appendBatch.js"
import { Settings } from "./config.js"
import { decodeEntry, decodeThreadId, decodeThreadName } from "./decode.js"
import { makeWriterLock } from "./lock.js"
import { compactPlan, removeThreadPlan, rewrite, type RewritePlan } from "./rewrite.js"
import { makeWriteGate } from "./writeGate.js"

/** `updated_at` for "now": RFC 3339 UTC with milliseconds, `2026-02-03T16:08:29.123Z`. */
export const formatTimestamp = (millis: number): string => new Date(millis).toISOString()

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

export const layer: Layer.Layer<IndexWriter, never, Settings | FileSystem.FileSystem | Path.Path> = Layer.effect(
  IndexWriter,
  make
)
