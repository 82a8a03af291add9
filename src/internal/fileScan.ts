/**
 * Runs scan programs against the index through the platform `FileSystem`: opens the file, pins
 * its size, and answers the program's read requests. A missing file is not an error.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Option, type Scope } from "effect"
import * as NodeFs from "node:fs"
import { IndexIoError } from "../Errors.js"
import { eventLoopTurn } from "./eventLoopTurn.js"
import { attemptIo, ioError, isNotFound } from "./ioError.js"
import type { ReadRequest, ScanProgram } from "./scan/reverseReader.js"

export interface PinnedFile {
  readonly file: FileSystem.File
  readonly size: number
  readonly ino: number | undefined
  readonly path: string
}

/**
 * Opens the index for a scan; `None` when it does not exist. The path is checked before it is
 * opened (a FIFO would block the open until someone writes to it), and again once open.
 */
export const openPinned = (
  path: string
): Effect.Effect<Option.Option<PinnedFile>, IndexIoError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const missing = Effect.succeed(Option.none<PinnedFile>())
    const looked = yield* fs.stat(path).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isNotFound, () => Effect.succeed(Option.none())),
      Effect.mapError(ioError("stat", path))
    )
    if (Option.isNone(looked)) return yield* missing
    const notRegular = (type: string) => new IndexIoError({ op: "read", path, reason: `not a regular file (${type})` })
    if (looked.value.type !== "File") return yield* notRegular(looked.value.type)
    const opened = yield* fs.open(path, { flag: "r" }).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isNotFound, () => Effect.succeed(Option.none())),
      Effect.mapError(ioError("open", path))
    )
    if (Option.isNone(opened)) return yield* missing
    const file = opened.value
    const info = yield* file.stat.pipe(Effect.mapError(ioError("stat", path)))
    if (info.type !== "File") return yield* notRegular(info.type)
    return Option.some({ file, size: Number(info.size), ino: Option.getOrUndefined(info.ino), path })
  })

/**
 * Positional reads straight on the descriptor: a page-cache read of a chunk takes
 * microseconds, while a round trip through libuv's thread pool costs a fifth of a millisecond
 * each, which dominated lookups answered from the file's last few KiB. The platform still
 * owns opening, closing and stat.
 */
export const readInto = (pinned: PinnedFile, request: ReadRequest): Effect.Effect<number, IndexIoError> =>
  attemptIo("read", pinned.path, () => NodeFs.readSync(pinned.file.fd, request.buffer, request.offset, request.length, request.position))

/** Resumes the program once; the file shrinking under it is a typed error, a bug a defect. */
export const step = <A>(
  pinned: PinnedFile,
  program: ScanProgram<A>,
  bytesRead?: number
): Effect.Effect<IteratorResult<ReadRequest, A>, IndexIoError> =>
  attemptIo("scan", pinned.path, () => (bytesRead === undefined ? program.next() : program.next(bytesRead)))

/** Bytes scanned in-process between turns of the event loop: a few milliseconds of work. */
const BYTES_BETWEEN_TURNS = 16 * 1024 * 1024

export const runOnPinned = <A>(pinned: PinnedFile, program: ScanProgram<A>): Effect.Effect<A, IndexIoError> =>
  Effect.gen(function* () {
    let next = yield* step(pinned, program)
    let sinceTurn = 0
    while (!next.done) {
      const bytesRead = yield* readInto(pinned, next.value)
      sinceTurn += bytesRead
      if (sinceTurn >= BYTES_BETWEEN_TURNS) {
        sinceTurn = 0
        yield* eventLoopTurn
      }
      next = yield* step(pinned, program, bytesRead)
    }
    return next.value
  })

/** Opens and pins the index for `use`, closing it after; `onMissing` when there is none. */
export const withPinned = <A>(
  path: string,
  onMissing: () => A,
  use: (pinned: PinnedFile) => Effect.Effect<A, IndexIoError>
): Effect.Effect<A, IndexIoError, FileSystem.FileSystem> =>
  Effect.scoped(
    Effect.flatMap(openPinned(path), (pinned) => (Option.isNone(pinned) ? Effect.sync(onMissing) : use(pinned.value)))
  )

/** Up to `length` bytes at `position` (fewer at the end of the file). */
export const readBytes = (pinned: PinnedFile, position: number, length: number): Effect.Effect<Uint8Array, IndexIoError> =>
  Effect.gen(function* () {
    const buffer = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const n = yield* readInto(pinned, { buffer, offset: done, length: length - done, position: position + done })
      if (n === 0) break
      done += n
    }
    return buffer.subarray(0, done)
  })
