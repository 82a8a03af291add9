/**
 * A live feed of entries appended to the index after subscription, by any process, each
 * emitted once, in append order.
 *
 * The feed follows files, not a path: a watcher (file events, and a poll for file systems
 * without them) opens every file that appears at the index path as soon as it sees it and
 * keeps it open, however far the consumer lags, so that the rest of a replaced file can still
 * be read. Moving on from a replaced file:
 * - after this library's rewrite (`compact`, `removeThread`, from any process), its journal
 *   says how much of the old file went into the new one and where the new file's own appends
 *   begin: exact;
 * - after the path was seen missing (deleted, then created again): the new file from its start;
 * - otherwise (another program replaced it): if its first named entry is a line of the old
 *   file, after the newest entry this feed read that the new file's last MiB holds (none: from
 *   its end); if not, the new file is a new history, read from its start.
 *
 * A file truncated in place is noticed by its size (the watcher remembers the smallest size
 * it saw) or by the last line read no longer being there; reading resumes after the newest
 * remembered line still intact. Torn lines are held back until complete; lines longer than
 * `maxLineBytes` are skipped unbuffered.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { type Duration, Effect, Exit, Option, Queue, Scope, Stream } from "effect"
import type { IndexIoError } from "../Errors.js"
import { ioError, isNotFound } from "./ioError.js"
import { EDGE_BYTES as JOURNAL_EDGE_BYTES, readJournal } from "./rewriteJournal.js"
import { type ParsedEntry, parseEntryBytes } from "./scan/entryLine.js"
import { LineSplitter } from "./scan/lineSplitter.js"

/** How far back a file replaced by another program is searched for the last lines read. */
const RESYNC_WINDOW = 1024 * 1024
const READ_BYTES = 4 * 1024 * 1024
/** Lines remembered to find our place again (with their offsets, in the current file). */
const RECENT_LINES = 4096
/** Files held open for a lagging consumer, at most; past this the middle ones are let go. */
const MAX_GENERATIONS = 64
/** Besides the last lines, one line per this many bytes read is remembered. */
const SPARSE_EVERY = 1024 * 1024
/** Bytes remembered where the feed starts reading a file it moved to. */
const EDGE_BYTES = 256

/** One file that was at the index path. */
interface Generation {
  readonly file: FileSystem.File
  readonly scope: Scope.CloseableScope
  readonly dev: number
  readonly ino: number | undefined
  /** Where the path led when it was opened: the rewrite journal sits beside that file. */
  readonly resolved: string
  /** The smallest size seen since the feed last read it: a truncation leaves its mark here. */
  lowWater: number
  /** The path was seen missing after this file: what comes next is a new history. */
  deletedAfter: boolean
}

/** A named entry the feed read (or the bytes before where it started in a file). */
interface RecentLine {
  /** In the current file; -1 once the feed moved on to another. */
  offset: number
  readonly text: string
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
      const context = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
      const generations: Array<Generation> = []
      const recent: Array<RecentLine> = []
      const sparse: Array<RecentLine> = []
      /** Bytes of the current file handed to the splitter so far. */
      let position = 0
      let splitter = new LineSplitter(maxLineBytes)
      const mutex = yield* Effect.makeSemaphore(1)

      yield* Effect.addFinalizer(() => Effect.forEach(generations, (g) => Scope.close(g.scope, Exit.void)))

      const closeGeneration = (g: Generation) => Scope.close(g.scope, Exit.void)

      const readAt = (g: Generation, at: number, length: number) =>
        Effect.uninterruptible(
          Effect.gen(function* () {
            const buffer = Buffer.allocUnsafe(length)
            let done = 0
            while (done < length) {
              yield* g.file.seek(at + done, "start")
              const n = Number(yield* g.file.read(buffer.subarray(done)))
              if (n === 0) break
              done += n
            }
            return buffer.subarray(0, done)
          })
        ).pipe(Effect.mapError(ioError("read", indexPath)))

