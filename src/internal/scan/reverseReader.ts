/**
 * Walks a byte range of a file backwards in large chunks and hands complete lines, block by
 * block, to a visitor. It performs no I/O itself: it is a generator that yields read requests
 * and is resumed with the number of bytes read, so the same core runs under a synchronous
 * driver (worker threads) and under Effect's FileSystem (in-process), and tests can feed it
 * bytes with any chunking.
 */

export interface ReadRequest {
  readonly buffer: Uint8Array
  readonly offset: number
  readonly length: number
  readonly position: number
}

/** Resumed with the number of bytes read (0 means end of file). */
export type ScanProgram<A> = Generator<ReadRequest, A, number>

/**
 * Receives `buf[blockStart, blockEnd)`: whole lines, the first starting at `blockStart`;
 * `blockEnd` is either the end of the scanned range or just past a `\n`. `fileOffset` is the
 * file position of `buf[0]`. Returns `true` to stop the scan. Each query walks its block's
 * lines itself, newest first: a shared per-line callback would be a megamorphic call in the
 * hottest loop, so the few lines of that walk are repeated in each query on purpose.
 */
export type BlockVisitor = (buf: Buffer, blockStart: number, blockEnd: number, fileOffset: number) => boolean

/** Start of the block's line that holds byte `at`. */
export const lineStartOf = (buf: Buffer, at: number, blockStart: number): number => {
  const newline = at > blockStart ? buf.lastIndexOf(10, at - 1) : -1
  return newline < blockStart ? blockStart : newline + 1
}

/** End of the block's line that holds byte `at`: its `\n`, or the block's end. */
export const lineEndOf = (buf: Buffer, at: number, blockEnd: number): number => {
  const newline = buf.indexOf(10, at)
  return newline < 0 || newline >= blockEnd ? blockEnd : newline
}

export interface ReverseScanOptions {
  /** First chunk: small, so answers near the end of the file come back fast. */
  readonly firstChunkBytes: number
  readonly chunkBytes: number
  readonly maxLineBytes: number
  /** A buffer to read chunks into, reused across scans when given. */
  readonly buffer?: Buffer | undefined
  /**
   * Told where a line too long to visit starts (such a line never reaches the visitor whole);
   * returns `true` to stop the scan. Readers that must not lose lines silently report it.
   */
  readonly onOversized?: ((lineStart: number) => boolean) | undefined
}

export const defaultScanOptions: ReverseScanOptions = {
  firstChunkBytes: 64 * 1024,
  chunkBytes: 4 * 1024 * 1024,
  maxLineBytes: 16 * 1024 * 1024
}

/** Raised when the file yields fewer bytes than its pinned size: it shrank under the scan. */
export class FileShrankError extends Error {
  constructor(readonly position: number) {
    super(`file shrank during scan (short read at byte ${position})`)
  }
}

function* readFully(buffer: Uint8Array, offset: number, length: number, position: number): ScanProgram<void> {
  let done = 0
  while (done < length) {
    const n = yield { buffer, offset: offset + done, length: length - done, position: position + done }
    if (n <= 0) throw new FileShrankError(position + done)
    done += n
  }
}

/**
 * Scans `[start, end)` newest line first. `start` must be a line start (0, or just past a
 * `\n`); `end` is the pinned end of the range. Returns `true` if the visitor stopped early.
 */
export function* scanReverse(
  start: number,
  end: number,
  options: ReverseScanOptions,
  visit: BlockVisitor
): ScanProgram<boolean> {
  let buffer = options.buffer ?? Buffer.allocUnsafe(Math.min(options.chunkBytes, Math.max(end - start, 1)))
  let pos = end
  let want = options.firstChunkBytes
  while (pos > start) {
    const length = Math.min(want, pos - start)
    want = options.chunkBytes
    if (buffer.length < length) buffer = Buffer.allocUnsafe(length)
    const from = pos - length
    yield* readFully(buffer, 0, length, from)
    if (from === start) return visit(buffer, 0, length, from)
    // A `\n` in the chunk's last byte ends the line at `pos` (or the range): it starts no line
    // inside the chunk, so only a newline before it yields whole lines.
    const firstNewline = buffer.indexOf(10)
    if (firstNewline >= 0 && firstNewline < length - 1) {
      if (visit(buffer, firstNewline + 1, length, from)) return true
      pos = from + firstNewline + 1
      continue
    }
    // No line break in a whole chunk: one line longer than a chunk ends at `pos`.
    const lineStart = yield* findLineStart(start, from, options.chunkBytes, buffer)
    const lineBytes = pos - lineStart
    if (lineBytes - 1 <= options.maxLineBytes) {
      const line = Buffer.allocUnsafe(lineBytes)
      yield* readFully(line, 0, lineBytes, lineStart)
      if (visit(line, 0, lineBytes, lineStart)) return true
    } else if (options.onOversized?.(lineStart) === true) {
      return true
    }
    pos = lineStart
  }
  return false
}

/** Finds the start of the line containing byte `before - 1`, reading back chunk by chunk. */
function* findLineStart(start: number, before: number, chunkBytes: number, scratch: Buffer): ScanProgram<number> {
  let pos = before
  while (pos > start) {
    const length = Math.min(chunkBytes, pos - start, scratch.length)
    const from = pos - length
    yield* readFully(scratch, 0, length, from)
    const newline = scratch.lastIndexOf(10, length - 1)
    if (newline >= 0) return from + newline + 1
    pos = from
  }
  return start
}

/**
 * The first line start at or after `pos` (`end` if none): the boundary rule that lets byte
 * ranges be scanned independently, each owning the lines that start inside it.
 */
export function* lineStartAtOrAfter(pos: number, end: number, stepBytes = 64 * 1024): ScanProgram<number> {
  if (pos <= 0) return 0
  const scratch = Buffer.allocUnsafe(stepBytes)
  let at = pos - 1
  while (at < end) {
    const length = Math.min(stepBytes, end - at)
    yield* readFully(scratch, 0, length, at)
    const newline = scratch.indexOf(10)
    if (newline >= 0 && newline < length) return at + newline + 1
    at += length
  }
  return end
}
