/** Runs the scan core's lookups over an in-memory file, the way the file drivers do. */
import { expect } from "@effect/vitest"
import { IdQuery } from "../../src/internal/scan/idQuery.js"
import { LatestQuery } from "../../src/internal/scan/latestQuery.js"
import { currentNames, threadsNamed } from "../../src/internal/scan/programs.js"
import { type ReverseScanOptions, scanReverse } from "../../src/internal/scan/reverseReader.js"
import { type DriverStats, runOnBuffer } from "./driver.js"

export interface CoreEntry {
  readonly id: string
  readonly name: string
  readonly updatedAt: string
}

const plain = (e: { readonly id: string; readonly name: string; readonly updatedAt: string }): CoreEntry => ({
  id: e.id,
  name: e.name,
  updatedAt: e.updatedAt
})

/**
 * `currentNames`, checked against both ways an `IdQuery` reads a block (searching for the ids'
 * bytes, walking every line): whichever the id count picks, the other must agree.
 */
export const coreNames = (file: Buffer, ids: ReadonlyArray<string>, options: ReverseScanOptions, stats?: DriverStats) => {
  const wanted = ids.map((id) => id.toLowerCase())
  const found = runOnBuffer(currentNames(wanted, 0, file.length, options), file, stats)
  for (const strategy of ["search", "walk"] as const) {
    const query = new IdQuery(wanted, options.maxLineBytes, strategy)
    runOnBuffer(scanReverse(0, file.length, options, query.visit), file)
    expect(query.results(), `IdQuery by ${strategy}`).toEqual(found)
  }
  return new Map([...found].map(([id, match]) => [id, match.name]))
}

export const coreThreadsNamed = (file: Buffer, name: string, firstOnly: boolean, options: ReverseScanOptions) =>
  (runOnBuffer(threadsNamed(name, firstOnly, file.length, options), file) ?? []).map(plain)

/** The latest-per-id stream of the core, newest first; checks the visitor's buffer bound. */
export const coreLatest = (file: Buffer, options: ReverseScanOptions, onBuffer?: (length: number) => void) => {
  const query = new LatestQuery(options.maxLineBytes)
  const out: Array<CoreEntry> = []
  runOnBuffer(
    scanReverse(0, file.length, options, (buf, s, e, offset) => {
      onBuffer?.(buf.length)
      const stop = query.visit(buf, s, e, offset)
      out.push(...query.drain().map(plain))
      return stop
    }),
    file
  )
  return out
}
