/**
 * Reading a thread's rollout: Codex's record of a thread, one JSON object per line
 * (`sessions/<Y>/<M>/<D>/rollout-<timestamp>-<uuid>.jsonl`, or the same name plus `.zst`).
 * Forward or newest first, streamed in bounded memory whatever the file's size.
 *
 * @since 0.2.0
 * @example
 * import { Console, Effect, Option, Stream } from "effect"
 * import { RolloutLine, RolloutReader } from "session-index"
 *
 * // The last 20 events of a thread: only the end of the file is read.
 * const tail = (path: string) =>
 *   Effect.flatMap(RolloutReader, (reader) =>
 *     reader.linesNewestFirst(path).pipe(
 *       Stream.filter(RolloutLine.$is("Event")),
 *       Stream.take(20),
 *       Stream.runForEach((line) => Console.log(Option.getOrElse(line.type, () => "?"), line.offset))
 *     )
 *   )
 */
import { Context, type Data, Layer, type Option, type Stream } from "effect"
import type { IndexIoError } from "./Errors.js"
import * as internal from "./internal/catalog/rolloutReader.js"

/**
 * One line of a rollout, where `offset` is the byte offset of its start in the file's content
 * (decompressed, for a `.zst` file):
 * - `Event`: a JSON object; `timestamp` and `type` when they are strings, `payload` as parsed
 *   (`undefined` when absent).
 * - `Unreadable`: a line longer than `maxLineBytes` (`"tooLong"`, never read whole), or one that
 *   is not a JSON object (`"notJsonObject"`). Reported rather than dropped: callers choose.
 *
 * Blank lines are not reported, nor is an unfinished last line (no `\n` yet) until it is a
 * complete JSON object: Codex may be writing it.
 *
 * @since 0.2.0
 * @category models
 */
export type RolloutLine = Data.TaggedEnum<{
  Event: {
    readonly offset: number
    readonly timestamp: Option.Option<string>
    readonly type: Option.Option<string>
    readonly payload: unknown
  }
  Unreadable: { readonly offset: number; readonly reason: "tooLong" | "notJsonObject" }
}>

/**
 * Constructors and guards of `RolloutLine`: `RolloutLine.Event({ ... })`,
 * `RolloutLine.$is("Event")`, `RolloutLine.$match({ Event, Unreadable })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const RolloutLine: Data.TaggedEnum.Constructor<RolloutLine> = internal.RolloutLine

/**
 * What `RolloutReader` offers. A `path` ending in `.zst` is decompressed; a plain path that
 * does not exist is read from its `.zst` twin (Codex lists compressed rollouts without the
 * suffix; a plain file wins over its twin). Failures are `IndexIoError`s: `open` for a
 * missing or forbidden file, `read` for one that is not a regular file, fails to read, or
 * holds corrupt zstd data.
 *
 * @since 0.2.0
 * @category models
 */
export interface RolloutReaderShape {
  /**
   * The lines from the first, read one chunk per pull (64 KiB first, growing to 1 MiB): a
   * consumer that stops early reads only what it took. Lines appended while the stream runs
   * may or may not appear, and none appears torn or twice.
   */
  readonly lines: (path: string) => Stream.Stream<RolloutLine, IndexIoError>
  /**
   * The lines from the last, as the file was when the stream started. A plain file is read
   * backwards: the last few lines cost about one 64 KiB read, whatever its size. zstd cannot
   * be read backwards: the last lines of a `.zst` file cost a decompression of all of it, and
   * reading it all newest first one decompression per 4,096 lines.
   */
  readonly linesNewestFirst: (path: string) => Stream.Stream<RolloutLine, IndexIoError>
}

/**
 * Reads rollout files. Provided by `NodeSessionIndex.layer`; needs no Codex home (it is given
 * paths, such as a `ThreadSummary`'s).
 *
 * @since 0.2.0
 * @category tags
 */
export class RolloutReader extends Context.Tag("session-index/RolloutReader")<RolloutReader, RolloutReaderShape>() {}

/**
 * The reader on Node's file system. Lines longer than `maxLineBytes` (default 16 MiB) are
 * `Unreadable`, skipped without being held in memory.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: { readonly maxLineBytes?: number | undefined } = {}): Layer.Layer<RolloutReader> =>
  Layer.succeed(RolloutReader, internal.make(options))
