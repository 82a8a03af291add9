/**
 * session-index: read and write Codex CLI's `session_index.jsonl` as Effect services.
 *
 * Everything public is exported from here: the services `IndexReader`, `IndexWriter` and
 * `ThreadCatalog`, the Node layer that provides them (`NodeSessionIndex.layer`), the data
 * model (`ThreadId`, `ThreadName`, `SessionIndexEntry`, `encodeLine`, `ThreadSummary`) and
 * the typed errors. Each export is documented where it is defined: `Errors.ts`,
 * `IndexReader.ts`, `IndexWriter.ts`, `ThreadCatalog.ts`, `NodeSessionIndex.ts` and
 * `Schema.ts`.
 *
 * @since 0.1.0
 */
export {
  /**
   * A real I/O failure on the index, its lock, temp file or folder (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category errors
   */
  IndexIoError,
  /**
   * Another writer held Codex's lock longer than the bounded wait (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category errors
   */
  IndexLockTimeout,
  /**
   * The writer lock cannot be taken here, so a rewrite is refused (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category errors
   */
  IndexLockUnavailable,
  /**
   * An entry given to `appendEntry` that does not validate (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidEntry,
  /**
   * A page cursor the catalog did not give out, or given with other options (see `Errors.ts`).
   *
   * @since 0.2.0
   * @category errors
   */
  InvalidCursor,
  /**
   * A string that is not a hyphenated UUID where a thread id was expected (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidThreadId,
  /**
   * A thread name that is blank, not valid Unicode, or too long (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category errors
   */
  InvalidThreadName,
  /**
   * What was being done when the system refused: the `op` of an `IndexIoError` (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  IoOperation,
  /**
   * Whether a value is one of this library's errors (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category refinements
   */
  isSessionIndexError,
  /**
   * Every failure of this library: a type, the union of the seven errors (see `Errors.ts`).
   *
   * @since 0.1.0
   * @category errors
   */
  type SessionIndexError,
  /**
   * The symbol every error of this library carries (`TypeId` in `Errors.ts`).
   *
   * @since 0.1.0
   * @category type ids
   */
  TypeId as SessionIndexErrorTypeId
} from "./Errors.js"
export {
  /**
   * The lookup service: lookups by id and by name, the latest entries and the live feed (see
   * `IndexReader.ts`).
   *
   * @since 0.1.0
   * @category tags
   */
  IndexReader,
  /**
   * What `IndexReader` offers: an interface type (see `IndexReader.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  type IndexReaderShape
} from "./IndexReader.js"
export {
  /**
   * What `compact` reports: an interface type (see `IndexWriter.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  type CompactStats,
  /**
   * The writing service: appends, `removeThread` and `compact` (see `IndexWriter.ts`).
   *
   * @since 0.1.0
   * @category tags
   */
  IndexWriter,
  /**
   * What `IndexWriter` offers: an interface type (see `IndexWriter.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  type IndexWriterShape
} from "./IndexWriter.js"
/**
 * The layer for Node that provides `IndexReader`, `IndexWriter` and `ThreadCatalog`: `NodeSessionIndex.layer`
 * and `NodeSessionIndex.layerConfig` (see `NodeSessionIndex.ts`).
 *
 * @since 0.1.0
 * @category layers
 */
export * as NodeSessionIndex from "./NodeSessionIndex.js"
export {
  /**
   * The line a `SessionIndexEntry` is written as, newline included (see `Schema.ts`).
   *
   * @since 0.1.0
   * @category encoding
   */
  encodeLine,
  /**
   * One line of the index (see `Schema.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  SessionIndexEntry,
  /**
   * A thread id: a hyphenated UUID, normalised to lowercase (see `Schema.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  ThreadId,
  /**
   * A thread name as stored: trimmed, non-blank, well-formed Unicode (see `Schema.ts`).
   *
   * @since 0.1.0
   * @category models
   */
  ThreadName
} from "./Schema.js"
export {
  /**
   * The repository a thread was started in (see `ThreadCatalog.ts`).
   *
   * @since 0.2.0
   * @category models
   */
  GitInfo,
  /**
   * Which threads a listing shows, in which order (see `ThreadCatalog.ts`).
   *
   * @since 0.2.0
   * @category models
   */
  type ListOptions,
  /**
   * A page request: listing options, a limit and a cursor (see `ThreadCatalog.ts`).
   *
   * @since 0.2.0
   * @category models
   */
  type PageOptions,
  /**
   * The listing service: threads newest first, pages, a thread by id (see `ThreadCatalog.ts`).
   *
   * @since 0.2.0
   * @category tags
   */
  ThreadCatalog,
  /**
   * A page of a listing and the cursor of the next (see `ThreadCatalog.ts`).
   *
   * @since 0.2.0
   * @category models
   */
  type ThreadPage,
  /**
   * One listed thread (see `ThreadCatalog.ts`).
   *
   * @since 0.2.0
   * @category models
   */
  ThreadSummary
} from "./ThreadCatalog.js"
export {
  /**
   * One line of a rollout: an event, or a line that could not be read (see `RolloutReader.ts`).
   *
   * @since 0.2.0
   * @category models
   */
  RolloutLine,
  /**
   * Reads a rollout forward or newest first, in bounded memory (see `RolloutReader.ts`).
   *
   * @since 0.2.0
   * @category tags
   */
  RolloutReader,
  /**
   * What `RolloutReader` offers: an interface type (see `RolloutReader.ts`).
   *
   * @since 0.2.0
   * @category models
   */
  type RolloutReaderShape
} from "./RolloutReader.js"
