/**
 * Byte layout of the canonical line every writer produces,
 * `{"id":"<36>","thread_name":"<name>","updated_at":"<ts>"}`, and cheap id fingerprints.
 * The fast path only trusts what these checks prove; anything else is fully parsed.
 *
 * @internal
 */

/** `{"id":"` */
const ID_PREFIX = [0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22] as const
export const ID_OFFSET = 7
export const ID_LENGTH = 36
/** `","thread_name":"` follows the id's closing quote in canonical lines. */
const NAME_KEY = Buffer.from(`","thread_name":"`, "latin1")
export const NAME_OFFSET = ID_OFFSET + ID_LENGTH + NAME_KEY.length

/**
 * True when the line starts with `{"id":"` and a quote closes a 36-byte value. Such a line's
 * id, if it has a valid one, is exactly those 36 bytes (an id spelled with escapes or a
 * duplicate `id` key counts as a bad line, as SPEC.md allows).
 */
export const hasIdPrefix = (buf: Uint8Array, s: number, e: number): boolean =>
  e - s > ID_OFFSET + ID_LENGTH &&
  buf[s] === ID_PREFIX[0] &&
  buf[s + 1] === ID_PREFIX[1] &&
  buf[s + 2] === ID_PREFIX[2] &&
  buf[s + 3] === ID_PREFIX[3] &&
  buf[s + 4] === ID_PREFIX[4] &&
  buf[s + 5] === ID_PREFIX[5] &&
  buf[s + 6] === ID_PREFIX[6] &&
  buf[s + ID_OFFSET + ID_LENGTH] === 0x22

/** True when the canonical `thread_name` key follows the id (only checked after `hasIdPrefix`). */
export const hasNameKey = (buf: Uint8Array, s: number, e: number): boolean => {
  if (e - s <= NAME_OFFSET) return false
  const base = s + ID_OFFSET + ID_LENGTH
  for (let i = 0; i < NAME_KEY.length; i++) if (buf[base + i] !== NAME_KEY[i]) return false
  return true
}

/**
 * Hex digit value, case-insensitive for free: `0-9` are 0x30-0x39, `a-f`/`A-F` have low
 * nibble 1-6 and bit 6 set. Non-hex bytes give some value in 0..15: a false positive the
 * exact comparison behind every filter rejects.
 */
const nibble = (c: number): number => ((c & 0xf) + 9 * (c >> 6)) & 0xf

/**
 * 20-bit fingerprint from the id's last five hex digits (random in UUID v4 and v7 alike;
 * v7's leading digits are a timestamp and would cluster). `at` is the id's first byte.
 */
export const idFilterKey = (buf: Uint8Array, at: number): number =>
  (nibble(buf[at + 31]!) << 16) |
  (nibble(buf[at + 32]!) << 12) |
  (nibble(buf[at + 33]!) << 8) |
  (nibble(buf[at + 34]!) << 4) |
  nibble(buf[at + 35]!)

/** Two more independent 28-bit fingerprints, for the bloom filter: digits 24-30 ... */
export const idBloomKeyA = (buf: Uint8Array, at: number): number =>
  (nibble(buf[at + 24]!) << 24) |
  (nibble(buf[at + 25]!) << 20) |
  (nibble(buf[at + 26]!) << 16) |
  (nibble(buf[at + 27]!) << 12) |
  (nibble(buf[at + 28]!) << 8) |
  (nibble(buf[at + 29]!) << 4) |
  nibble(buf[at + 30]!)

/** ... and digits 20-21 with 31-35. */
export const idBloomKeyB = (buf: Uint8Array, at: number): number =>
  (nibble(buf[at + 20]!) << 24) | (nibble(buf[at + 21]!) << 20) | idFilterKey(buf, at)

/** The id at `at` as a lowercase string, for exact comparison after a filter hit. */
export const idText = (buf: Buffer, at: number): string => buf.toString("latin1", at, at + ID_LENGTH).toLowerCase()

export const idBytes = (id: string): Buffer => Buffer.from(id, "latin1")

/** Lines with no byte other than JSON whitespace (and the `\r` of CRLF) are blank. */
export const isBlankLine = (buf: Uint8Array, s: number, e: number): boolean => {
  for (let i = s; i < e; i++) {
    const c = buf[i]
    if (c !== 0x20 && c !== 0x0d && c !== 0x09 && c !== 0x0a) return false
  }
  return true
}
