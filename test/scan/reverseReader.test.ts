import { describe, expect, it } from "@effect/vitest"
import {
  type BlockVisitor,
  FileShrankError,
  lineStartAtOrAfter,
  type ReverseScanOptions,
  scanReverse
} from "../../src/internal/scan/reverseReader.js"
import { type DriverStats, runOnBuffer, sweepOptions } from "../helpers/driver.js"

interface Block {
  readonly bytes: Buffer
  readonly fileStart: number
  readonly fileEnd: number
  readonly bufferLength: number
}

/** Runs scanReverse over `file`, recording every block the visitor receives. */
const collect = (file: Buffer, options: ReverseScanOptions, start = 0, end = file.length, stopAfter = Infinity) => {
  const blocks: Array<Block> = []
  const visit: BlockVisitor = (buf, s, e, fileOffset) => {
    blocks.push({
      bytes: Buffer.from(buf.subarray(s, e)),
      fileStart: fileOffset + s,
      fileEnd: fileOffset + e,
      bufferLength: buf.length
    })
    if (blocks.length > 100_000) throw new Error("scan does not terminate")
    return blocks.length >= stopAfter
  }
  const stats: DriverStats = { reads: 0, bytesRead: 0, largestBuffer: 0 }
  const stopped = runOnBuffer(scanReverse(start, end, options, visit), file, stats)
  return { blocks, stats, stopped }
}

/** The lines of `bytes` (each without its `\n`); a final `\n` ends the last line. */
const linesOf = (bytes: Buffer): Array<string> => {
  const text = bytes.toString("latin1")
  if (text === "") return []
  const parts = text.split("\n")
  if (text.endsWith("\n")) parts.pop()
  return parts
}

const files: Record<string, Buffer> = {
  empty: Buffer.alloc(0),
  "one line": Buffer.from("hello\n"),
  "one line, no final newline": Buffer.from("hello"),
  "only newlines": Buffer.from("\n\n\n"),
  "mixed lengths": Buffer.from("a\n\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\ncc\r\nddd\n\n" + "e".repeat(70) + "\nf"),
  "long last line": Buffer.from("x\n" + "y".repeat(90) + "\n"),
  "long first line": Buffer.from("y".repeat(90) + "\nx\n"),
  "long line without final newline": Buffer.from("x\n" + "y".repeat(90)),
  "multi-byte": Buffer.from("é\n€€€\n𝄞𝄞\nnaïve 🎉 name\n\n🎉\n", "utf8")
}

