/**
 * Untrusted input (ids and names from JavaScript callers, entries to append) validated into
 * the model, each failure as the public error that names it.
 */
import { Effect, ParseResult, Schema } from "effect"
import { InvalidEntry, InvalidThreadId, InvalidThreadName } from "../Errors.js"
import { SessionIndexEntry, ThreadId, ThreadName } from "../Schema.js"

const firstIssue = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? error.message

/** `String(input)`, which throws on some objects (no prototype, a throwing `toString`), made total. */
export const asText = (input: unknown): string => {
  try {
    return String(input)
  } catch {
    return Object.prototype.toString.call(input)
  }
}

export const decodeThreadId = (input: unknown): Effect.Effect<ThreadId, InvalidThreadId> =>
  Schema.decodeUnknown(ThreadId)(input).pipe(Effect.mapError(() => new InvalidThreadId({ input: asText(input) })))

/** A `ThreadId` as it decodes: lowercase, hyphenated. */
const DECODED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Ids already in their decoded form pass with one test each: a batch of thousands (a
 * listing's names) spent more on decoding its ids one by one than on its lookup.
 */
export const decodeThreadIds = (input: Iterable<unknown>): Effect.Effect<Array<ThreadId>, InvalidThreadId> => {
  const ids = Array.from(input)
  return ids.every((id) => typeof id === "string" && DECODED_ID.test(id))
    ? Effect.succeed(ids as Array<ThreadId>)
    : Effect.forEach(ids, decodeThreadId)
}

export const decodeThreadName = (input: unknown): Effect.Effect<ThreadName, InvalidThreadName> =>
  Schema.decodeUnknown(ThreadName)(input).pipe(
    Effect.mapError((error) => new InvalidThreadName({ input: asText(input), reason: firstIssue(error) }))
  )

export const decodeEntry = (input: unknown): Effect.Effect<SessionIndexEntry, InvalidEntry> =>
  Schema.decodeUnknown(SessionIndexEntry)(input).pipe(Effect.mapError((error) => new InvalidEntry({ reason: firstIssue(error) })))
