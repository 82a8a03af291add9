/**
 * `IndexReader` on the scanner: id lookups batched and coalesced, name and path lookups, the
 * listing of latest entries and the change feed.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Chunk, Effect, Layer, Option, Request, RequestResolver, type Scope, Stream } from "effect"
import type { IndexIoError } from "../Errors.js"
import { IndexReader, type IndexReaderShape } from "../IndexReader.js"
import { SessionIndexEntry, type ThreadId } from "../Schema.js"
import { watchChanges } from "./changes.js"
import { makeCoalescer } from "./coalescer.js"
import { Settings } from "./config.js"
import { asText, decodeThreadId, decodeThreadIds } from "./decode.js"
import { openPinned, readInto, step } from "./fileScan.js"
import { findRollouts } from "./rollouts.js"
import type { ParsedEntry } from "./scan/entryLine.js"
import { LatestQuery } from "./scan/latestQuery.js"
import { type ReadRequest, scanReverse } from "./scan/reverseReader.js"
import { Scanner } from "./scanner.js"

/** The poll behind file events, for file systems that send none. */
const CHANGES_POLL = "500 millis"

class GetName extends Request.TaggedClass("GetName")<Option.Option<string>, IndexIoError, { readonly id: ThreadId }> {}

/** Builds the reader on a `Scanner` (in-process or pooled). */
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
    const wanted = yield* decodeThreadIds(ids)
    if (wanted.length === 0) return new Map<string, string>()
    const found = yield* coalescer.lookup(wanted)
    return new Map(Array.from(found, ([id, thread]) => [id, thread.name]))
  })

  const findIdByName = Effect.fn("IndexReader.findIdByName")(function* (name: string) {
    const wanted = asText(name).trim()
    if (wanted === "") return Option.none<ThreadId>()
    const found = yield* scanner.threadsNamed(wanted, true)
    return Option.map(Option.fromNullable(found[0]), (t) => t.id as ThreadId)
  })

  const findPathByName = Effect.fn("IndexReader.findPathByName")(function* (name: string) {
    const wanted = asText(name).trim()
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

export const layer: Layer.Layer<IndexReader, never, Settings | Scanner | FileSystem.FileSystem | Path.Path> =
  Layer.scoped(IndexReader, make)
