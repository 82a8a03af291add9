/**
 * Writes `session_index.jsonl` the way Codex does: each append is one `write` of a whole line
 * on an `O_APPEND` descriptor, so concurrent appenders never interleave bytes, and every write
 * holds Codex's lock (`session_index.jsonl.lock`). Rewrites (`removeThread`, `compact`) are
 * atomic and keep lines appended while they run.
 *
 * @since 0.1.0
 */
import { Context, type Effect } from "effect"
import type {
  IndexIoError,
  IndexLockTimeout,
  IndexLockUnavailable,
  InvalidEntry,
  InvalidThreadId,
  InvalidThreadName
} from "./Errors.js"
import type { SessionIndexEntry, ThreadId } from "./Schema.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface IndexWriterShape {
  /** The index file this writer appends to. */
  readonly path: string
  /** Appends `{id, thread_name: name.trim(), updated_at: now}`; a blank name writes nothing. */
  readonly appendThreadName: (
    id: ThreadId | string,
    name: string
  ) => Effect.Effect<void, IndexIoError | InvalidThreadId | InvalidThreadName | IndexLockTimeout>
  /** Validates and appends one entry as one complete line. */
  readonly appendEntry: (
    entry: SessionIndexEntry | { readonly id: string; readonly thread_name: string; readonly updated_at: string }
  ) => Effect.Effect<void, IndexIoError | InvalidEntry | IndexLockTimeout>
  /** Drops every line of the thread (as Codex does when a thread is deleted); the number removed. */
  readonly removeThread: (
    id: ThreadId | string
  ) => Effect.Effect<number, IndexIoError | InvalidThreadId | IndexLockTimeout | IndexLockUnavailable>
  /**
   * Keeps only each thread's last named line, in file order: every lookup answers as before.
   * With `dryRun`, only reports what it would do.
   */
  readonly compact: (options?: {
    readonly dryRun?: boolean
  }) => Effect.Effect<CompactStats, IndexIoError | IndexLockTimeout | IndexLockUnavailable>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface CompactStats {
  /** Lines of the file the rewrite read (appended meanwhile included). */
  readonly linesBefore: number
  /** Lines of the file it left. */
  readonly linesAfter: number
  readonly bytesBefore: number
  readonly bytesAfter: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export class IndexWriter extends Context.Tag("session-index/IndexWriter")<IndexWriter, IndexWriterShape>() {}