      const sizeOf = (g: Generation) =>
        Effect.map(Effect.mapError(g.file.stat, ioError("stat", indexPath)), (info) => Number(info.size))

      /** Notes what is at the path now: a new file is opened at once and held. */
      const observe = Effect.gen(function* () {
        const info = yield* fs.stat(indexPath).pipe(
          Effect.map(Option.some),
          Effect.catchIf(isNotFound, () => Effect.succeed(Option.none())),
          Effect.mapError(ioError("stat", indexPath))
        )
        const newest = generations.at(-1)
        // Never open anything but a regular file: a FIFO would block the open.
        if (Option.isNone(info) || info.value.type !== "File") {
          if (newest !== undefined) newest.deletedAfter = true
          return
        }
        const ino = Option.getOrUndefined(info.value.ino)
        const size = Number(info.value.size)
        // The file held open cannot have its inode number reused: same numbers, same file.
        if (newest !== undefined && newest.dev === info.value.dev && newest.ino === ino) {
          newest.lowWater = Math.min(newest.lowWater, size)
          newest.deletedAfter = false
          return
        }
        const scope = yield* Scope.make()
        const opened = yield* fs.open(indexPath, { flag: "r" }).pipe(
          Scope.extend(scope),
          Effect.flatMap((file) => Effect.map(file.stat, (now) => ({ file, now }))),
          Effect.map(Option.some),
          Effect.catchIf(isNotFound, () => Effect.succeed(Option.none())),
          Effect.tapError(() => Scope.close(scope, Exit.void)),
          Effect.mapError(ioError("open", indexPath))
        )
        // Gone or replaced between the stat and the open: the next look sees what is there.
        if (Option.isNone(opened) || opened.value.now.dev !== info.value.dev || Option.getOrUndefined(opened.value.now.ino) !== ino) {
          return yield* Scope.close(scope, Exit.void)
        }
        const resolved = yield* fs.realPath(indexPath).pipe(Effect.orElseSucceed(() => indexPath))
        generations.push({
          file: opened.value.file,
          scope,
          dev: info.value.dev,
          ino,
          resolved,
          lowWater: Number(opened.value.now.size),
          deletedAfter: false
        })
        if (generations.length > MAX_GENERATIONS) yield* closeGeneration(generations.splice(1, 1)[0]!)
      })

      /**
       * Places the feed can verify it still stands on: each a line's bytes at its offset in the
       * current file (offset -1 once the feed moved to another file; the text still serves to
       * find its place there). The last lines read, and one per MiB read further back. Named
       * entries only: an empty line or a short bad one could be found again by chance.
       */
      const remember = (offset: number, text: string) => {
        if (offset >= (sparse.at(-1)?.offset ?? -SPARSE_EVERY) + SPARSE_EVERY) sparse.push({ offset, text })
        recent.push({ offset, text })
        if (recent.length > 2 * RECENT_LINES) recent.splice(0, recent.length - RECENT_LINES)
      }

      /** Reads `[position, to)` of `g`, emitting complete named entries into `out`. */
      const readTo = (g: Generation, to: number, out: Array<ParsedEntry>) =>
        Effect.gen(function* () {
          const sink = {
            line: (buf: Buffer, start: number, end: number, offset: number) => {
              const entry = parseEntryBytes(buf, start, end)
              if (entry === undefined || entry.name === "") return
              out.push(entry)
              remember(offset, buf.toString("latin1", start, end))
            },
            oversized: () => undefined
          }
          while (position < to) {
            const bytes = yield* readAt(g, position, Math.min(READ_BYTES, to - position))
            if (bytes.length === 0) break
            splitter.push(bytes, sink)
            position += bytes.length
          }
          // An unfinished line is read again next time, not carried: it may be cut off (a failed
          // append rolled back) and something else written in its place. One already too long
          // to ever be an entry is skipped to its end instead.
          if (splitter.pendingBytes > 0 && splitter.pendingBytes <= maxLineBytes) startAt(splitter.pendingStart)
        })

