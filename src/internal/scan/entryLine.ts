/**
 * The tolerant reader for one line of `session_index.jsonl` (docs/lookups.md, "Reading a line").
 * Everything the fast scan decides positively goes through here, so this is the single
 * definition of what counts as an entry.
 */
import { isUtf8 } from "node:buffer"
import { hasNameKey, ID_OFFSET, NAME_OFFSET } from "./canonical.js"

/**
 * A validated line: `id` lowercased for comparison, `name` trimmed ("" when blank). One of the
 * two shapes an entry takes inside the library; `SessionIndexEntry` is the public one (a
 * Schema class, too heavy to build for every line a scan reads).
 */
export interface ParsedEntry {
  readonly id: string
  readonly name: string
  readonly updatedAt: string
}

/**
 * A line found at a file offset: what lookups answer with and remember. Plain data, so that it
 * crosses to and from scan workers as it is (`NamedThreadSchema` describes it there).
 */
export interface NamedThread extends ParsedEntry {
  readonly offset: number
}

/** A hyphenated UUID, any case: the one definition of a thread id's spelling. */
export const UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

const UUID = new RegExp(`^${UUID_PATTERN}$`)

export const isUuid = (s: string): boolean => s.length === 36 && UUID.test(s)

/** Parses an already-decoded line (no trailing `\n`). */
export const parseEntryText = (line: string): ParsedEntry | undefined => {
  const text = line.trim()
  if (text.length === 0 || text.charCodeAt(0) !== 0x7b /* { */) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined
  const { id, thread_name, updated_at } = value as Record<string, unknown>
  if (typeof id !== "string" || typeof thread_name !== "string" || typeof updated_at !== "string") {
    return undefined
  }
  if (repeatsAKey(text, value)) return undefined
  // Lone surrogates cannot be encoded as UTF-8, so Codex (serde) rejects such lines; so do we.
  if (!isUuid(id) || !thread_name.isWellFormed() || !updated_at.isWellFormed()) return undefined
  return { id: id.toLowerCase(), name: thread_name.trim(), updatedAt: updated_at }
}

/**
 * Whether the object text names a key twice. `JSON.parse` keeps the last value, so a line like
 * `{"id":A,…,"id":B}` would answer for B while its bytes say A: one rule for every path is
 * that such a line is bad. Lines exactly as writers produce them are settled by comparing
 * with their own serialisation; anything else has its top-level keys counted.
 */
const repeatsAKey = (text: string, value: object): boolean => {
  const { id, thread_name, updated_at } = value as Record<string, unknown>
  if (JSON.stringify({ id, thread_name, updated_at }) === text) return false
  return topLevelKeyCount(text) !== Object.keys(value).length
}

/** Keys of the outermost object of valid JSON text (escaped spellings count as written). */
const topLevelKeyCount = (text: string): number => {
  let depth = 0
  let keys = 0
  let expectKey = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      if (depth === 1 && expectKey) keys++
      expectKey = false
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++
      expectKey = depth === 1
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectKey = true
    }
  }
  return keys
}

/** Parses bytes `[start, end)` of `buf` (end excludes the `\n`; a trailing `\r` is allowed). */
export const parseEntryBytes = (buf: Uint8Array, start: number, end: number): ParsedEntry | undefined => {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const canonical = parseCanonical(bytes, start, end)
  if (canonical !== null) return canonical
  const line = bytes.subarray(start, end)
  if (!isUtf8(line)) return undefined
  return parseEntryText(line.toString("utf8"))
}

const OPEN = Buffer.from(`{"id":"`, "latin1")
const UPDATED_KEY = Buffer.from(`","updated_at":"`, "latin1")

/** Where the strings of a line in writers' exact form are (one scratch object: no allocation). */
const spans = { nameStart: 0, nameEnd: 0, updatedStart: 0, updatedEnd: 0, ascii: true }

/**
 * A line exactly as writers produce it, with no escape in its strings, decided from its bytes
 * (rewrites and the change feed read every line: `JSON.parse` and the duplicate-key check
 * would be most of their time): 1 with `spans` set, 0 for such a line that is not valid UTF-8
 * (a bad line), -1 for any other line (the full parse decides those).
 */
