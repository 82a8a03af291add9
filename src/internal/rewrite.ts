/**
 * The two rewrites of the index: `removeThread` (drop every line of one thread, as Codex does
 * when a thread is deleted) and `compact` (keep only each thread's last named line).
 *
 * A rewrite streams the file into a temp file beside it and renames that over the original;
 * nothing touches the original before the rename, so a rewrite that fails or is interrupted
 * leaves it byte-identical (and removes its temp file). The bulk is copied from a snapshot
 * without the writer lock, catching up with appends until little is left; only then does it
 * take the lock, copy the last appended lines, fsync, record where it left off for the change
 * feed, and rename. So the lock is held for milliseconds at any file size.
 *
 * Every file operation is checked for its byte count and runs uninterruptibly (a descriptor is
 * never closed under a pending read or write); interruption lands between operations, and the
 * locked phase runs to its end once begun.
 *
 * A symlinked index stays a symlink (its target is rewritten); anything but a regular file is
 * refused; the new file keeps the original's owner, group and mode.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect, Option } from "effect"
import { IndexIoError, type IndexLockTimeout, IndexLockUnavailable } from "../Errors.js"
import type { CompactStats } from "../IndexWriter.js"
import { writeFully } from "./writeFully.js"
import { eventLoopTurn } from "./eventLoopTurn.js"
import { ioError, isNotFound } from "./ioError.js"
import { type FlockBinding, tryFlock } from "./lock.js"
import { adoptOwnership, type Ownership, ownershipOf } from "./owner.js"
import { appendJournal, EDGE_BYTES, isTempName, RewriteRecord, tempName } from "./rewriteJournal.js"
import { leadingIdBytes, namedEntryId, parseEntryBytes } from "./scan/entryLine.js"
import { IdTable } from "./scan/idTable.js"
import { type LineSink, LineSplitter } from "./scan/lineSplitter.js"
import type { WriteGate } from "./writeGate.js"

export interface RewritePlan {
  /** A first pass over the snapshot's complete lines, for plans that decide from all of them. */
  readonly survey?: (buf: Buffer, start: number, end: number, offset: number) => void
  /** Whether a complete line of the snapshot stays. */
  readonly keep: (buf: Buffer, start: number, end: number, offset: number) => boolean
  /** Whether a line completed after the snapshot was taken stays. */
  readonly keepAppended: (buf: Buffer, start: number, end: number) => boolean
  /** Whether lines longer than `maxLineBytes` (bad lines no reader sees) stay. */
  readonly keepOversized: boolean
}

/** Every line except the entries of `id` (lowercase); other bad lines stay as they are. */
export const removeThreadPlan = (id: string): RewritePlan => {
  const keep = (buf: Buffer, start: number, end: number) => parseEntryBytes(buf, start, end)?.id !== id
  return { keep, keepAppended: keep, keepOversized: true }
}

/** The last named line of each thread, in file order. */
export const compactPlan = (): RewritePlan => {
  const last = new IdTable()
  return {
    survey: (buf, start, end, offset) => {
      if (namedEntryId(buf, start, end, last.id)) last.set(offset)
    },
    // Only named entries were surveyed: the offset of one found under this line's id is this
    // line's only if it is one. So a line in writers' layout needs just its id read.
    keep: (buf, start, end, offset) =>
      (leadingIdBytes(buf, start, end, last.id) || namedEntryId(buf, start, end, last.id)) && last.get() === offset,
    // Appended lines are newer than anything kept; keeping them all keeps every answer.
    keepAppended: () => true,
    keepOversized: false
  }
}

export interface RewriteOptions {
  readonly indexPath: string
  readonly maxLineBytes: number
  readonly gate: WriteGate
  readonly binding: Option.Option<FlockBinding>
  readonly lockPath: string
}

const CHUNK = 4 * 1024 * 1024
/**
 * Lines parsed between turns of the event loop, in bytes (a few milliseconds of parsing): a
 * chunk's worth at once would keep another fiber's lock hold waiting for its callbacks.
 */
