/**
 * session-index: read and write Codex CLI's `session_index.jsonl` as Effect services.
 *
 * @since 0.1.0
 */
export {
  IndexIoError,
  IndexLockTimeout,
  IndexLockUnavailable,
  InvalidEntry,
  InvalidThreadId,
  InvalidThreadName,
  IoOperation,
  isSessionIndexError,
  type SessionIndexError,
  TypeId as SessionIndexErrorTypeId
} from "./Errors.js"
export { IndexReader, type IndexReaderShape } from "./IndexReader.js"
export { type CompactStats, IndexWriter, type IndexWriterShape } from "./IndexWriter.js"
export * as NodeSessionIndex from "./NodeSessionIndex.js"
export { encodeLine, SessionIndexEntry, ThreadId, ThreadName } from "./Schema.js"
