import { it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Option } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader, IndexWriter } from "../../src/index.js"
import type { FlockBinding } from "../../src/internal/lock.js"
import { layerWith } from "../../src/internal/layer.js"
import { withTempDir } from "../helpers/codexHome.js"

/** A file system that refuses flock altogether (as some network file systems do). */
const refusing: FlockBinding = {
  flockSync: () => {
    throw Object.assign(new Error("flock"), { code: "ENOLCK" })
  }
}

for (const [label, binding] of [
  ["the flock binding is missing", Option.none<FlockBinding>()],
  ["the file system refuses flock", Option.some(refusing)]
] as const) {
  it.effect(`when ${label}: appends go ahead (logged once), rewrites are refused with a typed error`, () =>
    withTempDir("si-lockless-", (home) => {
      const lockPath = path.join(home, "session_index.jsonl.lock")
      const logs: Array<string> = []
      const logger = Logger.make(({ message }) => logs.push(String(message)))
      const [a, b] = [crypto.randomUUID(), crypto.randomUUID()]
      return Effect.gen(function* () {
        const writer = yield* IndexWriter
        yield* writer.appendThreadName(a, "appended")
        yield* writer.appendThreadName(b, "again")
        expect(logs.filter((l) => l.includes("without Codex's lock"))).toHaveLength(1)
        const before = fs.readFileSync(path.join(home, "session_index.jsonl"))
        for (const refused of [yield* Effect.flip(writer.compact()), yield* Effect.flip(writer.removeThread(a))]) {
          expect(refused._tag).toBe("IndexLockUnavailable")
          expect(refused.message).toContain(lockPath)
        }
        expect(fs.readFileSync(path.join(home, "session_index.jsonl"))).toEqual(before)
        expect(fs.readdirSync(home).filter((n) => n.endsWith(".tmp"))).toEqual([])
        const reader = yield* IndexReader
        expect(yield* reader.findNamesByIds([a, b])).toEqual(new Map([[a, "appended"], [b, "again"]]))
      }).pipe(
        Effect.provide(layerWith({ codexHome: home, workers: 0, flock: binding })),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
    })
  )
}