const SLICE = 256 * 1024
const NEWLINE = Buffer.from("\n")
/** Appends still to copy when the lock is taken, at most (a few milliseconds of copying). */
const CATCH_UP_BYTES = 1024 * 1024
/** A rewrite that keeps finding the index replaced by another writer gives up after this. */
const ATTEMPTS = 3
/** Temp files younger than this are never taken for a dead rewrite's. */
const STALE_AFTER_MS = 10_000
/** Lines appended by writers that take no lock are followed until the old file is this quiet. */
const QUIET_POLLS = 3
const QUIET_POLL_MS = 5

/** Not interrupted half-way: the descriptor it uses is never closed under it. */
const op = Effect.uninterruptible

/** Waits in real time whatever clock the caller runs on: other processes' writes are real. */
const realSleep = (ms: number) =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), ms)
    return Effect.sync(() => clearTimeout(timer))
  })

type Env = FileSystem.FileSystem | Path.Path

/** Runs `plan` over the index; with `dryRun`, only counts. */
export const rewrite = (
  options: RewriteOptions,
  makePlan: () => RewritePlan,
  dryRun: boolean
): Effect.Effect<CompactStats, IndexIoError | IndexLockUnavailable | IndexLockTimeout, Env> =>
  Effect.gen(function* () {
    if (!dryRun && Option.isNone(options.binding)) {
      return yield* new IndexLockUnavailable({ path: options.lockPath, reason: "the fs-ext-extra-prebuilt binding is not installed" })
    }
    for (let attempt = 1; ; attempt++) {
      const outcome = yield* Effect.scoped(rewriteOnce(options, makePlan(), dryRun))
      if (outcome !== "replaced") return outcome
      if (attempt === ATTEMPTS) {
        return yield* new IndexIoError({
          op: "rewrite",
          path: options.indexPath,
          reason: `another writer replaced the index during each of ${ATTEMPTS} attempts`
        })
      }
    }
  })

