/**
 * Typed failures of the public API. Each is a `Schema.TaggedError`, so it is its own schema and
 * crosses the worker boundary intact.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A real I/O failure: permission denied, a directory where the index should be, EIO, a file
 * that shrank under a scan.
 *
 * @since 0.1.0
 * @category errors
 */
export class IndexIoError extends Schema.TaggedError<IndexIoError>()("IndexIoError", {
  op: Schema.String,
  path: Schema.String,
  reason: Schema.String
}) {
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
export class InvalidThreadId extends Schema.TaggedError<InvalidThreadId>()("InvalidThreadId", {
  input: Schema.String
}) {
  override get message(): string {
    return `invalid thread id ${JSON.stringify(this.input)}: expected a hyphenated UUID (8-4-4-4-12 hex digits)`
  }
}

/**
 * A thread name that is blank after trimming, or not valid Unicode.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidThreadName extends Schema.TaggedError<InvalidThreadName>()("InvalidThreadName", {
  input: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid thread name ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * An entry given to `appendEntry` that does not validate.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEntry extends Schema.TaggedError<InvalidEntry>()("InvalidEntry", {
  reason: Schema.String
}) {
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
export class IndexLockTimeout extends Schema.TaggedError<IndexLockTimeout>()("IndexLockTimeout", {
  path: Schema.String,
  waitedMs: Schema.Number
}) {
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
export class IndexLockUnavailable extends Schema.TaggedError<IndexLockUnavailable>()("IndexLockUnavailable", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot lock ${this.path} (${this.reason}): refusing to rewrite the index without it`
  }
}
