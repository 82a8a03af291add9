/**
 * Whole lookups as scan programs: the queries composed over a pinned byte range. Still pure:
 * the caller's driver performs the reads.
 *
 * @internal
 */
import type { ParsedEntry } from "./entryLine.js"
import { type IdMatch, IdQuery } from "./idQuery.js"
import { NameQuery } from "./nameQuery.js"
import { type ReverseScanOptions, type ScanProgram, scanReverse } from "./reverseReader.js"

/** Current names of `ids` (lowercase UUIDs) within `[start, end)`. */
export function* currentNames(
  ids: Iterable<string>,
  start: number,
  end: number,
  options: ReverseScanOptions
): ScanProgram<Map<string, IdMatch>> {
  const query = new IdQuery(ids, options.maxLineBytes)
  if (!query.done) yield* scanReverse(start, end, options, query.visit)
  return query.results()
}

/** Average bytes per line used to size the bloom filter; real lines are ~110-150 bytes. */
const MIN_LINE_BYTES = 64

/**
 * Threads whose current name is `name` (trimmed, non-blank), newest first. With `firstOnly`,
 * at most one: the answer of `findIdByName`.
 */
export function* threadsNamed(
  name: string,
  firstOnly: boolean,
  end: number,
  options: ReverseScanOptions
): ScanProgram<Array<IdMatch>> {
  const query = new NameQuery(name, firstOnly, options.maxLineBytes, Math.ceil(end / MIN_LINE_BYTES))
  yield* scanReverse(0, end, options, query.visit)
  const pending = query.candidates.filter((c) => !c.certain)
  let current = query.candidates.filter((c) => c.certain)
  if (pending.length > 0) {
    const from = pending.reduce((min, c) => Math.min(min, c.offset), end)
    const latest = yield* currentNames(pending.map((c) => c.entry.id), from, end, options)
    current = current.concat(pending.filter((c) => latest.get(c.entry.id)?.offset === c.offset))
  }
  current.sort((a, b) => b.offset - a.offset)
  return (firstOnly ? current.slice(0, 1) : current).map(({ entry, offset }) => ({ entry, offset }))
}

export type { IdMatch, ParsedEntry }
