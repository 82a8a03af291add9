/**
 * Compaction as Codex sees it: how long `compact()` holds the writer lock at most, observed
 * from another process that polls the lock with LOCK_NB (Codex polls every ~50 ms and gives a
 * rename up after ~30 s), while an appender keeps renaming threads; and how soon an
 * interrupted compaction lets go. The baseline is the whole compaction: a rewrite that held
 * the lock while it copied (the design this replaced) holds it that long.
 */
import { Effect, Fiber, ManagedRuntime } from "effect"
import { spawn } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { IndexReader, IndexWriter } from "session-index"
import { layerWith } from "../dist/internal/layer.js"

/**
 * A child polling the lock every ~0.5 ms: the longest stretch between a refused attempt and
 * the next granted one is the longest hold anyone else saw (to within a poll).
 */
const WATCHER = `
const fs = require("node:fs")
const { flockSync } = require(process.argv[2])
const fd = fs.openSync(process.argv[1], "a")
const pause = new Int32Array(new SharedArrayBuffer(4))
let busySince, longest = 0, holds = 0, stop = false
process.on("SIGTERM", () => (stop = true))
const poll = () => {
  for (let i = 0; i < 200 && !stop; i++) {
    try {
      flockSync(fd, "exnb")
      flockSync(fd, "un")
      if (busySince !== undefined) {
        longest = Math.max(longest, performance.now() - busySince)
        holds++
        busySince = undefined
      }
    } catch {
      if (busySince === undefined) busySince = performance.now()
    }
    Atomics.wait(pause, 0, 0, 0.5)
  }
  if (stop) process.stdout.write(JSON.stringify({ longestMs: longest, holds }) + "\\n")
  else setImmediate(poll)
}
poll()
`

const watchLock = (lockPath: string) => {
  const binding = path.join(path.dirname(fileURLToPath(import.meta.url)), "../node_modules/fs-ext-extra-prebuilt")
  const child = spawn(process.execPath, ["-e", WATCHER, lockPath, binding], { stdio: ["ignore", "pipe", "inherit"] })
  let out = ""
  child.stdout.on("data", (d: Buffer) => (out += d.toString()))
  return {
    stop: () =>
      new Promise<{ longestMs: number; holds: number }>((resolve, reject) => {
        child.once("exit", () => {
          try {
            resolve(JSON.parse(out))
          } catch {
            reject(new Error(`lock watcher: ${out}`))
          }
        })
        child.kill("SIGTERM")
      })
  }
}

export interface CompactionResult {
  readonly compactMs: number
  readonly longestHoldMs: number
  readonly holds: number
  readonly appendsDuring: number
  readonly linesBefore: number
  readonly linesAfter: number
  readonly peakRssMiB: number
  /** [ms into the compaction when interrupted, ms until the interrupted fiber was done] */
  readonly interrupts: ReadonlyArray<readonly [number, number]>
}

const copyIndex = (file: string, home: string) => {
  fs.rmSync(home, { recursive: true, force: true })
  fs.mkdirSync(home, { recursive: true })
  fs.copyFileSync(file, path.join(home, "session_index.jsonl"))
}

export const benchCompaction = async (file: string, scratch: string, progress: (text: string) => void): Promise<CompactionResult> => {
  copyIndex(file, scratch)
  const runtime = ManagedRuntime.make(layerWith({ codexHome: scratch, workers: 0 }))
  const baselineRss = process.memoryUsage().rss
  let peakRss = baselineRss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)
  try {
    progress("compaction: lock held at most")
    const watcher = watchLock(path.join(scratch, "session_index.jsonl.lock"))
    await new Promise((resolve) => setTimeout(resolve, 200))
    let appendsDuring = 0
    let compacting = true
    const renamed = Array.from({ length: 50 }, () => crypto.randomUUID())
    // Renames keep arriving while it runs: the catch-up and the locked tail have work to do.
    const appender = runtime.runPromise(
      Effect.flatMap(IndexWriter, (writer) =>
        Effect.whileLoop({
          while: () => compacting,
          body: () =>
            Effect.zipRight(writer.appendThreadName(renamed[appendsDuring % renamed.length]!, `renamed ${appendsDuring}`), Effect.sleep("5 millis")),
          step: () => void appendsDuring++
        })
      )
    )
    const started = performance.now()
    const stats = await runtime.runPromise(Effect.flatMap(IndexWriter, (writer) => writer.compact()))
    const compactMs = performance.now() - started
    compacting = false
    await appender
    const seen = await watcher.stop()
    clearInterval(sampler)
    // Every rename made during the compaction is the thread's name after it.
    const found = await runtime.runPromise(Effect.flatMap(IndexReader, (reader) => reader.findNamesByIds(renamed)))
    for (let k = Math.max(0, appendsDuring - renamed.length); k < appendsDuring; k++) {
      if (found.get(renamed[k % renamed.length]! as never) !== `renamed ${k}`) throw new Error(`compaction lost the rename "renamed ${k}"`)
    }

    const interrupts: Array<readonly [number, number]> = []
    for (const after of [Math.round(compactMs * 0.1), Math.round(compactMs * 0.5), Math.round(compactMs * 0.9)]) {
      progress(`compaction: interrupted after ${after} ms`)
      copyIndex(file, scratch)
      const before = fs.statSync(path.join(scratch, "session_index.jsonl"))
      const fiber = runtime.runFork(Effect.flatMap(IndexWriter, (writer) => writer.compact()))
      await new Promise((resolve) => setTimeout(resolve, after))
      const asked = performance.now()
      await runtime.runPromise(Fiber.interrupt(fiber))
      interrupts.push([after, performance.now() - asked])
      const now = fs.statSync(path.join(scratch, "session_index.jsonl"))
      const temps = fs.readdirSync(scratch).filter((n) => n.endsWith(".tmp"))
      if (temps.length > 0 || (now.ino === before.ino && now.size !== before.size)) throw new Error("an interrupted compaction left a temp file or a changed index")
    }
    return {
      compactMs,
      longestHoldMs: seen.longestMs,
      holds: seen.holds,
      appendsDuring,
      linesBefore: stats.linesBefore,
      linesAfter: stats.linesAfter,
      peakRssMiB: (peakRss - baselineRss) / 1048576,
      interrupts
    }
  } finally {
    clearInterval(sampler)
    await runtime.dispose()
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}
