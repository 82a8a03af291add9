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
  // Lone surrogates cannot be encoded as UTF-8, so Codex (serde) rejects such lines; so do we.
  if (!isUuid(id) || !thread_name.isWellFormed() || !updated_at.isWellFormed()) return undefined
  return { id: id.toLowerCase(), rawId: id, name: thread_name.trim(), updatedAt: updated_at }
}

/** Parses bytes `[start, end)` of `buf` (end excludes the `\n`; a trailing `\r` is allowed). */
export const parseEntryBytes = (buf: Uint8Array, start: number, end: number): ParsedEntry | undefined => {
  const bytes = buf.subarray(start, end)
  if (!isUtf8(bytes)) return undefined
  return parseEntryText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"))
}
