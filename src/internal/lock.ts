/**
 * Codex's writer lock: an exclusive `flock(2)` on `<codexHome>/session_index.jsonl.lock` (an
 * empty file), held around every append and rewrite (Codex 0.169+ does the same; readers take
 * none). `flock` comes from the native `fs-ext` binding, loaded lazily: where it is missing or
 * the file system refuses `flock`, appends go ahead on `O_APPEND` alone (logged once) and
 * rewrites are refused.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import { createRequire } from "node:module"
import * as fs from "node:fs"
import { IndexLockTimeout, IndexLockUnavailable, type IndexIoError } from "../Errors.js"
import { ioError } from "./ioError.js"

export interface FlockBinding {
  readonly flockSync: (fd: number, flags: "ex" | "exnb" | "un") => void
}

export const loadBinding = (): Option.Option<FlockBinding> => {
  try {
    return Option.some(createRequire(import.meta.url)("fs-ext") as FlockBinding)
  } catch {
    return Option.none()
  }
}

/** Codes meaning "this file system will never lock", as opposed to "someone holds it". */
const UNSUPPORTED = new Set(["ENOLCK", "EOPNOTSUPP", "ENOTSUP", "EINVAL", "ENOSYS"])
const BUSY = new Set(["EAGAIN", "EWOULDBLOCK", "EINTR"])

export interface WriterLock {
  readonly path: string
  /** Runs an append holding the lock, or without it where locking is impossible (logged once). */
  readonly forAppend: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | IndexLockTimeout | IndexIoError, R>
  /** Runs a rewrite holding the lock; refuses where locking is impossible. */
  readonly forRewrite: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | IndexLockTimeout | IndexLockUnavailable | IndexIoError, R>
}

export const makeWriterLock = (
  codexHome: string,
  lockPath: string,
  timeoutMs: number,
  binding: Option.Option<FlockBinding> = loadBinding()
): Effect.Effect<WriterLock> =>
  Effect.gen(function* () {
    let warned = false
    const unavailable = (reason: string) =>
      Effect.suspend(() => {
        if (warned) return Effect.void
        warned = true
        return Effect.logWarning(`session-index: writing without Codex's lock (${lockPath}): ${reason}`)
      })

    /** Some(fd) holding the lock, None where locking is impossible (with the reason). */
    const acquire = Effect.gen(function* () {
      if (Option.isNone(binding)) return { fd: undefined, reason: "the fs-ext binding is not installed" }
      const flock = binding.value
      yield* Effect.try({ try: () => fs.mkdirSync(codexHome, { recursive: true }), catch: ioError("mkdir", codexHome) })
      const fd = yield* Effect.try({ try: () => fs.openSync(lockPath, "a", 0o644), catch: ioError("open", lockPath) })
      const started = Date.now()
      for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
        const code = tryLock(flock, fd)
        if (code === undefined) return { fd, reason: "" }
        if (!BUSY.has(code)) {
          fs.closeSync(fd)
          if (UNSUPPORTED.has(code)) return { fd: undefined, reason: `flock: ${code}` }
          return yield* Effect.fail(ioError("flock", lockPath)(new Error(code)))
        }
        if (Date.now() - started >= timeoutMs) {
          fs.closeSync(fd)
          return yield* new IndexLockTimeout({ path: lockPath, waitedMs: Date.now() - started })
        }
        yield* Effect.sleep(pause)
      }
    })

    const release = (held: { fd: number | undefined }) =>
      Effect.sync(() => {
        if (held.fd === undefined) return
        // Closing the descriptor releases the lock even if unlocking failed.
        try {
          if (Option.isSome(binding)) binding.value.flockSync(held.fd, "un")
        } finally {
          fs.closeSync(held.fd)
        }
      })

    return {
      path: lockPath,
      forAppend: (self) =>
        Effect.acquireUseRelease(
          acquire,
          (held) => (held.fd !== undefined ? self : Effect.zipRight(unavailable(held.reason), self)),
          release
        ),
      forRewrite: <A, E, R>(self: Effect.Effect<A, E, R>) =>
        Effect.acquireUseRelease(
          acquire,
          (held): Effect.Effect<A, E | IndexLockUnavailable, R> =>
            held.fd !== undefined ? self : Effect.fail(new IndexLockUnavailable({ path: lockPath, reason: held.reason })),
          release
        )
    } satisfies WriterLock
  })

const tryLock = (flock: FlockBinding, fd: number): string | undefined => {
  try {
    flock.flockSync(fd, "exnb")
    return undefined
  } catch (error) {
    return String((error as { code?: unknown }).code ?? "EUNKNOWN")
  }
}
