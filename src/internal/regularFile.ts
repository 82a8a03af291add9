/**
 * Small files read whole, or their first bytes (Codex's `config.toml`, its database and log).
 * Opened without blocking, so a FIFO in their place does not wait for a writer, and refused
 * unless a regular file, so a link to `/dev/zero` is not read until memory runs out.
 */
import * as fs from "node:fs"

/** Read-only, and a FIFO opens without waiting for a writer (its reads then fail, `ESPIPE`). */
export const READ_WITHOUT_BLOCKING = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT"

/** Runs `use` on `file` opened and checked; undefined when there is no such file. */
const withRegularFile = <A>(file: string, use: (fd: number, size: number) => A): A | undefined => {
  let fd: number
  try {
    fd = fs.openSync(file, READ_WITHOUT_BLOCKING)
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
  try {
    const stats = fs.fstatSync(fd)
    if (!stats.isFile()) throw new Error("not a regular file")
    return use(fd, stats.size)
  } finally {
    fs.closeSync(fd)
  }
}

/** Up to `length` bytes of `fd` at `position` (fewer at its end), however many reads it takes. */
export const readAt = (fd: number, length: number, position: number): Buffer => {
  const buffer = Buffer.allocUnsafe(length)
  let filled = 0
  while (filled < length) {
    const n = fs.readSync(fd, buffer, filled, length - filled, position + filled)
    if (n === 0) break
    filled += n
  }
  return buffer.subarray(0, filled)
}

/**
 * `file`'s bytes as of its size when opened, or undefined when there is no such file. Throws
 * when it is not a regular file, or is larger than `maxBytes`.
 */
export const readRegularFile = (file: string, maxBytes: number): Buffer | undefined =>
  withRegularFile(file, (fd, size) => {
    if (size > maxBytes) throw new Error(`it is too large to read (${size} bytes, more than ${maxBytes})`)
    return readAt(fd, size, 0)
  })

/** The first `bytes` of `file` (fewer when it is shorter), or undefined when there is no such file. */
export const readRegularHead = (file: string, bytes: number): Buffer | undefined =>
  withRegularFile(file, (fd, size) => readAt(fd, Math.min(bytes, size), 0))
