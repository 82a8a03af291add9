/**
 * Merges id lookups that arrive while a scan is running into the next scan, so a burst of
 * lookups from independent fibers costs one or two scans instead of one each. (Effect's own
 * request batching only merges requests made inside one batched `forEach`/`all`.)
 */
import { Deferred, Effect, Exit, Queue, type Scope } from "effect"
import type { IndexIoError } from "../Errors.js"
import type { NamedThread } from "./scan/entryLine.js"

interface Pending {
  readonly ids: ReadonlyArray<string>
  readonly done: Deferred.Deferred<ReadonlyMap<string, NamedThread>, IndexIoError>
}

export interface Coalescer {
  readonly lookup: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, NamedThread>, IndexIoError>
}

export const makeCoalescer = (
  scan: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, NamedThread>, IndexIoError>
): Effect.Effect<Coalescer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<Pending>()
    yield* Effect.addFinalizer(() => Queue.shutdown(queue))
    const serveBatch = Effect.gen(function* () {
      const first = yield* Queue.take(queue)
      // Let lookups forked in the same tick join this scan.
      yield* Effect.yieldNow()
      const batch = [first, ...(yield* Queue.takeAll(queue))]
      const ids = [...new Set(batch.flatMap((p) => p.ids))]
      // An exit, not a value: even a defect must reach the callers, or they would wait forever.
      const result = yield* Effect.exit(scan(ids))
      for (const pending of batch) {
        yield* Deferred.done(pending.done, Exit.map(result, (found) => pick(found, pending.ids)))
      }
    })
    yield* Effect.forkScoped(Effect.forever(serveBatch))
    return {
      lookup: (ids) =>
        Effect.gen(function* () {
          const done = yield* Deferred.make<ReadonlyMap<string, NamedThread>, IndexIoError>()
          yield* Queue.offer(queue, { ids, done })
          return yield* Deferred.await(done)
        })
    }
  })

const pick = (all: ReadonlyMap<string, NamedThread>, ids: ReadonlyArray<string>): ReadonlyMap<string, NamedThread> => {
  const out = new Map<string, NamedThread>()
  for (const id of ids) {
    const found = all.get(id)
    if (found !== undefined) out.set(id, found)
  }
  return out
}
