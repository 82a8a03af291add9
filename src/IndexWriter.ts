/**
 * Appends to `session_index.jsonl` the way Codex does: one `write` of a whole line on an
 * `O_APPEND` descriptor, so concurrent appenders never interleave bytes.
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Clock, Context, Effect, Layer } from "effect"
import { IndexIoError, type InvalidEntry, type InvalidThreadId, type InvalidThreadName } from "./Errors.js"
import { IndexConfig } from "./internal/config.js"
import { ioError } from "./internal/ioError.js"
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
  ) => Effect.Effect<void, IndexIoError | InvalidThreadId | InvalidThreadName>
  /** Validates and appends one entry as one complete line. */
  readonly appendEntry: (
    entry: SessionIndexEntry | { readonly id: string; readonly thread_name: string; readonly updated_at: string }
  ) => Effect.Effect<void, IndexIoError | InvalidEntry>
}

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
    // In-process appends go one at a time: cheap, and no two fibers both "repair" a torn tail.
    const serial = yield* Effect.makeSemaphore(1)
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
      ).pipe(serial.withPermits(1))

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

    return IndexWriter.of({ path, appendThreadName, appendEntry })
  }
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<IndexWriter, never, IndexConfig | FileSystem.FileSystem> = Layer.effect(IndexWriter, make)
