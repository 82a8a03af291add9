/**
 * Lookups on `session_index.jsonl` with Codex's semantics (docs/lookups.md).
 *
 * @since 0.1.0
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Chunk, Context, Effect, Layer, Option, Request, RequestResolver, type Scope, Stream } from "effect"
import type { IndexIoError, InvalidThreadId } from "./Errors.js"
import { Settings } from "./internal/config.js"
import { makeCoalescer } from "./internal/coalescer.js"
import { openPinned, readInto, step } from "./internal/fileScan.js"
import { findRollouts } from "./internal/rollouts.js"
import { watchChanges } from "./internal/changes.js"
import type { ParsedEntry } from "./internal/scan/entryLine.js"
import { LatestQuery } from "./internal/scan/latestQuery.js"
import { type ReadRequest, scanReverse } from "./internal/scan/reverseReader.js"
import { Scanner } from "./internal/scanner.js"
import { decodeThreadId, SessionIndexEntry, type ThreadId } from "./Schema.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface IndexReaderShape {
  /** The index file this reader answers from. */
  readonly path: string
  /** The thread's current name: the name of its last non-blank entry. */
  readonly findNameById: (id: ThreadId | string) => Effect.Effect<Option.Option<string>, IndexIoError | InvalidThreadId>
  /** The thread currently named `name` (trimmed) whose naming entry is nearest the end. */
  readonly findIdByName: (name: string) => Effect.Effect<Option.Option<ThreadId>, IndexIoError>
  /**
   * The current name of each requested id that has one, keyed by the id in lowercase (a
   * `ThreadId` is such a string). One scan for the whole batch.
   */
  readonly findNamesByIds: (
    ids: Iterable<ThreadId | string>
  ) => Effect.Effect<ReadonlyMap<string, string>, IndexIoError | InvalidThreadId>
  /** The rollout file of a thread currently named `name`; the most recently modified wins. */
  readonly findPathByName: (name: string) => Effect.Effect<Option.Option<string>, IndexIoError>
  /** The latest named entry of each thread, newest first; reads only as far as consumed. */
  readonly latestEntries: Stream.Stream<SessionIndexEntry, IndexIoError>
  /**
   * Every named entry appended after subscription, by this process or any other, exactly once
   * and in append order: across deletion and re-creation of the file, truncation and regrowth,
   * and this library's `compact`/`removeThread` from any process however far the consumer
   * lags. A torn line is held back until complete. After a replacement by another program it
   * resumes after the newest line it had read, without replaying (docs/changes.md says what it
   * may then miss). Never ends by itself.
   */
  readonly changes: Stream.Stream<SessionIndexEntry, IndexIoError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class IndexReader extends Context.Tag("session-index/IndexReader")<IndexReader, IndexReaderShape>() {}

/** The poll behind file events, for file systems that send none. */
const CHANGES_POLL = "500 millis"

class GetName extends Request.TaggedClass("GetName")<Option.Option<string>, IndexIoError, { readonly id: ThreadId }> {}

/**
 * Builds the reader on a `Scanner` (in-process or pooled).
 *
 * @internal
 */
export const make: Effect.Effect<
  IndexReaderShape,
  never,
  Settings | Scanner | FileSystem.FileSystem | Path.Path | Scope.Scope
