/**
 * A live feed of entries appended to the index after subscription, by any process. File
 * events wake it up; a poll covers file systems without them. It follows the file by byte
 * offset: a line is emitted once complete (a torn tail is held back), and when the file is
 * replaced (compaction renames a new one in) it resumes after the last line it had read.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Duration, Effect, Option, Stream } from "effect"
import type { IndexIoError } from "../Errors.js"
import { ioError, isNotFound } from "./ioError.js"
import { type ParsedEntry, parseEntryBytes } from "./scan/entryLine.js"

/** How far back a replaced file is searched for the last line already read. */
const RESYNC_WINDOW = 1024 * 1024
const READ_BYTES = 4 * 1024 * 1024
const RECENT_LINES = 4096

interface Cursor {
  ino: number | undefined
  /** Start of the first line not yet read. */
  offset: number
  /** The latest complete lines read (insertion ordered), to find our place in a replaced file. */
  readonly recent: Set<string>
  /** Inside a line longer than `maxLineBytes`: its bytes are dropped up to its `\n`. */
  skipping: boolean
}

export const watchChanges = (
  indexPath: string,
  maxLineBytes: number,
  pollEvery: Duration.DurationInput
): Stream.Stream<ParsedEntry, IndexIoError, FileSystem.FileSystem | Path.Path> =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path

      const stat = fs.stat(indexPath).pipe(
        Effect.map(Option.some),
        Effect.catchIf(isNotFound, () => Effect.succeed(Option.none())),
        Effect.mapError(ioError("stat", indexPath))
      )
      const read = (position: number, length: number) =>
        Effect.scoped(
          Effect.gen(function* () {
            const file = yield* fs.open(indexPath, { flag: "r" })
            yield* file.seek(position, "start")
            const buffer = Buffer.alloc(length)
            let done = 0
            while (done < length) {
              const n = Number(yield* file.read(buffer.subarray(done)))
              if (n === 0) break
              done += n
            }
            return buffer.subarray(0, done)
          })
        ).pipe(
          Effect.catchIf(isNotFound, () => Effect.succeed(Buffer.alloc(0))),
          Effect.mapError(ioError("read", indexPath))
        )

      /** The start of the line that begins after the last `\n` before `size`. */
      const lastLineStart = (size: number) =>
        Effect.map(read(Math.max(0, size - RESYNC_WINDOW), Math.min(size, RESYNC_WINDOW)), (tail) => {
          const newline = tail.lastIndexOf(10)
          return newline < 0 ? (size <= RESYNC_WINDOW ? 0 : size) : size - tail.length + newline + 1
        })

      const initial = yield* stat
      const cursor: Cursor = {
        ino: Option.isSome(initial) ? Option.getOrUndefined(initial.value.ino) : undefined,
        offset: Option.isSome(initial) ? yield* lastLineStart(Number(initial.value.size)) : 0,
        recent: new Set(),
        skipping: false
      }

      /**
       * Where to resume in a replaced file: after the newest line in it that we had read
       * (compaction drops shadowed lines, so the very last one we read may be gone). Every
       * line after that one is new to us. With no such line, only the end is certain.
       */
      const resync = (size: number) =>
        Effect.gen(function* () {
          if (cursor.recent.size === 0) return 0
          const from = Math.max(0, size - RESYNC_WINDOW)
          const tail = yield* read(from, size - from)
          let end = tail.length
          if (end > 0 && tail[end - 1] !== 10) end = tail.lastIndexOf(10) + 1
          while (end > 0) {
            const start = end >= 2 ? tail.lastIndexOf(10, end - 2) + 1 : 0
            if (start === 0 && from > 0) break
            if (cursor.recent.has(tail.toString("latin1", start, end - 1))) return from + end
            end = start
          }
          return size
        })

      const remember = (line: string) => {
        cursor.recent.add(line)
        if (cursor.recent.size > RECENT_LINES) cursor.recent.delete(cursor.recent.values().next().value!)
      }

      const poll = Effect.gen(function* () {
        const info = yield* stat
        if (Option.isNone(info)) {
          // Deleted: whatever is created next is all new.
          Object.assign(cursor, { ino: undefined, offset: 0, skipping: false })
          return []
        }
        const size = Number(info.value.size)
        const ino = Option.getOrUndefined(info.value.ino)
        if (ino !== cursor.ino || size < cursor.offset) {
          cursor.ino = ino
          cursor.offset = yield* resync(size)
          cursor.skipping = false
        }
        const out: Array<ParsedEntry> = []
        while (cursor.offset < size) {
          const bytes = yield* read(cursor.offset, Math.min(READ_BYTES, size - cursor.offset))
          let lineStart = 0
          for (let newline = bytes.indexOf(10); newline >= 0; newline = bytes.indexOf(10, lineStart)) {
            if (!cursor.skipping && newline - lineStart <= maxLineBytes) {
              const entry = parseEntryBytes(bytes, lineStart, newline)
              if (entry !== undefined && entry.name !== "") out.push(entry)
              remember(bytes.toString("latin1", lineStart, newline))
            }
            cursor.skipping = false
            lineStart = newline + 1
          }
          cursor.offset += lineStart
          if (lineStart === 0) {
            // No complete line: a torn tail waits, unless it is already too long to ever be read.
            if (bytes.length <= maxLineBytes) break
            cursor.skipping = true
            cursor.offset += bytes.length
          } else if (lineStart < bytes.length && bytes.length < READ_BYTES) {
            break
          }
        }
        return out
      })

      const wakeUps = Stream.merge(
        fs.watch(path.dirname(indexPath)).pipe(
          Stream.filter((event) => path.basename(event.path) === path.basename(indexPath)),
          Stream.as(undefined),
          Stream.catchAll(() => Stream.empty)
        ),
        Stream.tick(pollEvery)
      )
      return wakeUps.pipe(Stream.mapEffect(() => poll), Stream.flattenIterables)
    })
  )