describe("scanReverse", () => {
  for (const [name, file] of Object.entries(files)) {
    it(`delivers every line once, newest first, whole, for any chunking: ${name}`, () => {
      for (const maxLineBytes of [200, 40]) {
        for (const options of sweepOptions(maxLineBytes)) {
          const { blocks, stopped } = collect(file, options)
          expect(stopped).toBe(false)
          // Newest first: block ranges tile the file from the end backwards, minus skipped lines.
          let expectEnd = file.length
          for (const block of blocks) {
            expect(block.fileEnd).toBeLessThanOrEqual(expectEnd)
            // The gap between blocks holds only lines too long to deliver.
            for (const skipped of linesOf(file.subarray(block.fileEnd, expectEnd))) {
              expect(skipped.length).toBeGreaterThan(maxLineBytes)
            }
            // Blocks start at a line start and end at the range end or just past a newline.
            expect(block.fileStart === 0 || file[block.fileStart - 1] === 10).toBe(true)
            expect(block.fileEnd === file.length || file[block.fileEnd - 1] === 10).toBe(true)
            expect(block.bytes.equals(file.subarray(block.fileStart, block.fileEnd))).toBe(true)
            // Never more than a chunk, or one line up to maxLineBytes (plus its newline).
            expect(block.bufferLength).toBeLessThanOrEqual(
              Math.max(options.firstChunkBytes, options.chunkBytes, maxLineBytes + 1)
            )
            expectEnd = block.fileStart
          }
          for (const skipped of linesOf(file.subarray(0, expectEnd))) {
            expect(skipped.length).toBeGreaterThan(maxLineBytes)
          }
          // Every line that fits is delivered.
          const delivered = blocks.flatMap((b) => linesOf(b.bytes).reverse())
          const expected = linesOf(file).filter((l) => l.length <= maxLineBytes).reverse()
          expect(delivered.filter((l) => l.length <= maxLineBytes)).toEqual(expected)
        }
      }
    })
  }

  it("delivers a line longer than a chunk but within maxLineBytes whole", () => {
    const long = "L".repeat(500)
    const file = Buffer.from(`first\n${long}\nlast\n`)
    for (const chunkBytes of [1, 7, 16, 64, 499, 500, 501, 502]) {
      const { blocks } = collect(file, { firstChunkBytes: 3, chunkBytes, maxLineBytes: 500 })
      expect(blocks.flatMap((b) => linesOf(b.bytes).reverse())).toEqual(["last", long, "first"])
    }
  })

  it("skips a line longer than maxLineBytes without ever buffering it", () => {
    const huge = "H".repeat(10_000)
    for (const finalNewline of [true, false]) {
      const file = Buffer.from(`before\n${huge}\nafter${finalNewline ? "\n" : ""}`)
      const hugeLast = Buffer.from(`before\nafter\n${huge}${finalNewline ? "\n" : ""}`)
      for (const f of [file, hugeLast]) {
        for (const chunkBytes of [1, 5, 16, 64]) {
          const options = { firstChunkBytes: 4, chunkBytes, maxLineBytes: 100 }
          const { blocks, stats } = collect(f, options)
          const lines = blocks.flatMap((b) => linesOf(b.bytes))
          expect(lines).not.toContain(huge)
          expect(lines.sort()).toEqual(["after", "before"])
          const bound = Math.max(options.firstChunkBytes, chunkBytes, options.maxLineBytes + 1)
          expect(Math.max(...blocks.map((b) => b.bufferLength))).toBeLessThanOrEqual(bound)
          expect(stats.largestBuffer).toBeLessThanOrEqual(bound)
        }
      }
    }
  })

  it("a line of exactly maxLineBytes is delivered; one byte more is not", () => {
    for (const chunkBytes of [3, 8, 64]) {
      const ok = "k".repeat(50)
      const tooLong = "t".repeat(51)
      const file = Buffer.from(`${ok}\n${tooLong}\n${ok}`)
      const { blocks } = collect(file, { firstChunkBytes: 2, chunkBytes, maxLineBytes: 50 })
      const delivered = blocks.flatMap((b) => linesOf(b.bytes)).filter((l) => l.length <= 50)
      expect(delivered).toEqual([ok, ok])
    }
  })

  it("scans only [start, end) when given a line-aligned range", () => {
    const file = Buffer.from("one\ntwo\nthree\nfour\n")
    const start = 4 // "two"
    const end = 14 // after "three\n"
    for (const options of sweepOptions(100)) {
      const { blocks } = collect(file, options, start, end)
      expect(blocks.flatMap((b) => linesOf(b.bytes).reverse())).toEqual(["three", "two"])
    }
  })

  it("stops as soon as the visitor says so, without reading further", () => {
    const file = Buffer.from(Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n") + "\n")
    const { blocks, stopped, stats } = collect(file, { firstChunkBytes: 16, chunkBytes: 16, maxLineBytes: 100 }, 0, file.length, 1)
    expect(stopped).toBe(true)
    expect(blocks).toHaveLength(1)
    expect(stats.bytesRead).toBe(16)
  })

  it("throws FileShrankError when the file yields fewer bytes than pinned", () => {
    const file = Buffer.from("aaaa\nbbbb\ncccc\n")
    const program = scanReverse(0, file.length + 10, { firstChunkBytes: 4, chunkBytes: 4, maxLineBytes: 100 }, () => false)
    expect(() => runOnBuffer(program, file)).toThrow(FileShrankError)
  })
})

describe("lineStartAtOrAfter", () => {
  it("finds the first line start at or after every position", () => {
    const file = Buffer.from("ab\n\ncde\nf\n" + "g".repeat(40) + "\nh")
    for (const step of [1, 2, 3, 7, 64]) {
      for (let pos = 0; pos <= file.length; pos++) {
        let expected = file.length
        if (pos === 0) expected = 0
        else {
          for (let i = pos; i <= file.length; i++) {
            if (file[i - 1] === 10) {
              expected = i
              break
            }
          }
        }
        expect(runOnBuffer(lineStartAtOrAfter(pos, file.length, step), file)).toBe(expected)
      }
    }
  })
})