> = Effect.gen(function* () {
  const config = yield* Settings
  const scanner = yield* Scanner
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const coalescer = yield* makeCoalescer(scanner.currentNames)
  const toEntry = (e: ParsedEntry) =>
    new SessionIndexEntry({ id: e.id as ThreadId, thread_name: e.name, updated_at: e.updatedAt }, true)

  // Requests batched by Effect (one `forEach`/`all` with batching) become one coalesced lookup.
  const resolver = RequestResolver.makeBatched((requests: Array<GetName>) =>
    coalescer.lookup(requests.map((r) => r.id)).pipe(
      Effect.flatMap((found) =>
        Effect.forEach(requests, (r) => Request.succeed(r, Option.map(Option.fromNullable(found.get(r.id)), (t) => t.name)), {
          discard: true
        })
      ),
      Effect.catchAll((error) => Effect.forEach(requests, (r) => Request.fail(r, error), { discard: true }))
    )
  )

  const findNameById = Effect.fn("IndexReader.findNameById")(function* (id: ThreadId | string) {
    const threadId = yield* decodeThreadId(id)
    return yield* Effect.request(new GetName({ id: threadId }), resolver)
  })

  const findNamesByIds = Effect.fn("IndexReader.findNamesByIds")(function* (ids: Iterable<ThreadId | string>) {
    const wanted = yield* Effect.forEach(ids, decodeThreadId)
    if (wanted.length === 0) return new Map<string, string>()
    const found = yield* coalescer.lookup(wanted)
    return new Map(Array.from(found, ([id, thread]) => [id, thread.name]))
  })

  const findIdByName = Effect.fn("IndexReader.findIdByName")(function* (name: string) {
    const wanted = String(name).trim()
    if (wanted === "") return Option.none<ThreadId>()
    const found = yield* scanner.threadsNamed(wanted, true)
    return Option.map(Option.fromNullable(found[0]), (t) => t.id as ThreadId)
  })

  const findPathByName = Effect.fn("IndexReader.findPathByName")(function* (name: string) {
    const wanted = String(name).trim()
    if (wanted === "") return Option.none<string>()
    const threads = yield* scanner.threadsNamed(wanted, false)
    const files = yield* findRollouts(config.codexHome, new Set(threads.map((t) => t.id))).pipe(
      Effect.provideService(FileSystem.FileSystem, fs),
      Effect.provideService(Path.Path, path)
    )
    // A thread without a rollout file never shadows one that has it: only files compete.
    const newest = files.reduce<(typeof files)[number] | undefined>(
      (best, file) => (best === undefined || file.mtimeMs > best.mtimeMs ? file : best),
      undefined
    )
    return Option.map(Option.fromNullable(newest), (f) => f.path)
  })

  const latestEntries: Stream.Stream<SessionIndexEntry, IndexIoError> = Stream.unwrapScoped(
    Effect.gen(function* () {
      const opened = yield* openPinned(config.indexPath)
      if (Option.isNone(opened)) return Stream.empty
      const pinned = opened.value
      const query = new LatestQuery(config.scan.maxLineBytes)
      const program = scanReverse(0, pinned.size, config.scan, query.visit)
      // A page is what the scan found by the time it found anything: a consumer that takes one
      // page of a picker reads only the end of the file.
      const page = (from: IteratorResult<ReadRequest, boolean>) =>
        Effect.gen(function* () {
          let next = from
          while (query.outbox.length === 0 && !next.done) next = yield* step(pinned, program, yield* readInto(pinned, next.value))
          return [Chunk.unsafeFromArray(query.drain()), next.done ? Option.none() : Option.some(next)] as const
        })
      return Stream.paginateChunkEffect(yield* step(pinned, program), page).pipe(Stream.map(toEntry))
    }).pipe(Effect.provideService(FileSystem.FileSystem, fs))
  )

  const changes = watchChanges(config.indexPath, config.scan.maxLineBytes, CHANGES_POLL).pipe(
    Stream.map(toEntry),
    Stream.provideService(FileSystem.FileSystem, fs),
    Stream.provideService(Path.Path, path)
  )

  return IndexReader.of({
    changes,
    path: config.indexPath,
    findNameById,
    findIdByName,
    findNamesByIds,
    findPathByName,
    latestEntries
  })
})

/**
 * Built on this library\'s internal services: use `NodeSessionIndex.layer`.
 *
 * @internal
 */
export const layer: Layer.Layer<IndexReader, never, Settings | Scanner | FileSystem.FileSystem | Path.Path> =
  Layer.scoped(IndexReader, make)
