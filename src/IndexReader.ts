/**
 * Lookups on `session_index.jsonl` with Codex's semantics (docs/lookups.md).
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Option, type Stream } from "effect"
import type { IndexIoError, InvalidThreadId } from "./Errors.js"
import type { SessionIndexEntry, ThreadId } from "./Schema.js"

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
