/**
 * Byte layout of the canonical line every writer produces,
 * `{"id":"<36>","thread_name":"<name>","updated_at":"<ts>"}`, and cheap id fingerprints.
 * The fast path only trusts what these checks prove; anything else is fully parsed.
 */

/** `{"id` and `d":"` read little-endian: two overlapping loads cover `{"id":"`. */
const PREFIX_HEAD = 0x6469227b
const PREFIX_TAIL = 0x223a2264
export const ID_OFFSET = 7
export const ID_LENGTH = 36
/** `","thread_name":"` follows the id's closing quote in canonical lines. */
const NAME_KEY = Buffer.from(`","thread_name":"`, "latin1")
export const NAME_OFFSET = ID_OFFSET + ID_LENGTH + NAME_KEY.length

/** A view for the multi-byte reads below; one per buffer. */
export const viewOf = (buf: Uint8Array): DataView => new DataView(buf.buffer, buf.byteOffset, buf.byteLength)

/**
 * True when the line starts with `{"id":"` and a quote closes a 36-byte value. Such a line's
 * id, if it has a valid one, is exactly those 36 bytes (an id spelled with escapes or a
 * duplicate `id` key counts as a bad line, on every path).
 */
export const hasIdPrefix = (view: DataView, s: number, e: number): boolean =>
  e - s > ID_OFFSET + ID_LENGTH &&
  view.getUint32(s, true) === PREFIX_HEAD &&
  view.getUint32(s + 3, true) === PREFIX_TAIL &&
  view.getUint8(s + ID_OFFSET + ID_LENGTH) === 0x22

/** True when the canonical `thread_name` key follows the id (only checked after `hasIdPrefix`). */
export const hasNameKey = (buf: Uint8Array, s: number, e: number): boolean => {
  if (e - s <= NAME_OFFSET) return false
  const base = s + ID_OFFSET + ID_LENGTH
  for (let i = 0; i < NAME_KEY.length; i++) if (buf[base + i] !== NAME_KEY[i]) return false
  return true
}

/**
 * 20-bit fingerprint of the id at `at` from its last eight hex digits (random in UUID v4 and
 * v7 alike; v7's leading digits are a timestamp and would cluster), case-folded by setting
 * bit 5 (a no-op on digits). Collisions only cost an exact comparison.
 */
export const idFilterKey = (view: DataView, at: number): number =>
  Math.imul(
    (view.getUint32(at + 28, true) | 0x20202020) ^ Math.imul(view.getUint32(at + 32, true) | 0x20202020, 0x85ebca6b),
    0x9e3779b1
  ) >>> 12

/** The id at `at` as a lowercase string, for exact comparison after a filter hit. */
export const idText = (buf: Buffer, at: number): string => buf.toString("latin1", at, at + ID_LENGTH).toLowerCase()

/** Lines with no byte other than JSON whitespace (and the `\r` of CRLF) are blank. */
export const isBlankLine = (buf: Uint8Array, s: number, e: number): boolean => {
  for (let i = s; i < e; i++) {
    const c = buf[i]
    if (c !== 0x20 && c !== 0x0d && c !== 0x09 && c !== 0x0a) return false
  }
  return true
}
