/**
 * Where a rewrite left off, for the change feed: every rewrite records, just before its rename,
 * which file it replaces (device and inode), how much of it went in (`end`), the new file's
 * inode and where the new file's own appends begin (`newStart`). A subscriber that still holds
 * the old file reads it to `end` and continues in the new one at `newStart`, so entries
 * appended to the old file after its last look and dropped by compaction are not missed, and
 * none is emitted twice, however far it lags.
 *
 * Kept beside the index file (`.<name>.rewrites`, the last few records), written under the
 * writer lock through a temp file and a rename.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect, Option, Schema } from "effect"
import * as crypto from "node:crypto"
import type { IndexIoError } from "../Errors.js"
import { ioError } from "./ioError.js"
import { adoptOwnership, type Ownership } from "./owner.js"

/**
 * Inode numbers are reused as soon as a file is gone, so a record also carries the bytes just
 * before `end` in the old file and just before `newStart` in the new one: a record of some
 * earlier rewrite between files that had the same numbers does not match those.
 */
export class RewriteRecord extends Schema.Class<RewriteRecord>("RewriteRecord")({
  dev: Schema.Number,
  ino: Schema.Number,
  end: Schema.Number,
  endEdge: Schema.String,
  newIno: Schema.Number,
  newStart: Schema.Number,
  newStartEdge: Schema.String
}) {}

/** How many bytes before a position make its edge (latin1, one character per byte). */
export const EDGE_BYTES = 48

/** As many as the change feed holds files for a lagging consumer. */
const KEEP = 64
const Records = Schema.parseJson(RewriteRecord)
const decodeRecord = Schema.decodeUnknownOption(Records)
const encodeRecord = Schema.encodeSync(Records)

export const journalPath = (path: Path.Path, indexFile: string): string =>
  path.join(path.dirname(indexFile), `.${path.basename(indexFile)}.rewrites`)

/**
 * Temp files of rewrites beside `indexFile` are named so that the next rewrite can recognise
 * (and remove) the ones their dead writers left.
 */
export const tempName = (indexBase: string): string =>
  `.${indexBase}.rewrite-${process.pid}-${crypto.randomBytes(6).toString("hex")}.tmp`

export const isTempName = (indexBase: string, name: string): boolean =>
  name.startsWith(`.${indexBase}.rewrite-`) && /\.rewrite-\d+-[0-9a-f]{12}\.tmp$/.test(name)

/** The records beside `indexFile`, oldest first; none when there is no readable journal. */
export const readJournal = (
  indexFile: string
): Effect.Effect<ReadonlyArray<RewriteRecord>, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const text = yield* fs.readFileString(journalPath(path, indexFile)).pipe(Effect.orElseSucceed(() => ""))
    return text.split("\n").flatMap((line) => Option.toArray(decodeRecord(line)))
  })

/** Adds `record`, keeping the last few; the file takes the index's owner and mode. */
export const appendJournal = (
  indexFile: string,
  record: RewriteRecord,
  like: Ownership
): Effect.Effect<void, IndexIoError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const target = journalPath(path, indexFile)
    const records = [...(yield* readJournal(indexFile)).slice(-(KEEP - 1)), record]
    const temp = path.join(path.dirname(indexFile), tempName(path.basename(indexFile)))
    yield* Effect.scoped(
      Effect.gen(function* () {
        const file = yield* fs.open(temp, { flag: "wx", mode: 0o600 })
        yield* file.writeAll(new TextEncoder().encode(records.map((r) => encodeRecord(r) + "\n").join("")))
        // Readable by whoever can read the index; a journal that cannot take its owner still works.
        yield* Effect.ignore(adoptOwnership(file, { ...like, mode: like.mode & 0o666 }))
      })
    ).pipe(
      Effect.zipRight(fs.rename(temp, target)),
      Effect.tapError(() => Effect.ignore(fs.remove(temp))),
      Effect.mapError(ioError("write", target))
    )
  })
