/**
 * zstd frames written by hand, without compressing: Raw and RLE blocks are valid zstd that any
 * decoder must accept, so tests choose every block boundary. `rolloutSample` is the content of
 * test/fixtures/rollout-sample.jsonl.zst, the one file compressed for real (by the `zstd` CLI,
 * which CI does not have).
 */

const MAGIC = [0x28, 0xb5, 0x2f, 0xfd]
/** No content size, no checksum, no dictionary; not single-segment, so a window descriptor follows. */
const FRAME_HEADER_DESCRIPTOR = 0x00
/** Window 2^(10 + 7) = 128 KiB: the largest block a frame may hold needs at least that. */
const WINDOW_DESCRIPTOR = 7 << 3
export const MAX_BLOCK_BYTES = 128 * 1024

const blockHeader = (last: boolean, type: 0 | 1, size: number): Buffer => {
  const value = (last ? 1 : 0) | (type << 1) | (size << 3)
  return Buffer.from([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff])
}

/** A block's content: bytes (a Raw block) or `count` copies of `byte` (an RLE block); at most 128 KiB. */
export type Block = Uint8Array | { readonly byte: number; readonly count: number }

/** A frame of these blocks, in order (at least one). */
export const frame = (blocks: ReadonlyArray<Block>): Buffer => {
  const parts: Array<Uint8Array> = [Buffer.from([...MAGIC, FRAME_HEADER_DESCRIPTOR, WINDOW_DESCRIPTOR])]
  blocks.forEach((block, i) => {
    const last = i === blocks.length - 1
    if (block instanceof Uint8Array) parts.push(blockHeader(last, 0, block.length), block)
    else parts.push(blockHeader(last, 1, block.count), Buffer.from([block.byte]))
  })
  return Buffer.concat(parts)
}

/** A frame holding `content` in Raw blocks of the given sizes (cycled; each at most 128 KiB). */
export const rawFrame = (content: Uint8Array, blockSizes: ReadonlyArray<number> = [MAX_BLOCK_BYTES]): Buffer => {
  const blocks: Array<Block> = []
  let at = 0
  let i = 0
  do {
    const size = Math.min(Math.max(1, blockSizes[i++ % blockSizes.length]!), MAX_BLOCK_BYTES, content.length - at)
    blocks.push(content.subarray(at, at + size))
    at += size
  } while (at < content.length)
  return frame(blocks)
}

/** A frame of `count` copies of `byte` in RLE blocks: a huge content from a few bytes. */
export const rleFrame = (byte: number, count: number): Buffer => {
  const blocks: Array<Block> = []
  for (let left = count; left > 0; left -= MAX_BLOCK_BYTES) blocks.push({ byte, count: Math.min(left, MAX_BLOCK_BYTES) })
  return frame(blocks)
}

/** A skippable frame: decoders pass over it. */
export const skippableFrame = (payload: Uint8Array): Buffer => {
  const header = Buffer.alloc(8)
  header.writeUInt32LE(0x184d2a50, 0)
  header.writeUInt32LE(payload.length, 4)
  return Buffer.concat([header, payload])
}

/** `rawFrame`s over consecutive pieces of `content` cut at `cuts` (offsets, any order). */
export const rawFrames = (content: Uint8Array, cuts: ReadonlyArray<number>, blockSizes?: ReadonlyArray<number>): Buffer => {
  const bounds = [...new Set([0, ...cuts.map((cut) => Math.min(Math.max(cut, 0), content.length)), content.length])].sort((a, b) => a - b)
  const frames: Array<Buffer> = []
  for (let i = 0; i + 1 < bounds.length; i++) frames.push(rawFrame(content.subarray(bounds[i], bounds[i + 1]), blockSizes))
  return frames.length === 0 ? rawFrame(content, blockSizes) : Buffer.concat(frames)
}

/**
 * Rollout-like JSON Lines, the same on every run (a fixed linear congruential generator):
 * the content of test/fixtures/rollout-sample.jsonl.zst.
 */
export const rolloutSample = (lines = 1500): string => {
  let seed = 42
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  const words = ["fix", "the", "flaky", "test", "in", "ci", "run", "npm", "build", "éte", "🎉", "\\n", "\\\"quoted\\\""]
  const text = (n: number) => Array.from({ length: n }, () => words[next(words.length)]).join(" ")
  const out: Array<string> = []
  for (let i = 0; i < lines; i++) {
    const timestamp = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString()
    const type = ["response_item", "event_msg", "turn_context"][next(3)]!
    out.push(`{"timestamp":"${timestamp}","type":"${type}","payload":{"i":${i},"text":"${text(1 + next(40))}"}}`)
  }
  return out.join("\n") + "\n"
}
