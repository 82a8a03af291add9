/**
 * The `RolloutReader` service: the synchronous cursors of `rolloutBytes.ts` driven one chunk per
 * stream pull, each pull a turn of the event loop apart, on a descriptor the stream's scope
 * closes (when it ends, fails or is interrupted).
 */
import { Chunk, Data, Effect, Option, Stream } from "effect"
import * as fs from "node:fs"
import type { IndexIoError } from "../../Errors.js"
import type { RolloutLine as Line, RolloutReaderShape } from "../../RolloutReader.js"
import { eventLoopTurn } from "../eventLoopTurn.js"
import { ioError } from "../ioError.js"
import { defaultScanOptions, FileShrankError } from "../scan/reverseReader.js"
import { isSystemError } from "../systemError.js"
import { CorruptZstdError, type Cursor, forwardCursor, LineChangedError, type LineOptions, newestFirstCursor, type RawLine, ROLLOUT_OPEN_FLAGS } from "./rolloutBytes.js"

/** @internal */
export const RolloutLine = Data.taggedEnum<Line>()

export interface ReaderOptions {
  readonly maxLineBytes?: number | undefined
}

interface OpenRollout {
  readonly fd: number
  readonly compressed: boolean
}


const openFd = (file: string): Effect.Effect<number, NodeJS.ErrnoException> =>
  Effect.async((resume) => {
    // A FIFO opens without waiting for a writer, and is then refused as not a regular file.
    fs.open(file, ROLLOUT_OPEN_FLAGS, (error, fd) => resume(error === null ? Effect.succeed(fd) : Effect.fail(error)))
  })

/** `path`, or its `.zst` twin when only that exists (Codex lists compressed rollouts without `.zst`). */
const openEither = (path: string): Effect.Effect<OpenRollout, IndexIoError> => {
  const compressed = path.endsWith(".zst")
  const opened = Effect.map(openFd(path), (fd) => ({ fd, compressed }))
  if (compressed) return Effect.mapError(opened, ioError("open", path))
  return opened.pipe(
    Effect.catchIf(
      (error) => error.code === "ENOENT",
      (missing) =>
        openFd(`${path}.zst`).pipe(
          Effect.map((fd) => ({ fd, compressed: true })),
          Effect.catchIf((error) => error.code === "ENOENT", () => Effect.fail(missing))
        )
    ),
    Effect.mapError(ioError("open", path))
  )
}

/** Errors of the file, not of this code: the file's read fails as `IndexIoError`, a bug dies. */
const readFailure = (path: string, error: unknown): Effect.Effect<never, Option.Option<IndexIoError>> =>
  isSystemError(error) || error instanceof FileShrankError || error instanceof CorruptZstdError || error instanceof LineChangedError
    ? Effect.fail(Option.some(ioError("read", path)(error)))
    : Effect.die(error)

const checkRegular = (path: string, file: OpenRollout): Effect.Effect<void, IndexIoError> =>
  Effect.suspend(() => {
    let stats: fs.Stats
    try {
      stats = fs.fstatSync(file.fd)
    } catch (error) {
      return Effect.fail(ioError("stat", path)(error))
    }
    return stats.isFile() ? Effect.void : Effect.fail(ioError("read", path)(new Error("not a regular file")))
  })

const openRollout = (path: string) =>
  Effect.acquireRelease(openEither(path), (file) =>
    Effect.sync(() => {
      try {
        fs.closeSync(file.fd)
      } catch {
        // A read-only descriptor loses nothing when its close fails.
      }
    })
  ).pipe(Effect.tap((file) => checkRegular(path, file)))

const stringField = (value: Record<string, unknown>, key: string): Option.Option<string> =>
  typeof value[key] === "string" ? Option.some(value[key]) : Option.none()

const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * A line as the service gives it; none for a blank line (Codex skips those too) and for an
 * unfinished last line that is not (yet) a JSON object: it is still being written, and a
 * later read will see it whole.
 */
const toLine = (raw: RawLine): Line | undefined => {
  const { offset } = raw
  if (raw.bytes === undefined) return RolloutLine.Unreadable({ offset, reason: "tooLong" })
  const text = raw.bytes.toString("utf8")
  const value = parseObject(text)
  if (value !== undefined) {
    return RolloutLine.Event({ offset, timestamp: stringField(value, "timestamp"), type: stringField(value, "type"), payload: value.payload })
  }
  if (text.trim() === "" || !raw.terminated) return undefined
  return RolloutLine.Unreadable({ offset, reason: "notJsonObject" })
}

/** One cursor step, parsed before the next step reuses the bytes. */
const pull = (path: string, cursor: Cursor): Effect.Effect<Chunk.Chunk<Line>, Option.Option<IndexIoError>> =>
  Effect.suspend(() => {
    let batch: ReadonlyArray<RawLine> | undefined
    try {
      batch = cursor()
    } catch (error) {
      return readFailure(path, error)
    }
    if (batch === undefined) return Effect.fail(Option.none())
    const lines: Array<Line> = []
    for (const raw of batch) {
      const line = toLine(raw)
      if (line !== undefined) lines.push(line)
    }
    return Effect.succeed(Chunk.unsafeFromArray(lines))
  })

const linesOf = (
  path: string,
  options: LineOptions,
  cursorOf: (fd: number, compressed: boolean, options: LineOptions) => Cursor
): Stream.Stream<Line, IndexIoError> =>
  Stream.unwrapScoped(
    Effect.map(openRollout(path), (file) => {
      const cursor = cursorOf(file.fd, file.compressed, options)
      return Stream.repeatEffectChunkOption(Effect.zipRight(eventLoopTurn, pull(path, cursor)))
    })
  )

/** @internal */
export const make = (options: ReaderOptions = {}): RolloutReaderShape => {
  const lineOptions: LineOptions = { maxLineBytes: options.maxLineBytes ?? defaultScanOptions.maxLineBytes }
  return {
    lines: (path) => linesOf(path, lineOptions, forwardCursor).pipe(Stream.withSpan("RolloutReader.lines", { attributes: { path } })),
    linesNewestFirst: (path) =>
      linesOf(path, lineOptions, (fd, compressed, options) => newestFirstCursor(fd, compressed, options)).pipe(
        Stream.withSpan("RolloutReader.linesNewestFirst", { attributes: { path } })
      )
  }
}
