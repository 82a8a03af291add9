/**
 * What a scan worker does with each request: the scan core under a synchronous driver.
 */
import * as fs from "node:fs"
import { attemptIo } from "../ioError.js"
import { currentNames, threadsNamed } from "../scan/programs.js"
import { defaultScanOptions, lineStartAtOrAfter, type ReverseScanOptions, type ScanProgram } from "../scan/reverseReader.js"
import type { ScanIds, ScanName } from "./protocol.js"

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

const scanIds = (req: ScanIds) => {
  const start = runOnDescriptor(req.fd, lineStartAtOrAfter(req.start, req.limit))
  const end = runOnDescriptor(req.fd, lineStartAtOrAfter(req.end, req.limit))
  return runOnDescriptor(req.fd, currentNames(req.ids, start, end, options(req)))
}

export const handlers = {
  ScanIds: (req: ScanIds) => attemptIo("scan", req.path, () => [...scanIds(req).values()]),
  ScanName: (req: ScanName) =>
    attemptIo("scan", req.path, () => runOnDescriptor(req.fd, threadsNamed(req.name, req.firstOnly, req.end, options(req))) ?? [])
}
