import { describe, expect, it } from "@effect/vitest"
import { currentNames } from "../../src/internal/scan/programs.js"
import { defaultScanOptions, type ReverseScanOptions } from "../../src/internal/scan/reverseReader.js"
import { coreLatest, coreNames, coreThreadsNamed } from "../helpers/core.js"
import { runOnBuffer, sweepOptions } from "../helpers/driver.js"
import { canonical, fileOf, ID, uuidN } from "../helpers/lines.js"
import { allIds, f, g, h, i, j, MAX, names, rulesFile } from "../helpers/rulesFile.js"
import { Model } from "../helpers/model.js"

describe("scan core over the rules file", () => {
  const model = Model.fromBytes(rulesFile, MAX)

  it("the model reads the file as SPEC.md says", () => {
    expect(Object.fromEntries(model.namesOf(allIds))).toEqual({
      [ID.a]: "a reordered",
      [ID.b]: "b upper",
      [ID.c]: "fix",
      [ID.d]: ID.c,
      [ID.e]: "e padded",
      [f]: "fix",
      [g]: "other",
      [h]: "h short",
      [i]: "naïve 🎉 名前 €€€ 𝄞",
      [j]: "last",
      [uuidN(12)]: "fix"
    })
    expect(model.threadsNamed("fix").map((e) => e.id)).toEqual([uuidN(12), ID.c, f])
  })

  it("currentNames equals the model for every chunking", () => {
    for (const options of sweepOptions(MAX)) {
      expect(coreNames(rulesFile, allIds, options)).toEqual(model.namesOf(allIds))
      for (const id of allIds) {
        expect(coreNames(rulesFile, [id], options)).toEqual(model.namesOf([id]))
      }
    }
  })

  it("threadsNamed equals the model for every chunking", () => {
    for (const options of sweepOptions(MAX)) {
      for (const name of names) {
        const expected = model.threadsNamed(name).map(({ id, name, updatedAt }) => ({ id, name, updatedAt }))
        expect(coreThreadsNamed(rulesFile, name, false, options)).toEqual(expected)
        expect(coreThreadsNamed(rulesFile, name, true, options)).toEqual(expected.slice(0, 1))
      }
    }
  })

  it("the latest-per-id stream equals the model for every chunking, within the buffer bound", () => {
    const expected = model.latest().map(({ id, name, updatedAt }) => ({ id, name, updatedAt }))
    for (const options of sweepOptions(MAX)) {
      const bound = Math.max(options.firstChunkBytes, options.chunkBytes, MAX + 1)
      expect(coreLatest(rulesFile, options, (n) => expect(n).toBeLessThanOrEqual(bound))).toEqual(expected)
    }
  })

  it("chunk boundaries at every byte of a line with multi-byte characters", () => {
    const name = "é€𝄞🎉 ü"
    const file = fileOf([canonical(ID.a, "before"), canonical(ID.b, name), canonical(ID.c, "after")])
    const lineStart = file.indexOf("\n") + 1
    const lineEnd = file.indexOf("\n", lineStart)
    // Choose the first chunk so the boundary falls at every offset inside the line.
    for (let cut = lineStart; cut <= lineEnd; cut++) {
      for (const chunkBytes of [1, 2, 3, 5, 64]) {
        const options = { firstChunkBytes: file.length - cut, chunkBytes, maxLineBytes: MAX }
        expect(coreNames(file, [ID.a, ID.b, ID.c], options)).toEqual(
          new Map([[ID.a, "before"], [ID.b, name], [ID.c, "after"]])
        )
        expect(coreThreadsNamed(file, name, true, options).map((e) => e.id)).toEqual([ID.b])
        expect(coreLatest(file, options).map((e) => e.name)).toEqual(["after", name, "before"])
      }
    }
  })
})

describe("long lines", () => {
  const long = canonical(ID.b, "n".repeat(300))

  it("a line longer than chunkBytes but within maxLineBytes is found", () => {
    const file = fileOf([canonical(ID.a, "a"), long, canonical(ID.c, "c")])
    for (const chunkBytes of [1, 4, 16, 64]) {
      const options = { firstChunkBytes: 3, chunkBytes, maxLineBytes: long.length }
      expect(coreNames(file, [ID.b], options)).toEqual(new Map([[ID.b, "n".repeat(300)]]))
      expect(coreThreadsNamed(file, "n".repeat(300), false, options).map((e) => e.id)).toEqual([ID.b])
      expect(coreLatest(file, options).map((e) => e.id)).toEqual([ID.c, ID.b, ID.a])
    }
  })

  it("a line longer than maxLineBytes is skipped without being buffered", () => {
    expect(long.length).toBeGreaterThan(150)
    const file = fileOf([canonical(ID.b, "older"), canonical(ID.a, "a"), long, canonical(ID.c, "c")])
    for (const chunkBytes of [1, 4, 16, 64]) {
      const options = { firstChunkBytes: 3, chunkBytes, maxLineBytes: 150 }
      const stats = { reads: 0, bytesRead: 0, largestBuffer: 0 }
      expect(coreNames(file, [ID.b], options, stats)).toEqual(new Map([[ID.b, "older"]]))
      expect(stats.largestBuffer).toBeLessThanOrEqual(Math.max(chunkBytes, 3, 151))
      expect(coreThreadsNamed(file, "n".repeat(300), false, options)).toEqual([])
      expect(coreThreadsNamed(file, "older", false, options).map((e) => e.id)).toEqual([ID.b])
      const bound = Math.max(chunkBytes, 3, 151)
      expect(coreLatest(file, options, (n) => expect(n).toBeLessThanOrEqual(bound)).map((e) => e.name)).toEqual([
        "c",
        "a",
        "older"
      ])
    }
  })
})

