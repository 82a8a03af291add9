/**
 * Lets timers and I/O callbacks run. Long CPU work on the main thread (an in-process scan, a
 * rewrite parsing its chunks) takes turns with the rest of the process: another fiber may be
 * holding Codex's lock, waiting only for its write's callback.
 */
import { Effect } from "effect"

export const eventLoopTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
