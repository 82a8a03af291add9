/**
 * 4. An app bundled by esbuild (ESM output, platform node), run against an index above the pool
 * threshold (256 MiB) with `workers: 2`. Bundling session-index leaves its worker entry behind,
 * so scans fall back to in-process with one warning; keeping the dependencies external keeps the
 * workers. Every variant must answer exactly, within 10 s, and still take the lock on appends.
 */
import { build, type BuildOptions } from "esbuild"
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { APP_TS } from "./apps.js"
import {
  describeRun,
  expectLockedAppend,
  expectSuccess,
  INDEX,
  projectFromBase,
  occurrences,
  resultOf,
  run,
  runHoldingLock
} from "./helpers.js"

const MiB = 1024 * 1024
const THRESHOLD = 256 * MiB // the layer's default parallelThresholdBytes (not public)

interface LargeIndex {
  readonly first: string // only on the first line: found only by scanning the whole file
  readonly renamed: string // "old name" on line 2, "new name" in the middle
  readonly missing: string
  readonly bytes: number
  readonly ms: number
}

/**
 * An index just above the threshold, cheaply: a 4 MiB block of distinct entries written over
 * and over (its ids repeat, with the same names), around a few lines whose answers are known.
 */
const writeLargeIndex = (file: string, minBytes: number): LargeIndex => {
  const started = performance.now()
  const line = (id: string, name: string) => JSON.stringify({ id, thread_name: name, updated_at: "2025-01-14T21:06:22.384Z" }) + "\n"
  const first = randomUUID()
  const renamed = randomUUID()
  const lines: Array<string> = []
  for (let size = 0; size < 4 * MiB; ) {
    const next = line(randomUUID(), `filler ${lines.length}`)
    lines.push(next)
    size += next.length
  }
  const block = Buffer.from(lines.join(""))
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const fd = fs.openSync(file, "w")
  try {
    fs.writeSync(fd, line(first, "first line name") + line(renamed, "old name"))
    const blocks = Math.ceil(minBytes / block.length)
    for (let i = 0; i < blocks; i++) {
      fs.writeSync(fd, block)
      if (i === Math.floor(blocks / 2)) fs.writeSync(fd, line(renamed, "new name"))
    }
    fs.writeSync(fd, line(randomUUID(), "the newest"))
  } finally {
    fs.closeSync(fd)
  }
  return { first, renamed, missing: randomUUID(), bytes: fs.statSync(file).size, ms: performance.now() - started }
}

describe("esbuild bundle, index above the pool threshold", () => {
  const consumers = inject("consumers")
  let dir: string
  let big: string
  let index: LargeIndex

  beforeAll(() => {
    dir = projectFromBase(consumers, "esbuild-bundle", { type: "module" }, { "src/app.ts": APP_TS })
    big = path.join(dir, "big-home")
    index = writeLargeIndex(path.join(big, INDEX), THRESHOLD + 4 * MiB)
    console.log(`esbuild-bundle: wrote a ${(index.bytes / MiB).toFixed(1)} MiB index in ${Math.round(index.ms)} ms`)
  })

  afterAll(() => {
    if (big !== undefined) fs.rmSync(big, { recursive: true, force: true })
  })

  const bundle = async (label: string, options: BuildOptions) => {
    const outfile = path.join(dir, "out", `${label}.mjs`)
    const started = performance.now()
    const result = await build({
      absWorkingDir: dir,
      entryPoints: ["src/app.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile,
      logLevel: "silent",
      ...options
    })
    expect(result.errors).toEqual([])
    console.log(
      `esbuild-bundle: ${label}: ${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB in ${Math.round(performance.now() - started)} ms` +
        (result.warnings.length > 0 ? `, warnings: ${result.warnings.map((w) => w.text).join("; ")}` : "")
    )
    return outfile
  }

  const scan = async (outfile: string) => {
    expect(index.bytes).toBeGreaterThan(THRESHOLD)
    const ran = await run(process.execPath, [outfile, "scan", big, index.first, index.renamed, index.missing, "first line name"], {
      cwd: dir,
      timeoutMs: 30_000
    })
    expectSuccess(ran)
    expect(ran.ms, `the scan run took ${Math.round(ran.ms)} ms\n${describeRun(ran)}`).toBeLessThan(10_000)
    const result = resultOf<Record<string, unknown> & { scanMs: number }>(ran)
    expect(result).toMatchObject({
      first: "first line name",
      renamed: "new name",
      missing: null,
      batch: { [index.first]: "first line name", [index.renamed]: "new name" },
      byName: index.first,
      internal: "ERR_PACKAGE_PATH_NOT_EXPORTED"
    })
    expect(Object.keys(result["batch"] as object)).toHaveLength(2)
    console.log(`esbuild-bundle: ${path.basename(outfile)}: scan run ${Math.round(ran.ms)} ms (lookups ${Math.round(result.scanMs)} ms)`)
    return ran
  }

  const append = async (outfile: string, label: string) => {
    const home = path.join(dir, `home-${label}`)
    const id = randomUUID()
    const name = `bundle ${label}`
    const ran = await runHoldingLock(process.execPath, [outfile, "append", home, id, name], { cwd: dir, home, name })
    expectLockedAppend(ran, { home, id, name })
  }

  const fallback = "session-index: scanning in-process: the worker entry"

  it("everything bundled (effect and @effect/* inside): in-process fallback, warned once, exact answers", async () => {
    const outfile = await bundle("all-bundled", {})
    const ran = await scan(outfile)
    const output = ran.stdout + ran.stderr
    expect(occurrences(output, "scanning in-process"), describeRun(ran)).toBe(1)
    expect(output).toContain(`${fallback} ${path.join(dir, "out", "entry.js")} is missing (was the package bundled?)`)
    await append(outfile, "all-bundled")
  })

  it("session-index bundled, effect and @effect/* external: in-process fallback, warned once, exact answers", async () => {
    const outfile = await bundle("effect-external", { external: ["effect", "@effect/*"] })
    const ran = await scan(outfile)
    expect(occurrences(ran.stdout + ran.stderr, "scanning in-process"), describeRun(ran)).toBe(1)
    await append(outfile, "effect-external")
  })

  it("dependencies external (packages: external): the worker pool runs, no warning, exact answers", async () => {
    const outfile = await bundle("packages-external", { packages: "external" })
    const ran = await scan(outfile)
    expect(ran.stdout + ran.stderr, describeRun(ran)).not.toContain("scanning in-process")
    await append(outfile, "packages-external")
  })
})
