/**
 * The scanning back end of `IndexReader`. `Scanner` answers whole-file questions: it pins the
 * file, consults what earlier lookups learned (`KnownNames`) and asks a `RangeScanner` for
 * only the bytes it still needs. The `RangeScanner` is in-process here, or the worker pool
 * (`worker/pool.ts`) for large ranges. Answers are keyed by lowercase id.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import { Context, Effect, Layer } from "effect"
import type { IndexIoError } from "../Errors.js"
import { Settings } from "./config.js"
import { type PinnedFile, readBytes, runOnPinned, withPinned } from "./fileScan.js"
import { EDGE_BYTES, type FileIdentity, KnownNames } from "./knownNames.js"
import { currentNames, type NamedThread, threadsNamed } from "./scan/programs.js"

export type { NamedThread }

export class Scanner extends Context.Tag("session-index/Scanner")<Scanner, {
  readonly currentNames: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, NamedThread>, IndexIoError>
  readonly threadsNamed: (name: string, firstOnly: boolean) => Effect.Effect<ReadonlyArray<NamedThread>, IndexIoError>
}>() {}

export class RangeScanner extends Context.Tag("session-index/RangeScanner")<RangeScanner, {
  /** Current names of `ids` among the lines starting in `[start, end)` (both line starts). */
  readonly scanIds: (
    pinned: PinnedFile,
    ids: ReadonlyArray<string>,
    start: number,
    end: number
  ) => Effect.Effect<Map<string, NamedThread>, IndexIoError>
  /** `undefined` when it stopped at `budgetBytes` without an answer. */
  readonly scanName: (
    pinned: PinnedFile,
    name: string,
    firstOnly: boolean,
    budgetBytes?: number
  ) => Effect.Effect<Array<NamedThread> | undefined, IndexIoError>
}>() {}

/** Scans on the calling thread, reading through the platform `FileSystem`. */
export const inProcessRanges = (config: Settings["Type"]): RangeScanner["Type"] => ({
  scanIds: (pinned, ids, start, end) =>
    runOnPinned(pinned, currentNames(ids, start, end, config.scan)),
  scanName: (pinned, name, firstOnly, budgetBytes) =>
    runOnPinned(pinned, threadsNamed(name, firstOnly, pinned.size, config.scan, budgetBytes))
})

export const layerInProcessRanges = Layer.effect(RangeScanner, Effect.map(Settings, inProcessRanges))

export const make = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const config = yield* Settings
  const ranges = yield* RangeScanner
  const known = new KnownNames()
  // One lookup at a time touches `known`; the coalescer already serialises id lookups.
  const lock = yield* Effect.makeSemaphore(1)

  const withIndex = <A>(onMissing: () => A, use: (pinned: PinnedFile) => Effect.Effect<A, IndexIoError>) =>
    withPinned(config.indexPath, onMissing, use).pipe(Effect.provideService(FileSystem.FileSystem, fs))

  const currentNamesFor = (pinned: PinnedFile, ids: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const size = pinned.size
      const identity: FileIdentity = { ino: pinned.ino, head: yield* readBytes(pinned, 0, Math.min(EDGE_BYTES, size)) }
      if (!config.incremental) known.clear()
      const edge = known.edgeRange
      known.revalidate(identity, size, edge.position + edge.length <= size ? yield* readBytes(pinned, edge.position, edge.length) : new Uint8Array())
      const { from, unknown } = known.plan(ids, size)
      const answers = from < size ? yield* ranges.scanIds(pinned, ids, from, size) : new Map<string, NamedThread>()
      for (const id of ids) {
        if (answers.has(id)) continue
        const remembered = known.lookup(id)
        if (remembered !== undefined) answers.set(id, remembered)
      }
      const older = unknown.filter((id) => !answers.has(id))
      if (older.length > 0 && from > 0) {
        for (const [id, thread] of yield* ranges.scanIds(pinned, older, 0, from)) answers.set(id, thread)
      }
      // Only a file ending in `\n` has a settled last line worth remembering answers for.
      const tail = yield* readBytes(pinned, Math.max(0, size - EDGE_BYTES), Math.min(EDGE_BYTES, size))
      if (tail.length > 0 && tail[tail.length - 1] === 0x0a) known.remember(identity, size, tail, ids, answers)
      return answers
    })

  return Scanner.of({
    // A missing file starts a new history: whatever is created next is not the one we knew.
    currentNames: (ids) =>
      withIndex(
        () => (known.clear(), new Map()),
        (pinned) => currentNamesFor(pinned, ids)
      ).pipe(lock.withPermits(1)),
    threadsNamed: (name, firstOnly) =>
      withIndex(() => [], (pinned) => Effect.map(ranges.scanName(pinned, name, firstOnly), (found) => found ?? []))
  })
})

export const layer: Layer.Layer<Scanner, never, Settings | RangeScanner | FileSystem.FileSystem> = Layer.effect(
  Scanner,
  make
)
