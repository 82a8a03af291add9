/**
 * Typed failures of the public API, modelled on `@effect/platform`'s `Error` module: each is a
 * `Schema.TaggedError` with a stable identifier (so it is its own schema and crosses the
 * worker boundary intact), all carry `TypeId`, and `isSessionIndexError` tells them apart from
 * anything else. Only real I/O failures are `IndexIoError`; a bug is a defect, never one of
 * these.
 *
 * @since 0.1.0
 */
import { hasProperty } from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("session-index/SessionIndexError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Whether `u` is one of this library's errors.
 *
 * @since 0.1.0
 * @category refinements
 * @example
 * import { Effect } from "effect"
 * import { isSessionIndexError, IndexReader } from "session-index"
 *
 * const lookup = Effect.flatMap(IndexReader, (reader) => reader.findNameById("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23")).pipe(
 *   Effect.catchIf(isSessionIndexError, (error) => Effect.logWarning(error.message))
 * )
 */
export const isSessionIndexError = (u: unknown): u is SessionIndexError => hasProperty(u, TypeId)

/**
 * What was being done to the index (or its lock, temp file or folder) when the system refused.
 *
 * @since 0.1.0
 * @category models
 */
export const IoOperation = Schema.Literal(
  "open",
  "create",
  "read",
  "write",
  "append",
  "truncate",
  "stat",
  "fsync",
  "rename",
  "resolve",
  "mkdir",
  "list",
  "flock",
  "scan",
  "rewrite"
)

/**
 * @since 0.1.0
 * @category models
 */
export type IoOperation = typeof IoOperation.Type

/**
 * A real I/O failure: permission denied, a directory or a FIFO where the index should be, a
 * full disk, EIO, a file that shrank under a scan. `cause` is the system's error, when there
 * was one.
 *
 * @since 0.1.0
 * @category errors
 */
export class IndexIoError extends Schema.TaggedError<IndexIoError>("session-index/IndexIoError")("IndexIoError", {
  op: IoOperation,
  path: Schema.String,
  reason: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `${this.op} ${this.path} failed: ${this.reason}`
  }
}

/**
 * A string that is not a hyphenated UUID where a thread id was expected.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidThreadId extends Schema.TaggedError<InvalidThreadId>("session-index/InvalidThreadId")("InvalidThreadId", {
  input: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `invalid thread id ${JSON.stringify(this.input)}: expected a hyphenated UUID (8-4-4-4-12 hex digits)`
  }
}

/**
 * A thread name that is blank after trimming, not valid Unicode, or too long to be read back.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidThreadName extends Schema.TaggedError<InvalidThreadName>("session-index/InvalidThreadName")(
  "InvalidThreadName",
  { input: Schema.String, reason: Schema.String }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `invalid thread name ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * An entry given to `appendEntry` that does not validate, or whose line would be too long.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEntry extends Schema.TaggedError<InvalidEntry>("session-index/InvalidEntry")("InvalidEntry", {
  reason: Schema.String
}) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `invalid session index entry: ${this.reason}`
  }
}

/**
 * Another writer held Codex's lock (`session_index.jsonl.lock`) longer than the bounded wait.
 *
 * @since 0.1.0
 * @category errors
 */
export class IndexLockTimeout extends Schema.TaggedError<IndexLockTimeout>("session-index/IndexLockTimeout")(
  "IndexLockTimeout",
  { path: Schema.String, waitedMs: Schema.Number }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `timed out after ${this.waitedMs} ms waiting for the lock ${this.path}`
  }
}

/**
 * The writer lock cannot be taken here (no native binding, or the file system refuses
 * `flock`), so a rewrite that could lose concurrent appends is refused.
 *
 * @since 0.1.0
 * @category errors
 */
export class IndexLockUnavailable extends Schema.TaggedError<IndexLockUnavailable>("session-index/IndexLockUnavailable")(
  "IndexLockUnavailable",
  { path: Schema.String, reason: Schema.String }
) {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `cannot lock ${this.path} (${this.reason}): refusing to rewrite the index without it`
  }
}

/**
 * Every failure of this library.
 *
 * @since 0.1.0
 * @category errors
 */
export type SessionIndexError =
  | IndexIoError
  | InvalidThreadId
  | InvalidThreadName
  | InvalidEntry
  | IndexLockTimeout
  | IndexLockUnavailable
