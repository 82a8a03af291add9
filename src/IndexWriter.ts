/**
 * Writes `session_index.jsonl` the way Codex does: each append is one `write` of a whole line
 * on an `O_APPEND` descriptor, so concurrent appenders never interleave bytes, and every write
 * holds Codex's lock (`session_index.jsonl.lock`). Rewrites (`removeThread`, `compact`) are
 * atomic and keep lines appended while they run.
 *
 * @since 0.1.0
 * @example
 * import { Console, Effect } from "effect"
 * import { IndexWriter } from "session-index"
 *
 * const program = Effect.gen(function* () {
 *   const writer = yield* IndexWriter
 *
 *   // Name (or rename) a thread: the name is stored trimmed, with the current time.
 *   yield* writer.appendThreadName("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23", "  fix flaky ci ")
 *
 *   // Append an entry as given, its name untrimmed (an import from elsewhere, say).
 *   yield* writer.appendEntry({
 *     id: "0194f7c3-0a11-7d2e-8b3c-4d5e6f708192",
 *     thread_name: "bump plan flag",
 *     updated_at: "2026-02-03T16:08:29.123Z"
 *   })
 *
 *   // Forget a thread, as Codex does when one is deleted: the number of lines removed.
 *   const removed = yield* writer.removeThread("0194f7c3-0a11-7d2e-8b3c-4d5e6f708192")
 *
 *   // See what compaction would save, then compact.
 *   const preview = yield* writer.compact({ dryRun: true })
 *   if (preview.bytesAfter < preview.bytesBefore / 2) yield* writer.compact()
 *   yield* Console.log(`removed ${removed} line(s); ${preview.linesBefore} -> ${preview.linesAfter} lines`)
 * }).pipe(
 *   // A blank name writes nothing and fails; so does a thread id that is not a UUID.
 *   Effect.catchTags({
 *     InvalidThreadName: (error) => Console.error(error.message),
 *     InvalidThreadId: (error) => Console.error(error.message)
 *   })
 * )
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
 * What `IndexWriter` offers. Nothing acknowledged is lost, and nothing that failed is
 * acknowledged (docs/writes.md says what each write guarantees).
 *
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
 * What `compact` reports: the file's size before and after, in lines and in bytes. With
 * `dryRun`, the same counts, for the file as it was read; nothing is written.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompactStats {
  /** Lines of the file the rewrite read (appended meanwhile included). */
  readonly linesBefore: number
  /** Lines of the file it left. */
  readonly linesAfter: number
  /** Bytes of the file the rewrite read (appended meanwhile included). */
  readonly bytesBefore: number
  /** Bytes of the file it left. */
  readonly bytesAfter: number
}

/**
 * The writing service on `<codexHome>/session_index.jsonl`, provided by
 * `NodeSessionIndex.layer`: appends, and the rewrites `removeThread` and `compact`.
 *
 * Its service is an `IndexWriterShape`; this module's documentation has an example.
 *
 * @since 0.1.0
 * @category tags
 */
export class IndexWriter extends Context.Tag("session-index/IndexWriter")<IndexWriter, IndexWriterShape>() {}
