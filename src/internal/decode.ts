/**
 * Untrusted input (ids and names from JavaScript callers, entries to append) validated into
 * the model, each failure as the public error that names it.
 */
import { Effect, ParseResult, Schema } from "effect"
import { InvalidEntry, InvalidThreadId, InvalidThreadName } from "../Errors.js"
import { SessionIndexEntry, ThreadId, ThreadName } from "../Schema.js"

const firstIssue = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? error.message

export const decodeThreadId = (input: unknown): Effect.Effect<ThreadId, InvalidThreadId> =>
  Schema.decodeUnknown(ThreadId)(input).pipe(Effect.mapError(() => new InvalidThreadId({ input: String(input) })))

export const decodeThreadName = (input: unknown): Effect.Effect<ThreadName, InvalidThreadName> =>
  Schema.decodeUnknown(ThreadName)(input).pipe(
    Effect.mapError((error) => new InvalidThreadName({ input: String(input), reason: firstIssue(error) }))
  )

export const decodeEntry = (input: unknown): Effect.Effect<SessionIndexEntry, InvalidEntry> =>
  Schema.decodeUnknown(SessionIndexEntry)(input).pipe(Effect.mapError((error) => new InvalidEntry({ reason: firstIssue(error) })))