      /** Lines at or after `offset` of the current file are gone: no longer places to resume. */
      const forgetFrom = (offset: number) => {
        const before = (line: RecentLine) => line.offset < 0 || line.offset + line.text.length < offset
        recent.splice(0, recent.length, ...recent.filter(before))
        sparse.splice(0, sparse.length, ...sparse.filter(before))
      }

      const startAt = (offset: number) => {
        position = offset
        splitter = new LineSplitter(maxLineBytes, offset)
      }

      /** Whether the remembered line is still at its offset in `g`. */
      const intact = (g: Generation, line: RecentLine) =>
        Effect.map(readAt(g, line.offset, line.text.length + 1), (bytes) => bytes.toString("latin1") === line.text + "\n")

      /** The newest place the feed stands on in the current file, if any. */
      const newestPlace = (): RecentLine | undefined => {
        const last = recent.at(-1)
        const far = sparse.at(-1)
        if (last === undefined || last.offset < 0) return far
        return far === undefined || far.offset < last.offset ? last : far
      }

      /**
       * After an in-place truncation (seen by size, or by a remembered line no longer there):
       * just past the newest remembered line still intact within what survived (`limit`);
       * nothing intact: the whole file is new.
       */
      const resumeAfterTruncation = (g: Generation, limit: number) =>
        Effect.gen(function* () {
          const places = [...sparse, ...recent.filter((line) => line.offset >= 0)].sort((a, b) => b.offset - a.offset)
          for (const place of places) {
            const end = place.offset + place.text.length + 1
            if (end <= limit && (yield* intact(g, place))) return end
          }
          return 0
        })

      /**
       * In a file another program put at the path: if it continues this history (its first
       * named entry is a line of the old file), just past the newest named line read before
       * that its last MiB holds, else (none there) its end; if it is a new history (deleted and
       * created again unseen), its start.
       */
      const resync = (old: Generation, next: Generation) =>
        Effect.gen(function* () {
          const size = yield* sizeOf(next)
          const firstNamed = firstNamedLine(yield* readAt(next, 0, Math.min(size, RESYNC_WINDOW)))
          if (firstNamed === undefined || !(yield* holdsLine(old, firstNamed))) return 0
          const from = Math.max(0, size - RESYNC_WINDOW)
          const tail = yield* readAt(next, from, size - from)
          const known = new Set(recent.map((line) => line.text))
          let end = tail.lastIndexOf(10) + 1
          while (end > 0) {
            const start = end >= 2 ? tail.lastIndexOf(10, end - 2) + 1 : 0
            if (start === 0 && from > 0) break
            if (known.has(tail.toString("latin1", start, end - 1))) return from + end
            end = start
          }
          return size
        })

      /** The first line of `head` that is a named entry, with its `\n`. */
      const firstNamedLine = (head: Buffer): Buffer | undefined => {
        for (let start = 0, end = head.indexOf(10); end >= 0; start = end + 1, end = head.indexOf(10, start)) {
          if (parseEntryBytes(head, start, end)?.name) return head.subarray(start, end + 1)
        }
        return undefined
      }

      /** Whether `line` (with its `\n`) is one of the lines of `g`. */
      const holdsLine = (g: Generation, line: Buffer) =>
        Effect.gen(function* () {
          const size = yield* sizeOf(g)
          const needle = Buffer.concat([Buffer.from("\n"), line])
          if ((yield* readAt(g, 0, line.length)).equals(line)) return true
          // Chunks overlap by the needle's length, so a line across a boundary is still found.
          for (let at = 0; at < size; at += READ_BYTES) {
            const bytes = yield* readAt(g, at, Math.min(READ_BYTES + needle.length, size - at))
            if (bytes.indexOf(needle) >= 0) return true
          }
          return false
        })

