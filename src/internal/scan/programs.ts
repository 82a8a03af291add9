/**
 * Whole lookups as scan programs: the queries composed over a pinned byte range. Still pure:
 * the caller's driver performs the reads.
 */
import type { NamedThread, ParsedEntry } from "./entryLine.js"
import { IdQuery } from "./idQuery.js"
import { NameQuery } from "./nameQuery.js"
import { lineStartAtOrAfter, type ReverseScanOptions, type ScanProgram, scanReverse } from "./reverseReader.js"

/**
 * `program` over the lines starting in `[start, end)`, each bound first moved to the next line
 * start before `limit` (the end of the region being split, itself a line start). Adjacent
 * ranges then split the region's lines exactly, whoever scans them: a worker or the caller.
 */
export function* inAlignedRange<A>(
  start: number,
  end: number,
  limit: number,
  program: (from: number, to: number) => ScanProgram<A>
): ScanProgram<A> {
  const from = yield* lineStartAtOrAfter(start, limit)
  const to = yield* lineStartAtOrAfter(end, limit)
  return yield* program(from, to)
}

/** Current names of `ids` (lowercase UUIDs) within `[start, end)`. */
export function* currentNames(
  ids: Iterable<string>,
  start: number,
  end: number,
  options: ReverseScanOptions
): ScanProgram<Map<string, NamedThread>> {
  const query = new IdQuery(ids, options.maxLineBytes)
  if (!query.done) yield* scanReverse(start, end, options, query.visit)
  return query.results()
}

/**
 * Lines naming a thread `name` among the lines starting in `[start, end)`, newest first, at
 * most one per thread: the part of a name lookup that byte ranges can do independently.
 * Whether each is still its thread's current name takes an id lookup over everything newer.
 */
export function* nameCandidates(
  name: string,
  start: number,
  end: number,
  options: ReverseScanOptions
): ScanProgram<Array<NamedThread>> {
  const query = new NameQuery(name, new Set(), options.maxLineBytes)
  yield* scanReverse(start, end, options, query.visit)
  return query.candidates
}

/** First window of a name scan; each older window is twice as large. */
const FIRST_NAME_WINDOW = 64 * 1024

/**
 * Threads whose current name is `name` (trimmed, non-blank), newest first. With `firstOnly`,
 * at most one: the answer of `findIdByName`.
 *
 * The file is read backwards in windows that double in size. Each window's candidate lines
 * are checked with one exact id lookup over the window and everything newer: a candidate is
 * current iff it is its thread's newest named line. Doubling bounds that re-reading to twice
 * the bytes scanned, and a missing name costs one plain scan.
 */
export function* threadsNamed(
  name: string,
  firstOnly: boolean,
  end: number,
  options: ReverseScanOptions,
  /** Give up (return `undefined`) rather than read further back than this many bytes. */
  budgetBytes = Infinity
): ScanProgram<Array<NamedThread> | undefined> {
  const settled = new Set<string>()
  const current: Array<NamedThread> = []
  let windowEnd = end
  let windowBytes = FIRST_NAME_WINDOW
  while (windowEnd > 0) {
    if (end - windowEnd >= budgetBytes) return undefined
    const windowStart = yield* lineStartAtOrAfter(Math.max(0, windowEnd - windowBytes), windowEnd)
    windowBytes *= 2
    const query = new NameQuery(name, settled, options.maxLineBytes)
    yield* scanReverse(windowStart, windowEnd, options, query.visit)
    windowEnd = windowStart
    if (query.candidates.length === 0) continue
    const latest = yield* currentNames(query.candidates.map((c) => c.id), windowStart, end, options)
    for (const candidate of query.candidates) {
      settled.add(candidate.id)
      if (latest.get(candidate.id)?.offset === candidate.offset) current.push(candidate)
    }
    if (firstOnly && current.length > 0) break
  }
  return firstOnly ? current.slice(0, 1) : current
}

export type { NamedThread, ParsedEntry }
