import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import {
  CorruptZstdError,
  type Cursor,
  forEachLine,
  forwardCursor,
  lastLines,
  type LineOptions,
  newestFirstCursor,
  type RawLine
} from "../../src/internal/catalog/rolloutBytes.js"
import { tempDirSync } from "../helpers/codexHome.js"
import { type Block, frame, rawFrame, rawFrames, rleFrame, rolloutSample, skippableFrame } from "../helpers/zstdFrames.js"

const FIXTURE = path.join(import.meta.dirname, "../fixtures/rollout-sample.jsonl.zst")

interface Line {
  readonly offset: number
  readonly text: string | undefined
  readonly terminated: boolean
}

/** The reference: split on `\n`, drop one trailing `\r`, too long by the raw length. */
const naiveLines = (content: Buffer, maxLineBytes: number): Array<Line> => {
  const lines: Array<Line> = []
  for (let start = 0; start < content.length; ) {
    const newline = content.indexOf(10, start)
    const end = newline < 0 ? content.length : newline
    const trimmed = end > start && content[end - 1] === 13 ? end - 1 : end
    const text = end - start > maxLineBytes ? undefined : content.subarray(start, trimmed).toString("latin1")
    lines.push({ offset: start, text, terminated: newline >= 0 })
    start = end + 1
  }
  return lines
}

const textOf = (bytes: Buffer | undefined) => bytes?.toString("latin1")
const fromRaw = (line: RawLine): Line => ({ offset: line.offset, text: textOf(line.bytes), terminated: line.terminated })

const withFile = <A>(bytes: Uint8Array, f: (fd: number) => A): A => {
  const file = path.join(tempDirSync("si-rollout-"), "rollout.jsonl")
  fs.writeFileSync(file, bytes)
  const fd = fs.openSync(file, "r")
  try {
    return f(fd)
  } finally {
    fs.closeSync(fd)
  }
}

const forward = (fd: number, compressed: boolean, options: LineOptions, stopAfter = Infinity) => {
  const seen: Array<{ offset: number; text: string | undefined }> = []
  forEachLine(fd, compressed, options, (line, offset) => {
    seen.push({ offset, text: textOf(line) })
    return seen.length < stopAfter
  })
  return seen
}

const drain = (cursor: Cursor): Array<Line> => {
  const lines: Array<Line> = []
  for (let batch = cursor(); batch !== undefined; batch = cursor()) lines.push(...batch.map(fromRaw))
  return lines
}

const newestFirst = (fd: number, compressed: boolean, options: LineOptions, batchLines?: number): Array<Line> =>
  drain(newestFirstCursor(fd, compressed, options, batchLines))

const withoutTerminated = (lines: ReadonlyArray<Line>) => lines.map(({ offset, text }) => ({ offset, text }))

/** Bytes this process has read through `read`-like calls so far (Linux). */
const bytesReadByProcess = (): number => Number(/rchar: (\d+)/.exec(fs.readFileSync("/proc/self/io", "utf8"))![1])
/** What reading /proc/self/io adds to the count. */
const SLACK = 4096

const lineText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: fc.constantFrom("a", "b", "\r", " ", "é", "{"), maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom("x", "\r"), minLength: 20, maxLength: 90 }) }
)
const content = fc
  .record({ lines: fc.array(lineText, { maxLength: 30 }), finalNewline: fc.boolean() })
  .map(({ lines, finalNewline }) => Buffer.from(lines.join("\n") + (finalNewline && lines.length > 0 ? "\n" : ""), "utf8"))
const options = fc.record(
  { maxLineBytes: fc.integer({ min: 0, max: 60 }), chunkBytes: fc.integer({ min: 1, max: 70 }), keepLineBytes: fc.integer({ min: 0, max: 80 }) },
  { requiredKeys: ["maxLineBytes", "chunkBytes"] }
)

