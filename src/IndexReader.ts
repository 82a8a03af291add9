/**
 * Lookups on `session_index.jsonl` with Codex's semantics (docs/lookups.md).
 *
 * @since 0.1.0
 * @example
 * import { Console, Effect, Option, Stream } from "effect"
 * import { IndexReader } from "session-index"
 *
 * const program = Effect.gen(function* () {
 *   const reader = yield* IndexReader
 *
 *   // A thread's current name, and the thread currently named "fix flaky ci".
 *   const name = yield* reader.findNameById("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23")
 *   const id = yield* reader.findIdByName("fix flaky ci")
 *   yield* Console.log(Option.getOrElse(name, () => "(no name)"), Option.getOrElse(id, () => "(no thread)"))
 *
 *   // A resume picker's page: the 25 most recently named threads, newest first. The scan stops
 *   // once 25 have been read.
 *   const page = yield* reader.latestEntries.pipe(Stream.take(25), Stream.runCollect)
 *   for (const entry of page) yield* Console.log(`${entry.id}  ${entry.thread_name}`)
 *
 *   // Many ids in one scan, keyed by the id in lowercase.
 *   const names = yield* reader.findNamesByIds(["0194F7C2-3B1D-7C4E-9A51-2F0E8D6B1A23"])
 *   yield* Console.log(names.get("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23") ?? "(no name)")
 * })
 *
 * // Every named entry appended from now on, by this process or any other (Codex included).
 * // The stream never ends by itself: interrupt it to stop following.
 * const follow = Effect.flatMap(IndexReader, (reader) =>
 *   reader.changes.pipe(Stream.runForEach((entry) => Console.log(`${entry.id} is now ${entry.thread_name}`)))
 * )
 */
import { Context, type Effect, type Option, type Stream } from "effect"
import type { IndexIoError, InvalidThreadId } from "./Errors.js"
import type { SessionIndexEntry, ThreadId } from "./Schema.js"

/**
 * What `IndexReader` offers. A missing index file answers `None`, an empty map or an empty
 * stream; ids compare case-insensitively and names are compared trimmed.
 *
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
 * The lookup service on `<codexHome>/session_index.jsonl`, provided by
 * `NodeSessionIndex.layer`. Lookups take no lock and never write.
 *
 * Its service is an `IndexReaderShape`; this module's documentation has an example.
 *
 * @since 0.1.0
 * @category tags
 */
export class IndexReader extends Context.Tag("session-index/IndexReader")<IndexReader, IndexReaderShape>() {}