describe("currentNames", () => {
  it("stops reading once every wanted id is answered", () => {
    const filler = Array.from({ length: 2000 }, (_, n) => canonical(uuidN(n, 1), `filler ${n}`))
    const file = fileOf([...filler, canonical(ID.a, "near the end"), canonical(ID.b, "last")])
    const options = { firstChunkBytes: 256, chunkBytes: 256, maxLineBytes: 1000 }
    const stats = { reads: 0, bytesRead: 0, largestBuffer: 0 }
    expect(coreNames(file, [ID.a, ID.b], options, stats)).toEqual(new Map([[ID.a, "near the end"], [ID.b, "last"]]))
    expect(stats.bytesRead).toBeLessThanOrEqual(512)
  })

  it("asks for nothing when no ids are wanted", () => {
    const file = fileOf([canonical(ID.a, "a")])
    const stats = { reads: 0, bytesRead: 0, largestBuffer: 0 }
    expect(coreNames(file, [], defaultScanOptions, stats)).toEqual(new Map())
    expect(stats.reads).toBe(0)
  })

  it("finds an id wherever it sits in a block, across the halves the search splits it into", () => {
    // One block per file; as the filler before the line grows by a byte, the id's start moves by
    // one and the block's middle by half: every offset from the middle, both sides, is tried.
    const options = { firstChunkBytes: 1 << 20, chunkBytes: 1 << 20, maxLineBytes: 1 << 20 }
    for (let k = 0; k < 420; k++) {
      for (const written of [ID.a, ID.a.toUpperCase()]) {
        for (const after of [["y".repeat(300)], []]) {
          const file = fileOf(["x".repeat(k), canonical(written, "found"), ...after])
          expect(coreNames(file, [ID.a], options), `filler ${k}, ${written}`).toEqual(new Map([[ID.a, "found"]]))
        }
      }
    }
  })

  it("a long line repeating wanted ids' text is parsed once, and answers only its own id", () => {
    // 4 MiB of ID.b's text in ID.a's name: every 36 bytes a true match, none of them ID.b's entry.
    const repeated = ID.b.repeat(116_000)
    const file = fileOf([canonical(ID.b, "b's own"), canonical(ID.a, repeated), canonical(ID.c, "after")])
    const options = { firstChunkBytes: 64 * 1024, chunkBytes: 1 << 20, maxLineBytes: 8 << 20 }
    expect(coreNames(file, [ID.a, ID.b], options)).toEqual(new Map([[ID.a, repeated], [ID.b, "b's own"]]))
  })

  it("reports the offset of the line carrying the current name", () => {
    const first = canonical(ID.a, "one")
    const file = fileOf([first, canonical(ID.a, " "), canonical(ID.b, "b")])
    const found = runOnBuffer(currentNames([ID.a], 0, file.length, defaultScanOptions), file)
    expect(found.get(ID.a)?.offset).toBe(0)
  })
})

describe("threadsNamed over windows larger than the first", () => {
  // More than 1 MiB, so the name scan goes through several doubling windows.
  const fillerCount = 40_000
  const lines: Array<string> = []
  lines.push(canonical(ID.a, "target")) // oldest: still current
  lines.push(canonical(ID.b, "target")) // renamed away near the end
  lines.push(canonical(ID.c, "elsewhere"))
  for (let n = 0; n < fillerCount; n++) {
    lines.push(canonical(uuidN(n, 2), n === fillerCount / 2 ? "target" : `filler ${n}`))
    if (n === fillerCount / 4) lines.push(canonical(ID.c, "target")) // current, mid-file
    if (n === (3 * fillerCount) / 4) lines.push(canonical(ID.d, "target")) // renamed to blank later: stays
  }
  lines.push(canonical(ID.d, "   "))
  lines.push(canonical(ID.b, "renamed"))
  const file = fileOf(lines)
  const model = Model.fromBytes(file)

  it("finds every thread currently named, newest first, and not renamed ones", () => {
    expect(file.length).toBeGreaterThan(3 * 1024 * 1024)
    const options: ReverseScanOptions = { firstChunkBytes: 4096, chunkBytes: 65536, maxLineBytes: 1024 }
    const expected = model.threadsNamed("target").map((e) => e.id)
    expect(expected).toEqual([ID.d, uuidN(fillerCount / 2, 2), ID.c, ID.a])
    expect(coreThreadsNamed(file, "target", false, options).map((e) => e.id)).toEqual(expected)
    expect(coreThreadsNamed(file, "target", true, options).map((e) => e.id)).toEqual([ID.d])
    expect(coreThreadsNamed(file, "renamed", true, options).map((e) => e.id)).toEqual([ID.b])
    expect(coreThreadsNamed(file, "elsewhere", false, options)).toEqual([])
    expect(coreThreadsNamed(file, "absent", false, options)).toEqual([])
  })
})
