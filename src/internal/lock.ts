/**
 * Codex's writer lock: an exclusive `flock(2)` on `<codexHome>/session_index.jsonl.lock` (an
 * empty file), held around every append and rewrite (Codex 0.169+ does the same; readers take
 * none). `flock` comes from the native `fs-ext-extra-prebuilt` binding (prebuilt binaries, no compiler needed), loaded lazily: where it is missing or
 * the file system refuses `flock`, appends go ahead on `O_APPEND` alone and rewrites are refused.
 *
 * The wait polls with `LOCK_NB` on the Effect `Clock` (a `Schedule`), so it is interruptible at
 * every pause and tests drive it with `TestClock`. The lock is released by closing the
 * descriptor, a finalizer registered before the first attempt: no interruption can leave it held.
 */
import { Clock, Duration, Effect, Option, Schedule, type Scope } from "effect"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import { type IndexIoError, IndexLockTimeout } from "../Errors.js"
import { attemptIo, ioError } from "./ioError.js"

export interface FlockBinding {
  readonly flockSync: (fd: number, flags: "ex" | "exnb" | "un") => void
}

export const loadBinding = (): Option.Option<FlockBinding> => {
  try {
    return Option.some(createRequire(import.meta.url)("fs-ext-extra-prebuilt") as FlockBinding)
  } catch {
    return Option.none()
  }
}

/** Codes meaning "this file system will never lock", as opposed to "someone holds it". */
const UNSUPPORTED = new Set(["ENOLCK", "EOPNOTSUPP", "ENOTSUP", "EINVAL", "ENOSYS"])
const BUSY = new Set(["EAGAIN", "EWOULDBLOCK", "EINTR"])

export type TryLock = { readonly _tag: "Locked" } | { readonly _tag: "Busy" } | { readonly _tag: "Unsupported"; readonly reason: string } | { readonly _tag: "Failed"; readonly code: string }

/** One `LOCK_EX | LOCK_NB` attempt on `fd`. */
export const tryFlock = (binding: FlockBinding, fd: number): TryLock => {
  try {
    binding.flockSync(fd, "exnb")
    return { _tag: "Locked" }
  } catch (error) {
    const code = String((error as { code?: unknown }).code ?? "EUNKNOWN")
    if (BUSY.has(code)) return { _tag: "Busy" }
    if (UNSUPPORTED.has(code)) return { _tag: "Unsupported", reason: `flock: ${code}` }
    return { _tag: "Failed", code }
  }
}

/** Held, or not held because this system cannot lock (appends may go ahead, rewrites may not). */
export type Held = { readonly locked: true } | { readonly locked: false; readonly reason: string }

export interface WriterLock {
  readonly path: string
  /** The binding, when it loaded: rewrites also lock their temp files with it. */
  readonly binding: Option.Option<FlockBinding>
  /**
   * Takes the lock for the rest of the scope, waiting at most `wait`. Polls like Codex does:
   * every few milliseconds at first, then every 50 ms.
   */
  readonly hold: (wait: Duration.Duration) => Effect.Effect<Held, IndexLockTimeout | IndexIoError, Scope.Scope>
}

const POLL = Schedule.exponential("2 millis").pipe(Schedule.union(Schedule.spaced("50 millis")))

export const makeWriterLock = (
  codexHome: string,
  lockPath: string,
  binding: Option.Option<FlockBinding> = loadBinding()
): WriterLock => ({
  path: lockPath,
  binding,
  hold: (wait) =>
    Effect.gen(function* () {
      if (Option.isNone(binding)) return { locked: false, reason: "the fs-ext-extra-prebuilt binding is not installed" } as const
      const flock = binding.value
      yield* attemptIo("mkdir", codexHome, () => fs.mkdirSync(codexHome, { recursive: true }))
      const fd = yield* Effect.acquireRelease(
        attemptIo("open", lockPath, () => fs.openSync(lockPath, "a", 0o644)),
        // Closing the descriptor releases the lock.
        (fd) => Effect.sync(() => fs.closeSync(fd))
      )
      const started = yield* Clock.currentTimeMillis
      const attempt = Effect.suspend(() => {
        const outcome = tryFlock(flock, fd)
        return outcome._tag === "Busy" ? Effect.fail(outcome) : Effect.succeed(outcome)
      })
      const outcome = yield* attempt.pipe(
        Effect.retry(POLL.pipe(Schedule.upTo(wait))),
        Effect.catchAll(() =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.fail(new IndexLockTimeout({ path: lockPath, waitedMs: now - started }))
          )
        )
      )
      switch (outcome._tag) {
        case "Locked":
          return { locked: true } as const
        case "Unsupported":
          return { locked: false, reason: outcome.reason } as const
        case "Failed":
          return yield* Effect.fail(ioError("flock", lockPath)(new Error(outcome.code)))
      }
    })
})
