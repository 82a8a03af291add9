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
 * @example
 * import { Either, Schema } from "effect"
 * import { ThreadId } from "session-index"
 *
 * // Any case in, lowercase out.
 * const id: ThreadId = Schema.decodeUnknownSync(ThreadId)("0194F7C2-3B1D-7C4E-9A51-2F0E8D6B1A23")
 * assert.strictEqual(id, "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23")
 *
 * // Anything but a hyphenated UUID is refused.
 * assert.strictEqual(Either.isLeft(Schema.decodeUnknownEither(ThreadId)("0194f7c23b1d7c4e9a512f0e8d6b1a23")), true)
 */
export const ThreadId = Schema.Lowercase.pipe(
  Schema.pattern(new RegExp(`^${UUID_PATTERN}$`), { message: () => "expected a hyphenated UUID (8-4-4-4-12 hex digits)" }),
  Schema.brand("ThreadId")
)

/**
 * A decoded `ThreadId`: a lowercase hyphenated UUID, branded.
 *
 * @since 0.1.0
 * @category models
 */
export type ThreadId = typeof ThreadId.Type

/**
 * A thread name as stored: trimmed, non-blank, well-formed Unicode (so it encodes to UTF-8).
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { Schema } from "effect"
 * import { ThreadName } from "session-index"
 *
 * assert.strictEqual(Schema.decodeUnknownSync(ThreadName)("  fix flaky ci\n"), "fix flaky ci")
 * assert.strictEqual(Schema.is(ThreadName)("   "), false)
 */
export const ThreadName = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "a thread name cannot be blank" }),
  Schema.filter((s) => s.isWellFormed() || "a thread name cannot contain lone UTF-16 surrogates"),
  Schema.brand("ThreadName")
)

/**
 * A decoded `ThreadName`: trimmed, non-blank, well-formed Unicode, branded.
 *
 * @since 0.1.0
 * @category models
 */
export type ThreadName = typeof ThreadName.Type

/**
 * One line of the index. Encodes to exactly Codex's compact line, fields in the order `id`,
 * `thread_name`, `updated_at`. Decoding lowercases `id` and checks it is a hyphenated UUID;
 * `thread_name` and `updated_at` are kept as given (a blank name is a valid entry, and
 * `updated_at` is not parsed: append order, not time, decides every answer).
 *
 * `encodeLine`'s example decodes an entry and writes its line.
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
 * The line `entry` is written as, newline included: Codex's compact JSON, fields in its order.
 *
 * @since 0.1.0
 * @category encoding
 * @example
 * import { Schema } from "effect"
 * import { encodeLine, SessionIndexEntry } from "session-index"
 *
 * // Decoding checks the entry and lowercases its id.
 * const entry = Schema.decodeUnknownSync(SessionIndexEntry)({
 *   updated_at: "2026-02-03T16:08:29.123Z",
 *   thread_name: "fix flaky ci",
 *   id: "0194F7C2-3B1D-7C4E-9A51-2F0E8D6B1A23"
 * })
 * assert.strictEqual(entry instanceof SessionIndexEntry, true)
 * assert.strictEqual(entry.id, "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23")
 *
 * // The line is Codex's: compact JSON, fields in its order, whatever order they came in.
 * assert.strictEqual(
 *   encodeLine(entry),
 *   `{"id":"0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23","thread_name":"fix flaky ci","updated_at":"2026-02-03T16:08:29.123Z"}\n`
 * )
 */
export const encodeLine = (entry: SessionIndexEntry): string =>
  JSON.stringify(Schema.encodeSync(SessionIndexEntry)(entry)) + "\n"
