/**
 * Runs scan programs over an in-memory buffer: each ReadRequest is answered by copying from
 * the buffer, so tests control the file's bytes and the chunking exactly.
 */
import type { ReadRequest, ReverseScanOptions, ScanProgram } from "../../src/internal/scan/reverseReader.js"

export interface DriverStats {
  /** Read requests answered. */
  reads: number
  /** Bytes copied into the program's buffers. */
  bytesRead: number
  /** The largest buffer the program asked to read into. */
  largestBuffer: number
}

export const runOnBuffer = <A>(
  program: ScanProgram<A>,
  file: Uint8Array,
  stats: DriverStats = { reads: 0, bytesRead: 0, largestBuffer: 0 },
  onRead?: (request: ReadRequest) => void
): A => {
  // Every program here reads each byte a small number of times: far more reads means a loop.
  const readLimit = 50 * (file.length + 1) + 10_000
  let reads = 0
  let next = program.next()
  while (!next.done) {
    if (++reads > readLimit) throw new Error(`scan does not terminate (${reads} reads of a ${file.length}-byte file)`)
    const request = next.value
    onRead?.(request)
    const n = Math.max(0, Math.min(request.length, file.length - request.position))
    request.buffer.set(file.subarray(request.position, request.position + n), request.offset)
    stats.reads++
    stats.bytesRead += n
    stats.largestBuffer = Math.max(stats.largestBuffer, request.buffer.length)
    next = program.next(n)
  }
  return next.value
}

/** Small scan options for sweeping chunk boundaries through every position of a line. */
export const sweepOptions = (maxLineBytes: number): Array<ReverseScanOptions> => {
  const out: Array<ReverseScanOptions> = []
  for (const firstChunkBytes of [1, 2, 3, 5, 7]) {
    for (const chunkBytes of [1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 31, 32, 64]) {
      out.push({ firstChunkBytes, chunkBytes, maxLineBytes })
    }
  }
  return out
}