      /** Remembers the bytes just before `offset` (a line boundary) in the current file. */
      const standOn = (g: Generation, offset: number) =>
        Effect.gen(function* () {
          if (offset === 0) return
          const from = Math.max(0, offset - EDGE_BYTES)
          const bytes = yield* readAt(g, from, offset - from)
          // A piece of a line serves as well as a line: only its bytes and where it ends matter.
          if (bytes.length === offset - from && bytes[bytes.length - 1] === 10) {
            sparse.push({ offset: from, text: bytes.toString("latin1", 0, bytes.length - 1) })
          }
        })

      /** The journal's record of the rewrite that replaced `old` by `next`, if it was ours. */
      const rewriteOf = (old: Generation, next: Generation) =>
        Effect.gen(function* () {
          const records = yield* readJournal(old.resolved).pipe(Effect.provide(context))
          const edgeAt = (g: Generation, at: number) =>
            Effect.map(readAt(g, Math.max(0, at - JOURNAL_EDGE_BYTES), Math.min(at, JOURNAL_EDGE_BYTES)), (bytes) => bytes.toString("latin1"))
          for (const record of records.toReversed()) {
            if (record.dev !== old.dev || record.ino !== old.ino || record.newIno !== next.ino) continue
            // The same numbers may have named other files before: the bytes say whether these.
            if ((yield* edgeAt(old, record.end)) !== record.endEdge) continue
            if ((yield* edgeAt(next, record.newStart)) !== record.newStartEdge) continue
            return record
          }
          return undefined
        })

      const poll = Effect.gen(function* () {
        yield* observe
        const out: Array<ParsedEntry> = []
        while (generations.length > 0) {
          const current = generations[0]!
          const size = yield* sizeOf(current)
          const place = newestPlace()
          const truncated =
            current.lowWater < position || size < position || (place !== undefined && !(yield* intact(current, place)))
          if (truncated) {
            const resume = yield* resumeAfterTruncation(current, Math.min(current.lowWater, size))
            forgetFrom(resume)
            startAt(resume)
          }
          current.lowWater = size
          const next = generations[1]
          const record = next === undefined ? undefined : yield* rewriteOf(current, next)
          yield* readTo(current, record === undefined ? size : Math.min(record.end, size), out)
          if (next === undefined) break
          const resume = record !== undefined ? record.newStart : current.deletedAfter ? 0 : yield* resync(current, next)
          generations.shift()
          yield* closeGeneration(current)
          for (const line of recent) line.offset = -1
          sparse.splice(0)
          startAt(resume)
          yield* standOn(next, resume)
        }
        return out
      })

      // Subscription: the current file, from the start of its last line (a line still being
      // written counts as appended after subscription), remembering the lines before it.
      yield* observe
      const first = generations[0]
      if (first !== undefined) {
        const size = yield* sizeOf(first)
        const from = Math.max(0, size - RESYNC_WINDOW)
        const tail = yield* readAt(first, from, size - from)
        // The window's first line is whole only if the window starts the file.
        let start = from === 0 ? 0 : tail.indexOf(10) + 1 || tail.length
        for (let end = tail.indexOf(10, start); end >= 0; end = tail.indexOf(10, start)) {
          if (parseEntryBytes(tail, start, end)?.name) remember(from + start, tail.toString("latin1", start, end))
          start = end + 1
        }
        startAt(from + start)
      }

      const wakeUps = yield* Queue.sliding<void>(1)
      const events = Stream.merge(
        fs.watch(path.dirname(indexPath)).pipe(
          Stream.filter((event) => path.basename(event.path) === path.basename(indexPath)),
          Stream.catchAll(() => Stream.empty)
        ),
        Stream.tick(pollEvery)
      )
      yield* Stream.runForEach(events, () =>
        mutex.withPermits(1)(observe).pipe(Effect.ignore, Effect.zipRight(Queue.offer(wakeUps, undefined)))
      ).pipe(Effect.forkScoped)

      return Stream.repeatEffect(Effect.zipRight(Queue.take(wakeUps), mutex.withPermits(1)(poll))).pipe(
        Stream.flattenIterables
      )
    })
  )
