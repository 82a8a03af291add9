/**
 * The one way this process writes the index: in-process writers take turns in arrival order,
 * each turn holds Codex's lock, and appends queued behind a turn go out together (group
 * commit: one `write` per lock hold, and each caller still learns whether its own line was
 * written).
 *
 * The head of the queue leads: it waits for the lock (interruptibly, within its caller's
 * bounded wait), does the work with the lock held and uninterruptibly, releases the lock and
 * hands the lead to the next head. A caller interrupted while waiting leaves the queue and
 * nothing of it is written.
 *
 * Codex polls the lock with `LOCK_NB` about every 50 ms and drops a rename after ~30 s of
 * failed polls, so continuous writing leaves the lock free for a while every so often.
 */
import { Clock, Deferred, Duration, Effect, Exit } from "effect"
import { IndexLockUnavailable, type IndexIoError, type IndexLockTimeout } from "../Errors.js"
import type { Held, WriterLock } from "./lock.js"

/** After this long of back-to-back lock holds… */
const FAIR_SPAN_MS = 400
/** …the lock stays free this long: two of Codex's 50 ms polls fall inside it. */
const FAIR_GAP_MS = 120
/** Appends coalesced into one write, at most (a single longer line goes alone). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024

type Turn = "lead" | "done"

interface Job {
  /** A complete line to append; `undefined` for an exclusive turn. */
  readonly line: Uint8Array | undefined
  readonly signal: Deferred.Deferred<Turn, IndexIoError>
  /** When the caller started waiting: its lock wait is bounded from here. */
  readonly since: number
}

export interface WriteGate {
  /** Appends one complete line; fails only if this line was not written (or rolled back). */
  readonly append: (line: Uint8Array) => Effect.Effect<void, IndexIoError | IndexLockTimeout>
  /**
   * Runs `critical` holding the lock, after every earlier in-process write and uninterruptibly:
   * once it starts it finishes, and the lock is released only after it has.
   */
  readonly exclusive: <A, E, R>(
    critical: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | IndexIoError | IndexLockTimeout | IndexLockUnavailable, R>
}

/**
 * `writeBatch` appends the lines as one write and reports, per line, whether it was written:
 * synchronously, so nothing else in the process can stretch the lock hold.
 * `onUnlocked` runs when an append goes ahead without the lock (the system cannot lock).
 */
export const makeWriteGate = (options: {
  readonly lock: WriterLock
  readonly wait: Duration.Duration
  readonly writeBatch: (lines: ReadonlyArray<Uint8Array>) => ReadonlyArray<Exit.Exit<void, IndexIoError>>
  readonly onUnlocked: (reason: string) => Effect.Effect<void>
}): WriteGate => {
  const { lock, wait, writeBatch, onUnlocked } = options
  const queue: Array<Job> = []
  let lastRelease = Number.NEGATIVE_INFINITY
  let streakStart = Number.NEGATIVE_INFINITY

  const enqueue = (line: Uint8Array | undefined) =>
    Effect.gen(function* () {
      const job: Job = { line, signal: yield* Deferred.make<Turn, IndexIoError>(), since: yield* Clock.currentTimeMillis }
      queue.push(job)
      return job
    })

  /** Removes `job`; if it was the head, the next head leads. */
  const leave = (job: Job) =>
    Effect.suspend(() => {
      const at = queue.indexOf(job)
      if (at < 0) return Effect.void
      queue.splice(at, 1)
      return at === 0 ? handOver : Effect.void
    })

  const handOver = Effect.suspend(() => (queue.length > 0 ? Deferred.succeed(queue[0]!.signal, "lead") : Effect.void))

  /** Waits until `job` leads (or, for an append, until a leader wrote it). */
  const awaitTurn = (job: Job) =>
    queue[0] === job ? Effect.succeed<Turn>("lead") : Deferred.await(job.signal)

  /** Leaves the lock free for a moment when this process has been holding it back to back. */
  const fairTurn = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    if (now - lastRelease >= FAIR_GAP_MS) {
      streakStart = now
      return
    }
    if (now - streakStart < FAIR_SPAN_MS) return
    yield* Effect.sleep(Duration.millis(FAIR_GAP_MS - (now - lastRelease)))
    streakStart = yield* Clock.currentTimeMillis
  })

  /** Takes the lock for the leader `job`, within what is left of its caller's wait. */
  const holdFor = (job: Job) =>
    Effect.gen(function* () {
      yield* fairTurn
      const waited = (yield* Clock.currentTimeMillis) - job.since
      return yield* lock.hold(Duration.millis(Math.max(0, Duration.toMillis(wait) - waited)))
    })

  const released = Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => void (lastRelease = now)))

  /** The consecutive appends at the head of the queue, up to the batch bound. */
  const takeBatch = (): Array<Job> => {
    const batch: Array<Job> = []
    let bytes = 0
    for (const job of queue) {
      if (job.line === undefined) break
      if (batch.length > 0 && bytes + job.line.length > MAX_BATCH_BYTES) break
      batch.push(job)
      bytes += job.line.length
    }
    return batch
  }

  const lead = (job: Job, restore: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const results = yield* Effect.scoped(
        Effect.gen(function* () {
          const held: Held = yield* restore(holdFor(job))
          if (!held.locked) yield* onUnlocked(held.reason)
          const batch = takeBatch()
          const exits = writeBatch(batch.map((j) => j.line!))
          // By identity: a follower interrupted meanwhile has already left the queue.
          for (const j of batch) {
            const at = queue.indexOf(j)
            if (at >= 0) queue.splice(at, 1)
          }
          return batch.map((j, i) => [j, exits[i]!] as const)
        })
      ).pipe(Effect.onError(() => leave(job)))
      yield* released
      let own: Exit.Exit<void, IndexIoError> = Exit.void
      for (const [j, exit] of results) {
        if (j === job) own = exit
        else yield* Deferred.done(j.signal, Exit.as(exit, "done" as const))
      }
      yield* handOver
      return yield* own
    })

  return {
    append: (line) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const job = yield* enqueue(line)
          const turn = yield* restore(awaitTurn(job)).pipe(Effect.onInterrupt(() => leave(job)))
          if (turn === "done") return
          return yield* lead(job, restore)
        })
      ),
    exclusive: <A, E, R>(critical: Effect.Effect<A, E, R>) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const job = yield* enqueue(undefined)
          yield* restore(awaitTurn(job)).pipe(Effect.onInterrupt(() => leave(job)))
          let held = false
          return yield* Effect.scoped(
            Effect.gen(function* () {
              const lockState = yield* restore(holdFor(job))
              if (!lockState.locked) return yield* new IndexLockUnavailable({ path: lock.path, reason: lockState.reason })
              held = true
              return yield* critical
            })
          ).pipe(Effect.ensuring(Effect.suspend(() => Effect.zipRight(held ? released : Effect.void, leave(job)))))
        })
      )
  }
}
