/**
 * The tolerant reader for one line of `session_index.jsonl` (SPEC.md, "Reading a line").
 * Everything the fast scan decides positively goes through here, so this is the single
 * definition of what counts as an entry.
 *
 * @internal
 */
import { isUtf8 } from "node:buffer"

/** A validated line: `id` lowercased for comparison, `name` trimmed ("" when blank). */
export interface ParsedEntry {
  readonly id: string
  readonly rawId: string
  readonly name: string
  readonly updatedAt: string
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

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
  return { id: id.toLowerCase(), rawId: id, name: thread_name.trim(), updatedAt: updated_at }
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
  const bytes = buf.subarray(start, end)
  if (!isUtf8(bytes)) return undefined
  return parseEntryText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"))
}