const rewriteOnce = (options: RewriteOptions, plan: RewritePlan, dryRun: boolean) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { indexPath, maxLineBytes } = options
    const fail = (reason: string) => new IndexIoError({ op: "rewrite", path: indexPath, reason })

    const resolved = yield* resolveIndex(indexPath)
    if (Option.isNone(resolved)) return { linesBefore: 0, linesAfter: 0, bytesBefore: 0, bytesAfter: 0 }
    const target = resolved.value
    const dir = path.dirname(target)
    const before = yield* op(fs.stat(target)).pipe(Effect.mapError(ioError("stat", indexPath)))
    // A FIFO would block the open; a device or /dev/null link is not an index to replace.
    if (before.type !== "File") return yield* fail(`not a regular file (${before.type})`)
    if (!dryRun) yield* removeStaleTemps(dir, path.basename(target), options.binding)

    const source = yield* op(fs.open(target, { flag: "r" })).pipe(Effect.mapError(ioError("open", indexPath)))
    const info = yield* op(source.stat).pipe(Effect.mapError(ioError("stat", indexPath)))
    if (!sameFile(info, before)) return "replaced" as const
    const snapshot = Number(info.size)
    /** Reads into `into` from `position`: as many bytes as the file has there, up to its length. */
    const readAt = (position: number, into: Buffer) =>
      Effect.gen(function* () {
        let done = 0
        while (done < into.length) {
          const n = Number(
            yield* op(Effect.zipRight(source.seek(position + done, "start"), source.read(into.subarray(done)))).pipe(
              Effect.mapError(ioError("read", indexPath))
            )
          )
          if (n === 0) break
          done += n
        }
        return into.subarray(0, done)
      })
    /** Reads `[from, to)`, which the file must hold, chunk by chunk. */
    const readRange = (from: number, to: number, into: Buffer, onChunk: (bytes: Buffer) => Effect.Effect<void, IndexIoError>) =>
      Effect.gen(function* () {
        for (let at = from; at < to; ) {
          const bytes = yield* readAt(at, into.subarray(0, Math.min(into.length, to - at)))
          if (bytes.length === 0) return yield* fail("the index shrank while it was being rewritten")
          yield* onChunk(bytes)
          at += bytes.length
        }
      })
    const buffer = Buffer.allocUnsafe(CHUNK)
    const split = (splitter: LineSplitter, bytes: Buffer, sink: LineSink) =>
      Effect.gen(function* () {
        for (let at = 0; at < bytes.length; at += SLICE) {
          if (at > 0) yield* eventLoopTurn
          splitter.push(bytes.subarray(at, at + SLICE), sink)
        }
      })

    if (plan.survey !== undefined) {
      const splitter = new LineSplitter(maxLineBytes)
      const sink: LineSink = { line: plan.survey, oversized: () => undefined }
      yield* readRange(0, snapshot, buffer, (bytes) => split(splitter, bytes, sink))
    }

    const output = dryRun ? undefined : yield* createTemp(options, dir, path.basename(target), ownershipOf(info))
    const counts = { linesBefore: 0, linesAfter: 0, bytesAfter: 0 }
    /**
     * Kept lines waiting to be written, in order: views of the bytes just read (written before
     * the next read reuses the buffer), or a range of the source to copy.
     */
    const queued: Array<Buffer | { readonly from: number; readonly length: number }> = []
    const keepLine = (bytes: Buffer | { readonly from: number; readonly length: number }, size: number) => {
      counts.linesAfter++
      counts.bytesAfter += size
      if (output !== undefined) queued.push(bytes)
    }
    const sink: LineSink = {
      line: (buf, start, end, offset) => {
        counts.linesBefore++
        const appended = offset + (end - start) >= snapshot
        const keep = appended ? plan.keepAppended(buf, start, end) : plan.keep(buf, start, end, offset)
        if (!keep) return
        keepLine(buf.subarray(start, end), end - start + 1)
        if (output !== undefined) queued.push(NEWLINE)
      },
      oversized: (offset, length) => {
        counts.linesBefore++
        if (plan.keepOversized) keepLine({ from: offset, length: length + 1 }, length + 1)
      }
    }
    const splitter = new LineSplitter(maxLineBytes)
    const flush = Effect.gen(function* () {
      if (output === undefined) return
      const parts = queued.splice(0)
      let run: Array<Buffer> = []
      const writeRun = Effect.suspend(() => {
        const bytes = Buffer.concat(run)
        run = []
        return output.write(bytes)
      })
      for (const part of parts) {
        if (Buffer.isBuffer(part)) {
          run.push(part)
          continue
        }
        yield* writeRun
        yield* copyRange(part.from, part.length)
      }
      yield* writeRun
    })
    /** Rare (over-long lines, a torn tail): its own buffer, as the chunk buffer is in use. */
    const copyRange = (from: number, length: number) =>
      readRange(from, from + length, Buffer.allocUnsafe(Math.min(CHUNK, length)), (bytes) => output!.write(bytes))
    const copy = (from: number, to: number) =>
      readRange(from, to, buffer, (bytes) => Effect.zipRight(split(splitter, bytes, sink), flush))

    // The snapshot, then appends without the lock until only a little is left.
    yield* copy(0, snapshot)
    let copied = snapshot
    for (;;) {
      const size = Number((yield* op(source.stat).pipe(Effect.mapError(ioError("stat", indexPath)))).size)
      if (size - copied <= CATCH_UP_BYTES) break
      yield* copy(copied, size)
      copied = size
    }

    /**
     * The unfinished last line (a torn fragment, or a line a writer that takes no lock is
     * writing): copied verbatim, unless it reads as an entry the plan drops.
     */
    const copyTail = (size: number) =>
      Effect.gen(function* () {
        const start = splitter.pendingStart
        const length = size - start
        if (length <= 0) return 0
        counts.linesBefore++
        if (length <= maxLineBytes) {
          const bytes = yield* readAt(start, Buffer.allocUnsafe(length))
          if (!plan.keepAppended(bytes, 0, bytes.length)) return 0
          keepLine(bytes, bytes.length)
        } else {
          keepLine({ from: start, length }, length)
        }
        yield* flush
        return length
      })

    if (output === undefined) {
      const size = Number((yield* op(source.stat).pipe(Effect.mapError(ioError("stat", indexPath)))).size)
      yield* copy(copied, size)
      yield* copyTail(size)
      return { ...counts, bytesBefore: size }
    }
    // The bulk goes to disk before the lock is taken: the fsync under the lock is then small.
    yield* output.sync

    return yield* options.gate.exclusive(
      Effect.gen(function* () {
        const now = yield* resolveIndex(indexPath)
        if (Option.isNone(now) || now.value !== target) return "replaced" as const
        const current = yield* op(fs.stat(target)).pipe(Effect.option)
        if (Option.isNone(current) || !sameFile(current.value, info)) return "replaced" as const
        const size = Number((yield* op(source.stat).pipe(Effect.mapError(ioError("stat", indexPath)))).size)
        if (size < copied) return "replaced" as const
        yield* copy(copied, size)
        const tailStart = splitter.pendingStart
        const tailKept = yield* copyTail(size)
        yield* output.sync
        const made = yield* op(output.file.stat).pipe(Effect.mapError(ioError("stat", output.path)))
        // Whole lines on both sides: a torn tail carried over is read in the new file, where its
        // rest will be appended.
        const newStart = Number(made.size) - tailKept
        const edge = (read: (position: number, into: Buffer) => Effect.Effect<Buffer, IndexIoError>, at: number) =>
          Effect.map(read(Math.max(0, at - EDGE_BYTES), Buffer.alloc(Math.min(at, EDGE_BYTES))), (bytes) => bytes.toString("latin1"))
        yield* appendJournal(
          target,
          new RewriteRecord({
            dev: info.dev,
            ino: Option.getOrElse(info.ino, () => 0),
            end: tailStart,
            endEdge: yield* edge(readAt, tailStart),
            newIno: Option.getOrElse(made.ino, () => 0),
            newStart,
            newStartEdge: yield* edge(output.readAt, newStart)
          }),
          ownershipOf(info)
        )
        yield* op(fs.rename(output.path, target)).pipe(Effect.mapError(ioError("rename", indexPath)))
        output.committed()
        yield* syncDirectory(dir)
        const carried = yield* followStragglers(size)
        const after = yield* op(fs.stat(target)).pipe(Effect.mapError(ioError("stat", indexPath)))
        return { ...counts, bytesBefore: carried, bytesAfter: Number(after.size) }
      })
    )

    /**
     * Writers that take no lock (older Codex) may still append to the old file after the
     * rename; their lines are carried over until the old file has been quiet for a moment.
     */
    function followStragglers(from: number) {
      return Effect.gen(function* () {
        let carried = from
        for (let quiet = 0; quiet < QUIET_POLLS; ) {
          const size = Number((yield* op(source.stat).pipe(Effect.mapError(ioError("stat", indexPath)))).size)
          if (size <= carried) {
            quiet++
            yield* realSleep(QUIET_POLL_MS)
            continue
          }
          quiet = 0
          const bytes = yield* readAt(carried, Buffer.allocUnsafe(size - carried))
          const kept: Array<Buffer> = []
          const lines = new LineSplitter(maxLineBytes, carried)
          lines.push(bytes, {
            line: (buf, start, end) => {
              counts.linesBefore++
              if (!plan.keepAppended(buf, start, end)) return
              counts.linesAfter++
              kept.push(buf.subarray(start, end + 1))
            },
            oversized: (offset, length) => {
              counts.linesBefore++
              counts.linesAfter++
              kept.push(bytes.subarray(offset - carried, offset - carried + length + 1))
            }
          })
          // A line still being written goes over as it is; its rest follows in a later round.
          kept.push(bytes.subarray(lines.pendingStart - carried))
          yield* Effect.scoped(
            Effect.gen(function* () {
              const file = yield* op(fs.open(target, { flag: "a" }))
              yield* op(writeFully(file, Buffer.concat(kept))).pipe(
                Effect.flatMap(({ error }) => (error === undefined ? Effect.void : Effect.fail(error)))
              )
            })
          ).pipe(
            Effect.mapError((error) =>
              new IndexIoError({
                op: "append",
                path: indexPath,
                reason: `the index was rewritten, but lines a writer that takes no lock appended to the old file meanwhile could not be carried over: ${ioError("append", indexPath)(error).reason}`,
                cause: error
              })
            )
          )
          carried += bytes.length
        }
        return carried
      })
    }
  })

