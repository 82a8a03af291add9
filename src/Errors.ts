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
 * The symbol every error of this library carries (re-exported as `SessionIndexErrorTypeId`);
 * `isSessionIndexError` looks for it.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("session-index/SessionIndexError")

/**
 * The type of `TypeId`.
 *
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Whether `u` is one of this library's errors (any `SessionIndexError`), as opposed to a
 * failure of the application around it.
 *
 * @since 0.1.0
 * @category refinements
 * @example
 * import { Data, Effect, Option } from "effect"
 * import { IndexReader, InvalidThreadId, isSessionIndexError } from "session-index"
 *
 * assert.strictEqual(isSessionIndexError(new InvalidThreadId({ input: "not-a-uuid" })), true)
 * assert.strictEqual(isSessionIndexError(new Error("not-a-uuid")), false)
 *
 * class SignedOut extends Data.TaggedError("SignedOut")<{}> {}
 *
 * // The index's failures (a malformed id, an unreadable file) become a warning and no title;
 * // the application's own failures go through.
 * const titleOf = (threadId: string, signedIn: boolean): Effect.Effect<Option.Option<string>, SignedOut, IndexReader> =>
 *   Effect.gen(function* () {
 *     if (!signedIn) return yield* new SignedOut()
 *     const reader = yield* IndexReader
 *     return yield* reader.findNameById(threadId)
 *   }).pipe(
 *     Effect.catchAll((error) =>
 *       isSessionIndexError(error)
 *         ? Effect.logWarning(error.message).pipe(Effect.as(Option.none<string>()))
 *         : Effect.fail(error)
 *     )
 *   )
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
 * The type of `IoOperation`: the `op` of an `IndexIoError`.
 *
 * @since 0.1.0
 * @category models
 */
export type IoOperation = typeof IoOperation.Type

/**
 * A real I/O failure: permission denied, a directory or a FIFO where the index should be, a
 * full disk, EIO, a file that shrank under a scan. Fields: `op` (what was being done, an
 * `IoOperation`), `path`, `reason`, and `cause`, the system's error, when there was one.
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
  /**
   * Marks this library's errors (see `isSessionIndexError`).
   *
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `${this.op} ${this.path} failed: ${this.reason}`
  }
}

/**
 * A string that is not a hyphenated UUID where a thread id was expected. Field: `input`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidThreadId extends Schema.TaggedError<InvalidThreadId>("session-index/InvalidThreadId")("InvalidThreadId", {
  input: Schema.String
}) {
  /**
   * Marks this library's errors (see `isSessionIndexError`).
   *
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `invalid thread id ${JSON.stringify(this.input)}: expected a hyphenated UUID (8-4-4-4-12 hex digits)`
  }
}

/**
 * A thread name that is blank after trimming, not valid Unicode, or too long to be read back.
 * Fields: `input`, `reason`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidThreadName extends Schema.TaggedError<InvalidThreadName>("session-index/InvalidThreadName")(
  "InvalidThreadName",
  { input: Schema.String, reason: Schema.String }
) {
  /**
   * Marks this library's errors (see `isSessionIndexError`).
   *
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `invalid thread name ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * An entry given to `appendEntry` that does not validate, or whose line would be too long.
 * Field: `reason`.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidEntry extends Schema.TaggedError<InvalidEntry>("session-index/InvalidEntry")("InvalidEntry", {
  reason: Schema.String
}) {
  /**
   * Marks this library's errors (see `isSessionIndexError`).
   *
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `invalid session index entry: ${this.reason}`
  }
}

/**
 * Another writer held Codex's lock (`session_index.jsonl.lock`) longer than the bounded wait.
 * Fields: `path` (the lock file), `waitedMs`.
 *
 * @since 0.1.0
 * @category errors
 */
export class IndexLockTimeout extends Schema.TaggedError<IndexLockTimeout>("session-index/IndexLockTimeout")(
  "IndexLockTimeout",
  { path: Schema.String, waitedMs: Schema.Number }
) {
  /**
   * Marks this library's errors (see `isSessionIndexError`).
   *
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `timed out after ${this.waitedMs} ms waiting for the lock ${this.path}`
  }
}

/**
 * The writer lock cannot be taken here (no native binding, or the file system refuses
 * `flock`), so a rewrite that could lose concurrent appends is refused. Fields: `path` (the
 * lock file), `reason`.
 *
 * @since 0.1.0
 * @category errors
 */
export class IndexLockUnavailable extends Schema.TaggedError<IndexLockUnavailable>("session-index/IndexLockUnavailable")(
  "IndexLockUnavailable",
  { path: Schema.String, reason: Schema.String }
) {
  /**
   * Marks this library's errors (see `isSessionIndexError`).
   *
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.1.0 */
  override get message(): string {
    return `cannot lock ${this.path} (${this.reason}): refusing to rewrite the index without it`
  }
}

/**
 * A page cursor this catalog did not give out, or given with other listing options than the
 * page it came from (a different sort key, order or archive). Fields: `cursor`, `reason`.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidCursor extends Schema.TaggedError<InvalidCursor>("session-index/InvalidCursor")("InvalidCursor", {
  cursor: Schema.String,
  reason: Schema.String
}) {
  /**
   * Marks this library's errors (see `isSessionIndexError`).
   *
   * @since 0.2.0
   */
  readonly [TypeId]: TypeId = TypeId

  /** @since 0.2.0 */
  override get message(): string {
    return `invalid page cursor: ${this.reason}`
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
  | InvalidCursor
