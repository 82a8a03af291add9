/**
 * A skip search for a few byte patterns of one length (Wu-Manber): a table says, for the hash
 * of each 4-byte window, how far the end of a pattern may still be, so most steps jump ~the
 * pattern's length. Used for ids (case-folded) and names (exact). Stops are handed to an
 * `accept` check: false matches only cost that check, so the hash may merge windows freely.
 */

const WINDOW = 4
const HASH_MULTIPLIER = 0x9e3779b1
/** Jumps are stored in bytes; longer patterns are searched by their first bytes. */
export const MAX_PATTERN_BYTES = 255

export class SkipSearch {
  private readonly shifts: Uint8Array
  private readonly hashShift: number
  /** OR-ed into every window: `0x20202020` sets bit 5 (a no-op on digits and `-`, lowercase on A-F). */
  private readonly fold: number

  /**
   * `patterns` all `length` bytes (≥ 4, ≤ 255). `tableBits`: 14 keeps the table in the L1
   * cache; more patterns want more bits, so that stops stay rare.
   */
  constructor(
    patterns: Iterable<Uint8Array>,
    readonly length: number,
    options: { readonly caseFold: boolean; readonly tableBits: number }
  ) {
    this.fold = options.caseFold ? 0x20202020 : 0
    this.hashShift = 32 - options.tableBits
    this.shifts = new Uint8Array(1 << options.tableBits).fill(length - WINDOW + 1)
    for (const pattern of patterns) {
      const view = new DataView(pattern.buffer, pattern.byteOffset, pattern.byteLength)
      for (let at = 0; at <= length - WINDOW; at++) {
        const key = this.hash(view, at)
        this.shifts[key] = Math.min(this.shifts[key]!, length - WINDOW - at)
      }
    }
  }

  private hash(view: DataView, at: number): number {
    return Math.imul(view.getUint32(at, true) | this.fold, HASH_MULTIPLIER) >>> this.hashShift
  }

  /**
   * Starts in `[from, to)` where a pattern may begin and `accept` takes it, ascending.
   * `accept(at)` returns -1 to reject, or where the search goes on: past the rest of the line,
   * for callers that want one start per line (a long line of repeats then costs one check,
   * not one per byte). Two streams step in turn over the two halves: each step waits on its
   * table load, and two independent chains of loads let the CPU overlap them (measured: twice
   * the bytes per second of one stream).
   */
  find(view: DataView, from: number, to: number, accept: (at: number) => number): Array<number> {
    const tail = this.length - WINDOW
    const mid = from + ((to - from) >> 1)
    const low: Array<number> = []
    const high: Array<number> = []
    // The hash written out over locals: through `this.hash` and field loads the loop measured
    // 10-25% slower.
    const shifts = this.shifts
    const fold = this.fold
    const hashShift = this.hashShift
    let p = from + tail
    let q = mid + tail
    const lastP = q - 1
    const lastQ = to - 1 + tail
    while (p <= lastP && q <= lastQ) {
      const jumpP = shifts[Math.imul(view.getUint32(p, true) | fold, HASH_MULTIPLIER) >>> hashShift]!
      const jumpQ = shifts[Math.imul(view.getUint32(q, true) | fold, HASH_MULTIPLIER) >>> hashShift]!
      if (jumpP !== 0) p += jumpP
      else p = this.stop(p - tail, accept, low)
      if (jumpQ !== 0) q += jumpQ
      else q = this.stop(q - tail, accept, high)
    }
    while (p <= lastP) {
      const jump = shifts[Math.imul(view.getUint32(p, true) | fold, HASH_MULTIPLIER) >>> hashShift]!
      p = jump !== 0 ? p + jump : this.stop(p - tail, accept, low)
    }
    while (q <= lastQ) {
      const jump = shifts[Math.imul(view.getUint32(q, true) | fold, HASH_MULTIPLIER) >>> hashShift]!
      q = jump !== 0 ? q + jump : this.stop(q - tail, accept, high)
    }
    for (const at of high) low.push(at)
    return low
  }

  /** A stop at pattern start `at`: the next window position to look at. */
  private stop(at: number, accept: (at: number) => number, found: Array<number>): number {
    const next = accept(at)
    if (next < 0) return at + 1 + this.length - WINDOW
    found.push(at)
    return Math.max(next, at + 1) + this.length - WINDOW
  }
}
