/**
 * The data model of `session_index.jsonl`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { UUID_PATTERN } from "./internal/scan/entryLine.js"

/**
 * A thread (session) id: a hyphenated UUID, any case on input, normalised to lowercase so that
 * ids compare case-insensitively by plain equality.
 *
 * @since 0.1.0
 * @category models
 */
export const ThreadId = Schema.Lowercase.pipe(
  Schema.pattern(new RegExp(`^${UUID_PATTERN}$`), { message: () => "expected a hyphenated UUID (8-4-4-4-12 hex digits)" }),
  Schema.brand("ThreadId")
)

/**
 * @since 0.1.0
 * @category models
 */
export type ThreadId = typeof ThreadId.Type

/**
 * A thread name as stored: trimmed, non-blank, well-formed Unicode (so it encodes to UTF-8).
 *
 * @since 0.1.0
 * @category models
 */
export const ThreadName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "a thread name cannot be blank" }),
  Schema.filter((s) => s.isWellFormed() || "a thread name cannot contain lone UTF-16 surrogates"),
  Schema.brand("ThreadName")
)

/**
 * @since 0.1.0
 * @category models
 */
export type ThreadName = typeof ThreadName.Type

/**
 * One line of the index. Encodes to exactly Codex's compact line, fields in the order `id`,
 * `thread_name`, `updated_at`.
 *
 * @since 0.1.0
 * @category models
 */
export class SessionIndexEntry extends Schema.Class<SessionIndexEntry>("SessionIndexEntry")({
  id: ThreadId,
  thread_name: Schema.String.pipe(Schema.filter((s) => s.isWellFormed() || "lone UTF-16 surrogates")),
  updated_at: Schema.String.pipe(Schema.filter((s) => s.isWellFormed() || "lone UTF-16 surrogates"))
}) {}

/**
 * The line `entry` is written as, newline included.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeLine = (entry: SessionIndexEntry): string =>
  JSON.stringify(Schema.encodeSync(SessionIndexEntry)(entry)) + "\n"
