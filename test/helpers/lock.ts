/** Codex's writer lock seen from a test: held by another descriptor, or probed. */
import { Duration, Effect, Option, Scope } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { loadBinding, makeWriterLock } from "../../src/internal/lock.js"

export const lockOf = (home: string): string => path.join(home, "session_index.jsonl.lock")

/** Whether another descriptor can take Codex's lock right now (flock locks are per open file). */
export const lockIsFree = (home: string): boolean => {
  const flock = Option.getOrThrow(loadBinding())
  const fd = fs.openSync(lockOf(home), "a")
  try {
    flock.flockSync(fd, "exnb")
    return true
  } catch {
    return false
  } finally {
    fs.closeSync(fd)
  }
}

/** Holds Codex's lock from this process (its own descriptor) until the returned scope closes. */
export const holdLock = (home: string): Effect.Effect<Scope.CloseableScope, unknown> =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    yield* makeWriterLock(home, lockOf(home)).hold(Duration.seconds(1)).pipe(Scope.extend(scope))
    return scope
  })

/** What a rewrite may leave beside the index besides the index, its lock and its journal. */
export const strays = (home: string): Array<string> =>
  fs.readdirSync(home).filter((n) => !["session_index.jsonl", "session_index.jsonl.lock", ".session_index.jsonl.rewrites"].includes(n))