describe("rolloutBytes: plain files", () => {
  it.prop("forward, newest first and the last lines all equal a naive split, for any chunking", { content, options }, ({ content, options }) => {
    const expected = naiveLines(content, options.maxLineBytes)
    withFile(content, (fd) => {
      expect(forward(fd, false, options)).toEqual(withoutTerminated(expected))
      expect(drain(forwardCursor(fd, false, options))).toEqual(expected)
      expect(newestFirst(fd, false, options)).toEqual([...expected].reverse())
      for (const count of [0, 1, 3, 100]) {
        expect(lastLines(fd, false, count, options).map(fromRaw)).toEqual(expected.slice(Math.max(0, expected.length - count)).reverse())
      }
    })
  }, { fastCheck: { numRuns: 300 } })

  const examples: Record<string, [string, number, Array<string | undefined>]> = {
    "CRLF": ["a\r\nb\r\n", 10, ["a", "b"]],
    "a lone \\r, and one inside a line": ["\r\na\rb\r\r\n", 10, ["", "a\rb\r"]],
    "empty lines": ["\n\na\n\n", 10, ["", "", "a", ""]],
    "no trailing newline": ["a\nbc", 10, ["a", "bc"]],
    "over-long line first": ["x".repeat(50) + "\na\n", 10, [undefined, "a"]],
    "over-long line in the middle": ["a\n" + "x".repeat(50) + "\nb", 10, ["a", undefined, "b"]],
    "over-long last line without newline": ["a\n" + "x".repeat(50), 10, ["a", undefined]],
    "the limit counts the \\r": ["abc\r\nab\r\n", 3, [undefined, "ab"]]
  }
  for (const [name, [text, maxLineBytes, expected]] of Object.entries(examples)) {
    it(name, () =>
      withFile(Buffer.from(text), (fd) => {
        for (const chunkBytes of [1, 2, 3, 7, 64]) {
          expect(forward(fd, false, { maxLineBytes, chunkBytes }).map((line) => line.text)).toEqual(expected)
          // Lines past 2 bytes read again whole once their end is found.
          expect(forward(fd, false, { maxLineBytes, chunkBytes, keepLineBytes: 2 }).map((line) => line.text)).toEqual(expected)
          expect(newestFirst(fd, false, { maxLineBytes, chunkBytes }).map((line) => line.text)).toEqual([...expected].reverse())
        }
      }))
  }

  it("an unfinished last line is marked, so readers can hold back a line still being written", () =>
    withFile(Buffer.from("a\nb"), (fd) => {
      expect(lastLines(fd, false, 2, { maxLineBytes: 10 }).map((line) => line.terminated)).toEqual([false, true])
    }))

  it("a head read of a 30 GB (sparse) rollout reads one small chunk, and its tail about one more", () => {
    const file = path.join(tempDirSync("si-rollout-"), "huge.jsonl")
    const head = Buffer.from('{"type":"session_meta"}\n{"type":"event_msg"}\n{"type":"response_item"}\n')
    const size = 30 * 1024 ** 3
    fs.writeFileSync(file, head)
    fs.truncateSync(file, size - 100)
    fs.appendFileSync(file, "\n" + "t".repeat(98) + "\n")
    const fd = fs.openSync(file, "r")
    try {
      const before = bytesReadByProcess()
      expect(forward(fd, false, { maxLineBytes: 1 << 20 }, 2).map((line) => line.text)).toEqual(['{"type":"session_meta"}', '{"type":"event_msg"}'])
      const afterHead = bytesReadByProcess()
      expect(afterHead - before).toBeLessThanOrEqual(64 * 1024 + SLACK)
      expect(lastLines(fd, false, 1, { maxLineBytes: 1 << 20 }).map(fromRaw)).toEqual([{ offset: size - 99, text: "t".repeat(98), terminated: true }])
      expect(bytesReadByProcess() - afterHead).toBeLessThanOrEqual(64 * 1024 + SLACK)
    } finally {
      fs.closeSync(fd)
    }
  })

  it("reads grow from 64 KiB: stopping on a line near 150 KB reads 64 + 128 KiB", () => {
    const lines = Array.from({ length: 1500 }, (_, i) => `${String(i).padStart(99, "0")}`)
    withFile(Buffer.from(lines.join("\n") + "\n" + "z".repeat(4 << 20)), (fd) => {
      const before = bytesReadByProcess()
      expect(forward(fd, false, { maxLineBytes: 1 << 20 }, 1500).length).toBe(1500)
      const read = bytesReadByProcess() - before
      expect(read).toBeGreaterThanOrEqual(150_000)
      expect(read).toBeLessThanOrEqual(192 * 1024 + SLACK)
    })
  })

  it("an over-long line is skipped, not buffered, and the lines after it still come", () =>
    withFile(Buffer.from("a\n" + "x".repeat(8 << 20) + "\nb\n"), (fd) => {
      expect(forward(fd, false, { maxLineBytes: 1024 })).toEqual([
        { offset: 0, text: "a" },
        { offset: 2, text: undefined },
        { offset: 2 + (8 << 20) + 1, text: "b" }
      ])
      expect(newestFirst(fd, false, { maxLineBytes: 1024, chunkBytes: 4096 }).map((line) => line.text)).toEqual(["b", undefined, "a"])
    }))

  it("a FIFO opened with O_NONBLOCK fails at the first read instead of blocking (ESPIPE)", () => {
    const fifo = path.join(tempDirSync("si-rollout-"), "rollout.jsonl")
    execFileSync("mkfifo", [fifo])
    const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)
    try {
      expect(() => forward(fd, false, { maxLineBytes: 100 })).toThrow(expect.objectContaining({ code: "ESPIPE" }))
      expect(() => forward(fd, true, { maxLineBytes: 100 })).toThrow(expect.objectContaining({ code: "ESPIPE" }))
    } finally {
      fs.closeSync(fd)
    }
  })

  it("a directory throws the system's EISDIR", () => {
    const fd = fs.openSync(tempDirSync("si-rollout-"), "r")
    try {
      expect(() => forward(fd, false, { maxLineBytes: 100 })).toThrow(expect.objectContaining({ code: "EISDIR" }))
    } finally {
      fs.closeSync(fd)
    }
  })
})