/** The file the index path names, symlinks followed; `None` when there is none. */
const resolveIndex = (indexPath: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    op(fs.realPath(indexPath)).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isNotFound, () => Effect.succeed(Option.none<string>())),
      Effect.mapError(ioError("resolve", indexPath))
    )
  )

const sameFile = (a: FileSystem.File.Info, b: FileSystem.File.Info): boolean =>
  a.dev === b.dev && Option.getOrUndefined(a.ino) === Option.getOrUndefined(b.ino)

interface Output {
  readonly file: FileSystem.File
  readonly path: string
  readonly write: (bytes: Uint8Array) => Effect.Effect<void, IndexIoError>
  /** Reads back what was written (once writing is done: reading moves the write position). */
  readonly readAt: (position: number, into: Buffer) => Effect.Effect<Buffer, IndexIoError>
  readonly sync: Effect.Effect<void, IndexIoError>
  /** After the rename: the temp file is the index now and must not be removed. */
  readonly committed: () => void
}

/**
 * The temp file: created exclusively, locked (so a later rewrite can tell it from a dead
 * one's), given the original's owner and mode, and removed with the scope unless committed.
 */
const createTemp = (options: RewriteOptions, dir: string, indexBase: string, like: Ownership) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const tempPath = path.join(dir, tempName(indexBase))
    const fail = (reason: string) => new IndexIoError({ op: "rewrite", path: options.indexPath, reason })
    let committed = false
    yield* Effect.addFinalizer(() => (committed ? Effect.void : Effect.ignore(op(fs.remove(tempPath)))))
    const file = yield* op(fs.open(tempPath, { flag: "wx+", mode: 0o600 })).pipe(Effect.mapError(ioError("create", tempPath)))
    const locked = tryFlock(Option.getOrThrow(options.binding), file.fd)
    if (locked._tag === "Unsupported") {
      return yield* new IndexLockUnavailable({ path: options.lockPath, reason: locked.reason })
    }
    if (locked._tag !== "Locked") return yield* fail(`cannot lock the temp file ${tempPath}`)
    yield* adoptOwnership(file, like).pipe(
      Effect.mapError((error) =>
        fail(
          `cannot give the rewritten index its owner ${like.uid}:${like.gid} and mode ${like.mode.toString(8)} (${describe(error)}); the index was left unchanged`
        )
      )
    )
    const output: Output = {
      file,
      path: tempPath,
      write: (bytes) =>
        op(writeFully(file, bytes)).pipe(
          Effect.flatMap(({ error, written }) =>
            error === undefined
              ? Effect.void
              : Effect.fail(fail(`${ioError("write", tempPath)(error).reason} after ${written} of ${bytes.length} bytes; the index was left unchanged`))
          )
        ),
      readAt: (position, into) =>
        op(Effect.zipRight(file.seek(position, "start"), file.read(into))).pipe(
          Effect.map((n) => into.subarray(0, Number(n))),
          Effect.mapError(ioError("read", tempPath))
        ),
      sync: op(file.sync).pipe(Effect.mapError(ioError("fsync", tempPath))),
      committed: () => void (committed = true)
    }
    return output
  })

/**
 * Removes temp files of rewrites that died (killed, or their machine crashed): old enough, and
 * no longer locked by a live rewrite. Best effort: what cannot be checked stays.
 */
const removeStaleTemps = (dir: string, indexBase: string, binding: Option.Option<FlockBinding>) =>
  Effect.gen(function* () {
    if (Option.isNone(binding)) return
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const names = yield* op(fs.readDirectory(dir)).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    for (const name of names) {
      if (!isTempName(indexBase, name)) continue
      const file = path.join(dir, name)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const info = yield* op(fs.stat(file))
          // Wall-clock time, as the file's mtime is.
          const age = Date.now() - Option.getOrElse(info.mtime, () => new Date()).getTime()
          if (info.type !== "File" || age < STALE_AFTER_MS) return
          const handle = yield* op(fs.open(file, { flag: "r" }))
          if (tryFlock(binding.value, handle.fd)._tag !== "Locked") return
          yield* op(fs.remove(file))
        })
      ).pipe(Effect.ignore)
    }
  })

const syncDirectory = (dir: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.scoped(Effect.flatMap(op(fs.open(dir, { flag: "r" })), (handle) => op(handle.sync)))
  ).pipe(Effect.ignore)

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : String(error)
