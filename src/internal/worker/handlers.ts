/**
 * What a scan worker does with each request: the scan core under a synchronous driver. No
 * Effect here: a worker that loads only the scan core is ready in a few milliseconds, where
 * the Effect runtime would cost it hundreds.
 */
import * as fs from "node:fs"
import type { Schema } from "effect"
import { currentNames, inAlignedRange, nameCandidates } from "../scan/programs.js"
import { defaultScanOptions, FileShrankError, type ReverseScanOptions, type ScanProgram } from "../scan/reverseReader.js"
import { describeFailure, isSystemError } from "../systemError.js"
import type { NamedThread } from "../scan/programs.js"
import type { ScanRequest } from "./protocol.js"

/** Drives a scan program with positional `readSync`s: no event-loop round trip per chunk. */
export const runOnDescriptor = <A>(fd: number, program: ScanProgram<A>): A => {
  let next = program.next()
  while (!next.done) {
    const r = next.value
    next = program.next(fs.readSync(fd, r.buffer, r.offset, r.length, r.position))
  }
  return next.value
}

/** One read buffer per worker thread, reused by every request: no fresh pages per range. */
let scratch: Buffer | undefined

const options = (req: { maxLineBytes: number; chunkBytes: number }): ReverseScanOptions => {
  if (scratch === undefined || scratch.length < req.chunkBytes) scratch = Buffer.allocUnsafe(req.chunkBytes)
  return { ...defaultScanOptions, maxLineBytes: req.maxLineBytes, chunkBytes: req.chunkBytes, buffer: scratch }
}

type Request = Schema.Schema.Encoded<typeof ScanRequest>

/** Runs one request; throws what the scan threw. */
export const handle = (req: Request): ReadonlyArray<NamedThread> => {
  switch (req._tag) {
    case "ScanIds": {
      const found = inAlignedRange(req.start, req.end, req.limit, (from, to) => currentNames(req.ids, from, to, options(req)))
      return [...runOnDescriptor(req.fd, found).values()]
    }
    case "ScanNameCandidates":
      return runOnDescriptor(req.fd, inAlignedRange(req.start, req.end, req.limit, (from, to) => nameCandidates(req.name, from, to, options(req))))
  }
}

/**
 * A worker's answer, in `@effect/platform`'s worker protocol: `[id, 0, [success]]`, `[id, 2,
 * failure]` with the encoded `IndexIoError` the request declares, or `[id, 3, cause]` for a
 * defect. The main side decodes all three with the request's schemas, as for any worker.
 */
export const reply = (id: number, req: Request): readonly [number, 0 | 2 | 3, unknown] => {
  try {
    return [id, 0, [handle(req)]]
  } catch (error) {
    // `Schema.Defect`'s encoding of an error: its name and message (and stack, for a bug).
    const defect = error instanceof Error ? { name: error.name, message: error.message } : error
    if (isSystemError(error) || error instanceof FileShrankError) {
      return [id, 2, { _tag: "IndexIoError", op: "scan", path: req.path, reason: describeFailure(error), cause: defect }]
    }
    return [id, 3, { _tag: "Die", defect: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error }]
  }
}
