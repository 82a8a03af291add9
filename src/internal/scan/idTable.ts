/**
 * A map from thread id (16 bytes) to a number, in typed arrays: compaction remembers the last
 * line of millions of threads, and a `Map` of strings that size costs gigabytes and garbage
 * collection pauses of seconds (while another fiber may be holding Codex's lock). Split into
 * 256 open-addressing parts that grow one at a time, so no single growth stalls the thread.
 */

const EMPTY = -1
const PARTS = 256

class Part {
  keys: Uint32Array
  values: Float64Array
  count = 0

  constructor(capacity: number) {
    this.keys = new Uint32Array(capacity * 4)
    this.values = new Float64Array(capacity).fill(EMPTY)
  }

  /** The slot holding `key`, or the empty slot where it would go (linear probing). */
  find(key: Uint32Array, hash: number): number {
    const { keys, values } = this
    const mask = values.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      if (values[slot] === EMPTY) return slot
      const at = slot * 4
      if (keys[at] === key[0] && keys[at + 1] === key[1] && keys[at + 2] === key[2] && keys[at + 3] === key[3]) return slot
    }
  }

  grow(): void {
    const { keys, values } = this
    this.keys = new Uint32Array(keys.length * 2)
    this.values = new Float64Array(values.length * 2).fill(EMPTY)
    const key = new Uint32Array(4)
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot] === EMPTY) continue
      key.set(keys.subarray(slot * 4, slot * 4 + 4))
      const to = this.find(key, hashOf(key))
      this.keys.set(key, to * 4)
      this.values[to] = values[slot]!
    }
  }
}

/** Ids are random in their last 8 bytes (v4 and v7 alike); all four words are mixed anyway. */
const hashOf = (key: Uint32Array): number =>
  (Math.imul(key[3]! ^ Math.imul(key[2]!, 0x9e3779b1), 0x85ebca6b) ^ key[1]! ^ key[0]!) >>> 0

export class IdTable {
  /** Where the caller writes an id (16 bytes) before `set` or `get`. */
  readonly id = new Uint8Array(16)
  private readonly idView = new DataView(this.id.buffer)
  private readonly key = new Uint32Array(4)
  private readonly parts = Array.from({ length: PARTS }, () => new Part(16))
  private count = 0

  get size(): number {
    return this.count
  }

  /** Sets the value of the id in `id`; values are non-negative. */
  set(value: number): void {
    const hash = this.load()
    const part = this.parts[hash >>> 24]!
    if ((part.count + 1) * 4 > part.values.length * 3) part.grow()
    const slot = part.find(this.key, hash)
    if (part.values[slot] === EMPTY) {
      part.count++
      this.count++
      part.keys.set(this.key, slot * 4)
    }
    part.values[slot] = value
  }

  /** The value of the id in `id`, or -1. */
  get(): number {
    const hash = this.load()
    const part = this.parts[hash >>> 24]!
    return part.values[part.find(this.key, hash)]!
  }

  private load(): number {
    for (let i = 0; i < 4; i++) this.key[i] = this.idView.getUint32(i * 4)
    return hashOf(this.key)
  }
}