const locateCanonical = (buf: Buffer, s: number, e: number): 1 | 0 | -1 => {
  if (e - s < NAME_OFFSET + UPDATED_KEY.length + 2) return -1
  for (let i = 0; i < OPEN.length; i++) if (buf[s + i] !== OPEN[i]) return -1
  if (!hasNameKey(buf, s, e) || !isIdText(buf, s + ID_OFFSET)) return -1
  const nameStart = s + NAME_OFFSET
  const nameEnd = plainStringEnd(buf, nameStart, e)
  if (nameEnd < 0) return -1
  for (let i = 0; i < UPDATED_KEY.length; i++) if (buf[nameEnd + i] !== UPDATED_KEY[i]) return -1
  const updatedStart = nameEnd + UPDATED_KEY.length
  const updatedEnd = plainStringEnd(buf, updatedStart, e)
  if (updatedEnd < 0 || updatedEnd + 2 !== e || buf[updatedEnd + 1] !== 0x7d) return -1
  // Everything else is ASCII by now; only the strings can hold other bytes.
  const ascii = isAscii(buf, nameStart, nameEnd) && isAscii(buf, updatedStart, updatedEnd)
  if (!ascii && !isUtf8(buf.subarray(s, e))) return 0
  Object.assign(spans, { nameStart, nameEnd, updatedStart, updatedEnd, ascii })
  return 1
}

const parseCanonical = (buf: Buffer, s: number, e: number): ParsedEntry | undefined | null => {
  const found = locateCanonical(buf, s, e)
  if (found !== 1) return found === 0 ? undefined : null
  const encoding = spans.ascii ? "latin1" : "utf8"
  return {
    id: buf.toString("latin1", s + ID_OFFSET, s + ID_OFFSET + 36).toLowerCase(),
    name: buf.toString(encoding, spans.nameStart, spans.nameEnd).trim(),
    updatedAt: buf.toString(encoding, spans.updatedStart, spans.updatedEnd)
  }
}

/**
 * Whether the line is an entry with a name, and if so its id as 16 bytes in `id`: what
 * compaction asks of every line, answered for lines in writers' exact form without building a
 * string. Same answers as `parseEntryBytes`.
 */
export const namedEntryId = (buf: Buffer, s: number, e: number, id: Uint8Array): boolean => {
  const found = locateCanonical(buf, s, e)
  if (found === 0) return false
  if (found === 1) {
    if (!hasNameByBytes(buf, spans.nameStart, spans.nameEnd, spans.ascii)) return false
    writeIdBytes(buf, s + ID_OFFSET, id)
    return true
  }
  const entry = parseEntryBytes(buf, s, e)
  if (entry === undefined || entry.name === "") return false
  writeIdBytes(Buffer.from(entry.id, "latin1"), 0, id)
  return true
}

/**
 * The id of a line that starts like writers' lines (`{"id":"<36 hex and hyphens>"`), as 16
 * bytes in `id`; false for any other line. Says nothing of whether the line is an entry.
 */
export const leadingIdBytes = (buf: Buffer, s: number, e: number, id: Uint8Array): boolean => {
  if (e - s <= ID_OFFSET + 36 || buf[s + ID_OFFSET + 36] !== 0x22) return false
  for (let i = 0; i < OPEN.length; i++) if (buf[s + i] !== OPEN[i]) return false
  if (!isIdText(buf, s + ID_OFFSET)) return false
  writeIdBytes(buf, s + ID_OFFSET, id)
  return true
}

/** `UUID_PATTERN` on bytes: 36 hex digits (either case) and hyphens in the 8-4-4-4-12 places. */
const isIdText = (buf: Buffer, at: number): boolean => {
  for (let i = 0; i < 36; i++) {
    const c = buf[at + i]!
    const ok = i === 8 || i === 13 || i === 18 || i === 23 ? c === 0x2d : (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
    if (!ok) return false
  }
  return true
}

/** A plain (unescaped) name is blank when trimming leaves nothing. */
const hasNameByBytes = (buf: Buffer, from: number, to: number, ascii: boolean): boolean => {
  for (let i = from; i < to; i++) {
    const c = buf[i]!
    if (c > 0x20 && c < 0x80) return true
  }
  // Only spaces, or Unicode that may be whitespace (trim knows which).
  return !ascii && buf.toString("utf8", from, to).trim() !== ""
}

/** The 36-character id at `at` as 16 bytes (hex digits in either case; groups are even). */
const writeIdBytes = (buf: Uint8Array, at: number, id: Uint8Array): void => {
  let out = 0
  for (let i = 0; i < 36; i += 2) {
    if (buf[at + i] === 0x2d) i++
    id[out++] = (hexValue(buf[at + i]!) << 4) | hexValue(buf[at + i + 1]!)
  }
}

const hexValue = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57)

const isAscii = (buf: Buffer, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (buf[i]! >= 0x80) return false
  return true
}

/** The closing quote of a string starting at `at` with no escape or control byte; -1 otherwise. */
const plainStringEnd = (buf: Buffer, at: number, e: number): number => {
  for (let i = at; i < e; i++) {
    const c = buf[i]!
    if (c === 0x22) return i
    if (c === 0x5c || c < 0x20) return -1
  }
  return -1
}
