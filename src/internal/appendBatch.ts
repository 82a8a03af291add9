/**
 * One group-committed append: the lines go out as one write on an `O_APPEND` descriptor (a
 * torn last line left by a killed writer is first ended with `\n`), short writes are
 * continued, and whatever could not be written whole is cut off again, so a reader never takes
 * a partial line for an answer. Each line learns whether it was written.
 *
 * The caller holds Codex's lock, so this runs as one synchronous step of a few system calls:
 * the lock is held for microseconds, whatever else the process is doing. (Asynchronous file
 * calls would each wait for a turn of the event loop, and a busy process, a compaction
 * parsing its chunks or an app's own work, stretched holds to hundreds of milliseconds.)
 */
import { Exit } from "effect"
import * as NodeFs from "node:fs"
import { IndexIoError } from "../Errors.js"
import { ioError } from "./ioError.js"
import { isSystemError } from "./systemError.js"

/** The system calls an append makes; tests substitute failing ones. */
export interface AppendFs {
  /** Opens for appending (`O_RDWR | O_APPEND | O_CREAT`, created 0644 less the umask). */
  readonly open: (path: string) => number
  readonly makeDirectory: (path: string) => void
  readonly fstat: (fd: number) => { readonly size: number; readonly type: string }
  readonly read: (fd: number, buffer: Uint8Array, position: number) => number
  readonly write: (fd: number, buffer: Uint8Array) => number
  readonly truncate: (fd: number, length: number) => void
  readonly close: (fd: number) => void
}

const typeOf = (stats: NodeFs.Stats): string =>
  stats.isFile()
    ? "File"
    : stats.isFIFO()
      ? "FIFO"
      : stats.isCharacterDevice()
        ? "CharacterDevice"
        : stats.isBlockDevice()
          ? "BlockDevice"
          : stats.isDirectory()
            ? "Directory"
            : stats.isSocket()
              ? "Socket"
              : "Unknown"

export const nodeAppendFs: AppendFs = {
  open: (path) => NodeFs.openSync(path, "a+", 0o644),
  makeDirectory: (path) => void NodeFs.mkdirSync(path, { recursive: true }),
  fstat: (fd) => {
    const stats = NodeFs.fstatSync(fd)
    return { size: stats.size, type: typeOf(stats) }
  },
  read: (fd, buffer, position) => NodeFs.readSync(fd, buffer, 0, buffer.length, position),
  write: (fd, buffer) => NodeFs.writeSync(fd, buffer),
  truncate: (fd, length) => NodeFs.ftruncateSync(fd, length),
  close: (fd) => NodeFs.closeSync(fd)
}

const NEWLINE = 0x0a

/** Appends `lines` (each a whole line) to `path`, creating `codexHome` if need be. */
export const appendBatch = (io: AppendFs, codexHome: string, path: string) =>
  (lines: ReadonlyArray<Uint8Array>): ReadonlyArray<Exit.Exit<void, IndexIoError>> => {
    const everyLine = (error: IndexIoError) => lines.map(() => Exit.fail(error))
    let fd: number
    try {
      fd = openCreatingHome(io, codexHome, path)
    } catch (error) {
      return everyLine(ioError("open", path)(systemError(error)))
    }
    try {
      const info = io.fstat(fd)
      if (info.type !== "File") return everyLine(new IndexIoError({ op: "append", path, reason: `not a regular file (${info.type})` }))
      const last = new Uint8Array(1)
      // A writer killed mid-line left a fragment: start on a fresh line, never glued to it.
      const repair = info.size > 0 && io.read(fd, last, info.size - 1) === 1 && last[0] !== NEWLINE ? 1 : 0
      const payload = Buffer.concat([Buffer.alloc(repair, NEWLINE), ...lines])
      const { error, written } = writeFully(io, fd, payload)
      if (error === undefined) return lines.map(() => Exit.void)

      // Whole lines stay written (their callers succeed); the rest is cut off again.
      let kept = Math.min(written, repair)
      let whole = 0
      while (whole < lines.length && kept + lines[whole]!.length <= written) kept += lines[whole++]!.length
      const note = rollBack(io, fd, info.size, written, kept)
      const failed = ioError("append", path)(error)
      const failure = note === "" ? failed : new IndexIoError({ op: "append", path, reason: `${failed.reason}; ${note}` })
      return lines.map((_, i) => (i < whole ? Exit.void : Exit.fail(failure)))
    } catch (error) {
      return everyLine(ioError("append", path)(systemError(error)))
    } finally {
      try {
        io.close(fd)
      } catch {
        // Nothing to be done: the data is written or reported, and the descriptor is gone.
      }
    }
  }

/** The system's refusals are reported; anything else thrown here is a bug, and stays a defect. */
const systemError = (error: unknown): unknown => {
  if (!isSystemError(error)) throw error
  return error
}

const openCreatingHome = (io: AppendFs, codexHome: string, path: string): number => {
  try {
    return io.open(path)
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") throw error
    io.makeDirectory(codexHome)
    return io.open(path)
  }
}

const writeFully = (io: AppendFs, fd: number, bytes: Uint8Array): { readonly written: number; readonly error: unknown } => {
  let written = 0
  while (written < bytes.length) {
    let n: number
    try {
      n = io.write(fd, bytes.subarray(written))
    } catch (error) {
      return { written, error: systemError(error) }
    }
    if (n === 0) return { written, error: new Error("the write made no progress (0 bytes written)") }
    written += n
  }
  return { written, error: undefined }
}

/**
 * Truncates back to `size + kept` when the file ends exactly where this write left it. If it
 * does not, a writer that takes no lock appended meanwhile: its line is glued onto the partial
 * one, and cutting would only destroy more, so both stay, as one bad line.
 */
const rollBack = (io: AppendFs, fd: number, size: number, written: number, kept: number): string => {
  if (written === kept) return ""
  try {
    if (io.fstat(fd).size !== size + written) return "the partial line was left: another writer appended after it"
    io.truncate(fd, size + kept)
    return ""
  } catch (error) {
    return `the partial line could not be removed: ${ioError("truncate", "")(systemError(error)).reason}`
  }
}
