/**
 * Taking turns with Codex: Codex 0.169 polls the lock with LOCK_NB about every 50 ms and drops
 * a rename after ~30 s of failures. While many fibers append as fast as they can, such a
 * poller must still get the lock within a second. (That queued appends go out in one write is
 * shown deterministically in interrupt.test.ts.)
 */
import { it } from "@effect/vitest"
import { Clock, Effect, Ref } from "effect"
import { spawn } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader, IndexWriter } from "../../src/index.js"
import { layerWith } from "../../src/internal/layer.js"
import { withTempDir } from "../helpers/codexHome.js"
import { faultyFileSystem } from "../helpers/faultyFs.js"

/** Polls like Codex: LOCK_EX|LOCK_NB, 50 ms apart; holds each win 2 ms; reports its waits. */
const POLLER = `
import fcntl, json, os, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
end = time.monotonic() + seconds
waits = []
while time.monotonic() < end:
    started = time.monotonic()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            time.sleep(0.05)
    waits.append(time.monotonic() - started)
    time.sleep(0.002)
    fcntl.flock(fd, fcntl.LOCK_UN)
    time.sleep(0.05)
print(json.dumps({"wins": len(waits), "maxWaitMs": round(max(waits) * 1000)}), flush=True)
`

const poll = (lockPath: string, seconds: number) =>
  new Promise<{ wins: number; maxWaitMs: number }>((resolve, reject) => {
    const child = spawn("python3", ["-c", POLLER, lockPath, String(seconds)])
    let out = ""
    child.stdout.on("data", (d: Buffer) => (out += d.toString()))
    child.on("error", reject)
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`poller exited ${code}`))))
  })

it.live("a Codex-like poller gets the lock within 1 s while 64 fibers append flat out", () =>
  withTempDir("si-fair-", (dir) => {
    const counting = faultyFileSystem()
    return Effect.gen(function* () {
      const writer = yield* IndexWriter
      const appended = yield* Ref.make(0)
      const deadline = (yield* Clock.currentTimeMillis) + 3500
      const appender = (k: number) =>
        Effect.gen(function* () {
          for (let i = 0; (yield* Clock.currentTimeMillis) < deadline; i++) {
            yield* writer.appendThreadName(crypto.randomUUID(), `fiber ${k} append ${i}`)
            yield* Ref.update(appended, (n) => n + 1)
          }
        })
      const [poller] = yield* Effect.all(
        [
          Effect.promise(() => poll(path.join(dir, "session_index.jsonl.lock"), 3)),
          Effect.forEach(Array.from({ length: 64 }, (_, k) => k), appender, { concurrency: "unbounded", discard: true })
        ],
        { concurrency: "unbounded" }
      )
      const total = yield* Ref.get(appended)
      console.log(`[fairness] poller: ${poller.wins} wins, longest wait ${poller.maxWaitMs} ms; library: ${total} appends in ${counting.log.writes} writes`)
      expect(poller.wins).toBeGreaterThanOrEqual(5)
      expect(poller.maxWaitMs).toBeLessThan(1000)
      expect(total).toBeGreaterThan(1000)
      // What queued during a hold went out together in the next one.
      expect(counting.log.writes).toBeLessThan(total)
      const lines = fs.readFileSync(path.join(dir, "session_index.jsonl"), "utf8").split("\n")
      expect(lines.pop()).toBe("")
      expect(lines).toHaveLength(total)
      const reader = yield* IndexReader
      const ids = lines.slice(-100).map((l) => JSON.parse(l).id as string)
      expect((yield* reader.findNamesByIds(ids)).size).toBe(100)
    }).pipe(Effect.provide(layerWith({ codexHome: dir, workers: 0, appendFs: counting.appendFs })))
  }),
  60_000)
