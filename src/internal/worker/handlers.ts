/**
 * What a scan worker does with each request: the scan core under a synchronous driver.
 *
 * @internal
 */
import { Effect } from "effect"
import * as fs from "node:fs"
import { IndexIoError } from "../../Errors.js"
import { currentNames, threadsNamed, toNamedThread } from "../scan/programs.js"
import { defaultScanOptions, type ReverseScanOptions, type ScanProgram } from "../scan/reverseReader.js"
import type { ScanIds, ScanName } from "./protocol.js"

/** Drives a scan program with positional `readSync`s: no event-loop round trip per chunk. */
export const runSync = <A>(fd: number, program: ScanProgram<A>): A => {
  let next = program.next()
  while (!next.done) {
    const r = next.value
    next = program.next(fs.readSync(fd, r.buffer, r.offset, r.length, r.position))
  }
  return next.value
}

const options = (req: { maxLineBytes: number; chunkBytes: number }): ReverseScanOptions => ({
  ...defaultScanOptions,
  maxLineBytes: req.maxLineBytes,
  chunkBytes: req.chunkBytes
})

const attempt = <A>(req: { path: string }, run: () => A): Effect.Effect<A, IndexIoError> =>
  Effect.try({
    try: run,
    catch: (error) =>
      new IndexIoError({
        op: "scan",
        path: req.path,
        reason: error instanceof Error ? error.message : String(error)
      })
  })

export const handlers = {
  ScanIds: (req: ScanIds) =>
    attempt(req, () =>
      Array.from(runSync(req.fd, currentNames(req.ids, req.start, req.end, options(req))).values(), toNamedThread)
    ),
  ScanName: (req: ScanName) =>
    attempt(req, () => runSync(req.fd, threadsNamed(req.name, req.firstOnly, req.end, options(req))).map(toNamedThread))
}