describe("rolloutBytes: zstd", () => {
  const zstdContent = fc.record({
    content,
    blockSizes: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
    cuts: fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 3 }),
    skippable: fc.boolean()
  })

  it.prop("Raw blocks and frames cut anywhere read as the plain content, for any chunking", { file: zstdContent, options }, ({ file, options }) => {
    const frames = rawFrames(file.content, file.cuts, file.blockSizes)
    const compressed = file.skippable ? Buffer.concat([skippableFrame(Buffer.from("skip me\n")), frames, skippableFrame(Buffer.alloc(3))]) : frames
    const expected = naiveLines(file.content, options.maxLineBytes)
    withFile(compressed, (fd) => {
      expect(forward(fd, true, options)).toEqual(withoutTerminated(expected))
      expect(drain(forwardCursor(fd, true, options))).toEqual(expected)
      expect(newestFirst(fd, true, options, 4)).toEqual([...expected].reverse())
      expect(lastLines(fd, true, 3, options).map(fromRaw)).toEqual(expected.slice(Math.max(0, expected.length - 3)).reverse())
    })
  }, { fastCheck: { numRuns: 300 } })

  it("a file compressed by the zstd CLI (and two such frames back to back)", () => {
    const sample = Buffer.from(rolloutSample())
    const real = fs.readFileSync(FIXTURE)
    const options = { maxLineBytes: 1 << 20 }
    withFile(real, (fd) => {
      expect(forward(fd, true, options)).toEqual(withoutTerminated(naiveLines(sample, options.maxLineBytes)))
      expect(lastLines(fd, true, 2, options).map((line) => line.offset)).toEqual(naiveLines(sample, 1 << 20).slice(-2).reverse().map((line) => line.offset))
    })
    const twice = Buffer.concat([sample, sample])
    withFile(Buffer.concat([real, real]), (fd) => {
      expect(forward(fd, true, options)).toEqual(withoutTerminated(naiveLines(twice, options.maxLineBytes)))
      expect(newestFirst(fd, true, options, 1000)).toEqual(naiveLines(twice, options.maxLineBytes).reverse())
    })
  })

  it("a head read stops inside the decompressor: 2 GB of RLE after the head cost nothing", () => {
    const head = rawFrame(Buffer.from('{"type":"session_meta"}\n{"type":"event_msg"}\n'))
    withFile(Buffer.concat([head, rleFrame(0x78, 2 * 1024 ** 3)]), (fd) => {
      const before = bytesReadByProcess()
      expect(forward(fd, true, { maxLineBytes: 1 << 20 }, 2).map((line) => line.text)).toEqual(['{"type":"session_meta"}', '{"type":"event_msg"}'])
      expect(bytesReadByProcess() - before).toBeLessThanOrEqual(64 * 1024 + SLACK)
    })
  })

  it("a step hands out about 1 MiB of lines however well the data compressed", () => {
    // 6,000 lines of 1,000 bytes from 48 KB: one read holds them all.
    const blocks = Array.from({ length: 6000 }, (): Array<Block> => [{ byte: 0x78, count: 1000 }, Buffer.from("\n")]).flat()
    withFile(frame(blocks), (fd) => {
      const cursor = forwardCursor(fd, true, { maxLineBytes: 1 << 20 })
      const sizes: Array<number> = []
      for (let batch = cursor(); batch !== undefined; batch = cursor()) sizes.push(batch.length)
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(6000)
      // A step stops once 1 MiB came out (1,048 lines); the 4 KiB slice of input that passes
      // it adds at most 512 more.
      expect(Math.max(...sizes)).toBeLessThanOrEqual(1048 + 512)
    })
  })

  it("a huge decompressed line is skipped in bounded memory", () =>
    withFile(Buffer.concat([rawFrame(Buffer.from("a\n")), rleFrame(0x78, 64 << 20), rawFrame(Buffer.from("\nb"))]), (fd) => {
      expect(forward(fd, true, { maxLineBytes: 1024 })).toEqual([
        { offset: 0, text: "a" },
        { offset: 2, text: undefined },
        { offset: 2 + (64 << 20) + 1, text: "b" }
      ])
    }))

  const corrupt = (bytes: Buffer, name: string) =>
    it(`${name} throws CorruptZstdError`, () =>
      withFile(bytes, (fd) => {
        expect(() => forward(fd, true, { maxLineBytes: 1 << 20 })).toThrow(CorruptZstdError)
        expect(() => lastLines(fd, true, 5, { maxLineBytes: 1 << 20 })).toThrow(CorruptZstdError)
      }))
  const real = fs.readFileSync(FIXTURE)
  corrupt(Buffer.from('{"type":"session_meta"}\n'), "plain text")
  corrupt(real.subarray(0, 3), "a truncated magic number")
  corrupt(real.subarray(0, 10), "a truncated frame header")
  corrupt(real.subarray(0, real.length >> 1), "a frame cut in the middle")
  corrupt(real.subarray(0, real.length - 2), "a frame missing part of its checksum")
  corrupt(Buffer.concat([real, Buffer.from([0x28, 0xb5])]), "garbage after a valid frame")

  it.prop("flipped bytes give the content, other content, or CorruptZstdError: nothing else", {
    flips: fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 })
  }, ({ flips }) => {
    const damaged = Buffer.from(real)
    for (const { at, xor } of flips) damaged[at % damaged.length]! ^= xor
    withFile(damaged, (fd) => {
      try {
        forward(fd, true, { maxLineBytes: 1 << 20 })
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptZstdError)
      }
    })
  }, { fastCheck: { numRuns: 200 } })
})
