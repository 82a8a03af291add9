import { it } from "@effect/vitest"
import { Effect, Logger, LogLevel, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { expect } from "vitest"
import { type FlockBinding, makeWriterLock } from "../../src/internal/lock.js"

const setup = () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-lockless-"))
  return { home, lockPath: path.join(home, "session_index.jsonl.lock") }
}

/** A file system that refuses flock altogether (as some network file systems do). */
const refusing: FlockBinding = {
  flockSync: () => {
    throw Object.assign(new Error("flock"), { code: "ENOLCK" })
  }
}

for (const [label, binding] of [
  ["the fs-ext binding is missing", Option.none<FlockBinding>()],
  ["the file system refuses flock", Option.some(refusing)]
] as const) {
  it.effect(`when ${label}: appends go ahead (logged once), rewrites are refused with a typed error`, () => {
    const { home, lockPath } = setup()
    const logs: Array<string> = []
    const logger = Logger.make(({ message }) => logs.push(String(message)))
    return Effect.gen(function* () {
      const lock = yield* makeWriterLock(home, lockPath, 1000, binding)
      expect(yield* lock.forAppend(Effect.succeed("appended"))).toBe("appended")
      expect(yield* lock.forAppend(Effect.succeed("again"))).toBe("again")
      expect(logs.filter((l) => l.includes("without Codex's lock"))).toHaveLength(1)
      const refused = yield* Effect.flip(lock.forRewrite(Effect.succeed("rewritten")))
      expect(refused._tag).toBe("IndexLockUnavailable")
      expect(refused.message).toContain(lockPath)
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.All))
  })
}
