/**
 * One group-committed append: the lines go out as one write on an `O_APPEND` descriptor (a
 * torn last line left by a killed writer is first ended with `\n`), short writes are
 * continued, and whatever could not be written whole is cut off again, so a reader never takes
 * a partial line for an answer. Each line learns whether it was written. The caller holds the
 * writer lock.
 *
 * @internal
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Exit } from "effect"
import { IndexIoError } from "../Errors.js"
import { ioError, isNotFound } from "./ioError.js"

const NEWLINE = 0x0a

/** Writes all of `bytes` at the file's current position, continuing short writes. */
export const writeFully = (file: FileSystem.File, bytes: Uint8Array) =>
  Effect.gen(function* () {
    let written = 0
    while (written < bytes.length) {
      const result = yield* Effect.either(file.write(bytes.subarray(written)))
      if (result._tag === "Left") return { written, error: result.left as unknown }
      const n = Number(result.right)
      if (n === 0) return { written, error: new Error("the write made no progress (0 bytes written)") as unknown }
      written += n
    }
    return { written, error: undefined }
  })

export const appendBatch = (fs: FileSystem.FileSystem, codexHome: string, path: string) =>
  (lines: ReadonlyArray<Uint8Array>): Effect.Effect<ReadonlyArray<Exit.Exit<void, IndexIoError>>> =>
    Effect.scoped(
      Effect.gen(function* () {
        const open = fs.open(path, { flag: "a+" })
        // The first append creates Codex's home (each step under the lock costs a callback).
        const file = yield* open.pipe(
          Effect.catchIf(isNotFound, () => Effect.zipRight(fs.makeDirectory(codexHome, { recursive: true }), open)),
          Effect.mapError(ioError("open", path))
        )
        const info = yield* file.stat.pipe(Effect.mapError(ioError("stat", path)))
        if (info.type !== "File") {
          return yield* new IndexIoError({ op: "append", path, reason: `not a regular file (${info.type})` })
        }
        const size = Number(info.size)
        // A writer killed mid-line left a fragment: start on a fresh line, never glued to it.
        const repair = size > 0 && (yield* lastByte(file, size, path)) !== NEWLINE ? 1 : 0
        const payload = Buffer.concat([Buffer.alloc(repair, NEWLINE), ...lines])
        const { error, written } = yield* writeFully(file, payload)
        if (error === undefined) return lines.map(() => Exit.void)

        // Whole lines stay written (their callers succeed); the rest is cut off again.
        let kept = Math.min(written, repair)
        let whole = 0
        while (whole < lines.length && kept + lines[whole]!.length <= written) kept += lines[whole++]!.length
        const note = yield* rollBack(file, size, written, kept)
        const failed = ioError("append", path)(error)
        const failure = note === "" ? failed : new IndexIoError({ op: "append", path, reason: `${failed.reason}; ${note}` })
        return lines.map((_, i) => (i < whole ? Exit.void : Exit.fail(failure)))
      })
    ).pipe(Effect.catchAll((error) => Effect.succeed(lines.map(() => Exit.fail(error)))))

/**
 * Truncates back to `size + kept` when the file ends exactly where this write left it. If it
 * does not (a writer that takes no lock appended meanwhile), cutting would destroy its line,
 * so the partial line stays; it ends without `\n` unless the write stopped exactly before it.
 */
const rollBack = (file: FileSystem.File, size: number, written: number, kept: number) =>
  Effect.gen(function* () {
    if (written === kept) return ""
    const now = yield* Effect.either(file.stat)
    if (now._tag === "Left") return `the partial line could not be checked: ${ioError("stat", "")(now.left).reason}`
    if (Number(now.right.size) !== size + written) return "the partial line was left: another writer appended after it"
    const cut = yield* Effect.either(file.truncate(size + kept))
    return cut._tag === "Left" ? `the partial line could not be removed: ${ioError("truncate", "")(cut.left).reason}` : ""
  })

const lastByte = (file: FileSystem.File, size: number, path: string) =>
  Effect.gen(function* () {
    const one = new Uint8Array(1)
    yield* file.seek(size - 1, "start")
    yield* file.read(one).pipe(Effect.mapError(ioError("read", path)))
    return one[0]
  })
