/**
 * The `ThreadCatalog` service: walks the rollout folders, orders the files, reads the heads
 * it needs (remembered per file, size and mtime), filters, and names each page's threads with
 * one batched lookup in Codex's database (stateDb.ts) and one in the index.
 */
import { Chunk, Effect, Layer, Option, Schema, Stream } from "effect"
import * as path from "node:path"
import { parse as parseToml } from "smol-toml"
import { IndexIoError, InvalidCursor } from "../../Errors.js"
import { IndexReader } from "../../IndexReader.js"
import { ThreadId } from "../../Schema.js"
import { GitInfo, type ListOptions, type PageOptions, ThreadCatalog, ThreadSummary } from "../../ThreadCatalog.js"
import { Settings } from "../config.js"
import { decodeThreadId } from "../decode.js"
import { eventLoopTurn } from "../eventLoopTurn.js"
import { readRegularFile } from "../regularFile.js"
import { describeFailure, isSystemError } from "../systemError.js"
import { cwdKey, displayCwd, type Filters, passes, unixSeconds } from "./fields.js"
import { rustTrim, type SessionMeta } from "./head.js"
import { LineChangedError } from "./rolloutBytes.js"
import { activeRollouts, archivedRollouts, FolderCache, listingOrder, type RolloutFile, type SortKey } from "./rolloutFiles.js"
import { StateDb, stateDbPath, type StateNames } from "./stateDb.js"
import { type Remembered, SummaryCache } from "./summaries.js"

const DEFAULT_PAGE = 25
/**
 * Heads read between turns of the event loop (256 new heads take ~15 ms), and in the first
 * step of a stream, so that its first rows come at once. Each later step reads twice as many,
 * up to `MAX_STEP_READS`, and names its threads with one lookup: a lookup costs a few
 * round trips through libuv's thread pool, and 40 of them were a tenth of a 10,000-thread
 * listing.
 */
const STEP_READS = 256
const MAX_STEP_READS = 4096
/**
 * Files per step when their heads are remembered: the step then costs its one lookup and
 * ~1 µs a row, so a re-listing of 10,000 threads is one step.
 */
const STEP_FILES = 16384
/** A rollout's first line may carry megabytes of instructions; longer lines are unreadable. */
const ROLLOUT_MAX_LINE_BYTES = 64 * 1024 * 1024

interface Resolved {
  readonly sortKey: SortKey
  readonly order: "desc" | "asc"
  readonly archived: boolean
  readonly filters: Filters
  /** Where Codex's database is (it may not exist). */
  readonly stateDb: string
}

/** A listed thread before naming. */
interface Row {
  readonly file: RolloutFile
  readonly meta: SessionMeta
  readonly preview: string
  /** Where the summary built from it is remembered. */
  readonly remembered: Remembered<ThreadSummary>
}

/**
 * Failures that say nothing of the file being read: every later read would fail too, and a
 * listing that skipped them would silently come out empty.
 */
const PROCESS_WIDE = new Set(["EMFILE", "ENFILE", "ENOMEM"])

/**
 * Warns of a problem (undefined: none) the first time it is seen while it lasts: a picker
 * listing again and again warns once, and again only once the problem changed or came back.
 */
const warningOnce = (warning: (problem: string) => string) => {
  let last: string | undefined
  return (problem: string | undefined): Effect.Effect<void> =>
    Effect.suspend(() => {
      const seen = problem === last
      last = problem
      return problem === undefined || seen ? Effect.void : Effect.logWarning(warning(problem))
    })
}

/** A head that could not be read: which file, and why. */
class HeadReadFailure {
  constructor(
    readonly file: string,
    readonly cause: unknown
  ) {}
}

/** Why a rollout could not be read; a FIFO put in its place fails its read with "invalid seek". */
const unreadableReason = (cause: unknown): string =>
  (cause as NodeJS.ErrnoException).code === "ESPIPE" ? "not a regular file" : describeFailure(cause)

/** A rollout left out because it could not be read (see `summaryIfReadable`). */
interface Unreadable {
  readonly file: RolloutFile
  readonly cause: unknown
}

/** A walk of one tree, ordered: what a cursor continues. */
interface Walk {
  readonly generation: number
  readonly listing: string
  readonly files: ReadonlyArray<RolloutFile>
}

const CursorJson = Schema.parseJson(
  Schema.Struct({
    g: Schema.Number,
    l: Schema.String,
    f: Schema.Struct({
      path: Schema.String,
      id: Schema.String,
      nameTimestamp: Schema.String,
      day: Schema.NullOr(Schema.Tuple(Schema.Number, Schema.Number, Schema.Number)),
      mtimeMs: Schema.Number
    })
  })
)
type Cursor = typeof CursorJson.Type

const encodeCursor = (walk: Walk, file: RolloutFile): string =>
  Buffer.from(
    Schema.encodeSync(CursorJson)({
      g: walk.generation,
      l: walk.listing,
      f: { path: file.path, id: file.id, nameTimestamp: file.nameTimestamp, day: file.day ?? null, mtimeMs: file.mtimeMs }
    })
  ).toString("base64url")

const decodeCursor = (cursor: string): Effect.Effect<Cursor, InvalidCursor> =>
  Schema.decodeUnknown(CursorJson)(Buffer.from(cursor, "base64url").toString("utf8")).pipe(
    Effect.mapError(() => new InvalidCursor({ cursor, reason: "not a cursor of this catalog" }))
  )

/** The rest of `files` after the row a cursor names (which may since have gone). */
const afterCursor = (files: ReadonlyArray<RolloutFile>, compare: (a: RolloutFile, b: RolloutFile) => number, last: Cursor["f"]) => {
  const marker: RolloutFile = { ...last, file: last.path, compressed: false, size: 0, day: last.day ?? undefined }
  let low = 0
  let high = files.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (compare(files[mid]!, marker) <= 0) low = mid + 1
    else high = mid
  }
  return low
}

/** What a listing reads from `config.toml`. */
interface CodexConfig {
  /** `model_provider`: the provider of threads that name none. */
  readonly provider: string
  /** `sqlite_home`: where Codex's database is. */
  readonly sqliteHome: string | undefined
}

const DEFAULT_CONFIG: CodexConfig = { provider: "openai", sqliteHome: undefined }
/** Far more than any real config; a larger file is not Codex's. */
const CONFIG_MAX_BYTES = 16 * 1024 * 1024

/** The config, and why it fell back to the defaults when a file was there but could not be used. */
const readConfig = (codexHome: string): { readonly config: CodexConfig; readonly problem: string | undefined } => {
  const file = path.join(codexHome, "config.toml")
  try {
    const bytes = readRegularFile(file, CONFIG_MAX_BYTES)
    if (bytes === undefined) return { config: DEFAULT_CONFIG, problem: undefined }
    const config = parseToml(bytes.toString("utf8"))
    return {
      config: {
        provider: typeof config.model_provider === "string" ? config.model_provider : DEFAULT_CONFIG.provider,
        sqliteHome: typeof config.sqlite_home === "string" ? config.sqlite_home : undefined
      },
      problem: undefined
    }
  } catch (error) {
    return { config: DEFAULT_CONFIG, problem: `${file}: ${describeFailure(error)}` }
  }
}

const summaryOf = (file: RolloutFile, meta: SessionMeta, preview: string, archived: boolean, name: string | undefined, provider: string) =>
  new ThreadSummary(
    {
      id: meta.id as ThreadId,
      name: Option.fromNullable(name),
      preview,
      cwd: displayCwd(meta.cwd),
      createdAt: Option.fromNullable(unixSeconds(meta.timestamp)),
      updatedAt: Math.floor(file.mtimeMs / 1000),
      archived,
      path: file.path,
      gitInfo: Option.map(Option.fromNullable(meta.git), (git) => new GitInfo(git, true)),
      source: meta.source,
      modelProvider: meta.modelProvider === undefined || meta.modelProvider === "" ? provider : meta.modelProvider,
      cliVersion: meta.cliVersion,
      historyMode: meta.historyMode
    },
    true
  )

export const make = Effect.gen(function* () {
  const settings = yield* Settings
  const reader = yield* IndexReader
  const cache = new SummaryCache<ThreadSummary>(ROLLOUT_MAX_LINE_BYTES)
  const folders = new FolderCache({ watch: settings.watch })
  yield* Effect.addFinalizer(() => Effect.sync(() => folders.close()))
  /** Codex's database, once a listing looked for it (a new one if `sqlite_home` moves it). */
  let stateDb: StateDb | undefined
  yield* Effect.addFinalizer(() => Effect.sync(() => stateDb?.close()))
  /**
   * Lets the event loop deliver the notifications of every change made before the walk: the
   * first turn may end without reading them, the second reads them before it ends.
   */
  const notificationsDelivered = settings.watch === undefined ? Effect.void : Effect.zipRight(eventLoopTurn, eventLoopTurn)
  let generation = 0
  /** The newest walk of each listing, so that a page's cursor continues it without a new walk. */
  const walks = new Map<string, Walk>()

  const configWarning = warningOnce((problem) => `session-index: cannot use ${problem}; listing with Codex's defaults`)

  const resolve = (options: ListOptions = {}): Effect.Effect<Resolved> =>
    Effect.suspend(() => {
      const { config, problem } = readConfig(settings.codexHome)
      return Effect.as(configWarning(problem), resolvedWith(config, options))
    })

  const resolvedWith = (config: CodexConfig, options: ListOptions): Resolved => {
    const provider = config.provider
    return {
      stateDb: stateDbPath(settings.codexHome, config.sqliteHome),
      sortKey: options.sortKey ?? "updated_at",
      order: options.order ?? "desc",
      archived: options.archived ?? false,
      filters: {
        // As Codex reads them: no source kinds means the default two, no providers means all.
        sources: new Set(options.sources === undefined || options.sources.length === 0 ? ["cli", "vscode"] : options.sources),
        modelProviders: options.modelProviders === undefined ? new Set([provider]) : options.modelProviders.length === 0 ? undefined : new Set(options.modelProviders),
        defaultProvider: provider,
        cwds: options.cwd === undefined ? undefined : new Set((typeof options.cwd === "string" ? [options.cwd] : options.cwd).map(cwdKey))
      }
    }
  }

  const listingKey = (resolved: Resolved) => `${resolved.archived ? "archived" : "active"} ${resolved.sortKey} ${resolved.order}`

  const compareFor = (resolved: Resolved) => listingOrder(resolved.sortKey, resolved.order)

  const ioFailure = (op: "list" | "read", target: string) => (error: unknown) =>
    new IndexIoError({ op, path: target, reason: describeFailure(error), cause: error })

  /** A walk's failure, named by the folder that failed (Node's error carries it), else by `root`. */
  const listFailure = (root: string) => (error: unknown) => {
    const failed = (error as NodeJS.ErrnoException).path
    return ioFailure("list", typeof failed === "string" ? failed : root)(error)
  }

  const walk = (resolved: Resolved): Effect.Effect<Walk, IndexIoError> =>
    Effect.zipRight(notificationsDelivered, Effect.try({
      try: () => {
        const files = resolved.archived ? archivedRollouts(settings.codexHome, folders) : activeRollouts(settings.codexHome, folders)
        files.sort(compareFor(resolved))
        const made: Walk = { generation: ++generation, listing: listingKey(resolved), files }
        walks.set(made.listing, made)
        return made
      },
      catch: listFailure(path.join(settings.codexHome, resolved.archived ? "archived_sessions" : "sessions"))
    }))

  /** Rollouts already warned of as unreadable, while their size and mtime hold. */
  const warnedUnreadable = new WeakSet<RolloutFile>()

  /**
   * `file`'s summary; undefined when it is gone since the walk, or cannot be read (a file
   * made unreadable, or replaced by a folder or a FIFO): Codex then lists the other threads,
   * and so does this, with a warning.
   */
  const summaryIfReadable = (file: RolloutFile, archived: boolean, unreadable: Array<Unreadable>): Remembered<ThreadSummary> | undefined => {
    try {
      return cache.get(file, archived)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === "ENOENT") return undefined
      const ofTheFile = (isSystemError(error) && !PROCESS_WIDE.has(code!)) || error instanceof LineChangedError
      if (!ofTheFile) throw new HeadReadFailure(file.file, error)
      unreadable.push({ file, cause: error })
      return undefined
    }
  }

  /** Warns of each rollout left out, once while its record holds. */
  const warnOfUnreadable = (unreadable: ReadonlyArray<Unreadable>) =>
    Effect.forEach(
      unreadable.filter(({ file }) => !warnedUnreadable.has(file) && warnedUnreadable.add(file)),
      ({ cause, file }) => Effect.logWarning(`session-index: not listing ${file.file}: ${unreadableReason(cause)}`),
      { discard: true }
    )

  const readFailure = (error: unknown) =>
    error instanceof HeadReadFailure ? ioFailure("read", error.file)(error.cause) : ioFailure("read", settings.codexHome)(error)

  /** The listed threads among `files`, unnamed yet, in order. */
  const listed = (files: ReadonlyArray<RolloutFile>, resolved: Resolved) =>
    Effect.suspend(() => {
      const out: Array<Row> = []
      const unreadable: Array<Unreadable> = []
      try {
        for (const file of files) {
          const remembered = summaryIfReadable(file, resolved.archived, unreadable)
          if (remembered === undefined) continue
          const { meta, preview } = remembered.summary
          if (meta === undefined || preview === undefined || !passes(meta, resolved.filters)) continue
          out.push({ file, meta, preview, remembered })
        }
      } catch (error) {
        return Effect.fail(readFailure(error))
      }
      return Effect.as(warnOfUnreadable(unreadable), out)
    })

  /** What Codex's database says about these threads, when there is a usable one. */
  const databaseNames = (rows: ReadonlyArray<Row>, resolved: Resolved): Effect.Effect<StateNames | undefined> => {
    if (rows.length === 0) return Effect.succeed(undefined)
    if (stateDb?.file !== resolved.stateDb) {
      stateDb?.close()
      stateDb = new StateDb(resolved.stateDb)
    }
    const db = stateDb
    return Effect.promise(() => db.lookup()).pipe(
      Effect.tap(({ warning }) => (warning === undefined ? Effect.void : Effect.logWarning(warning))),
      Effect.map(({ names }) => names)
    )
  }

  const indexWarning = warningOnce((problem) => `session-index: listing without names: ${problem}`)

  /** An index that cannot be read (a folder, or forbidden) names nothing, as in Codex, which lists on. */
  const withoutIndexNames = (error: IndexIoError): Effect.Effect<ReadonlyMap<string, string>> => Effect.as(indexWarning(error.message), new Map())

  /**
   * Names the threads as Codex 0.169 does, with one batched lookup in its database and one in
   * the index. A `paginated` thread (what Codex 0.169 creates) has only the database's `name`,
   * shown even when equal to its preview. A `legacy` thread has the database's title when it
   * is not the first user message (a rename through Codex), else its index name, and none when
   * that equals the preview.
   */
  const named = (rows: ReadonlyArray<Row>, resolved: Resolved) =>
    Effect.gen(function* () {
      const fromDatabase = yield* databaseNames(rows, resolved)
      // The index names only legacy threads without a title of their own in the database.
      const fromIndex = rows.filter((row) => row.meta.historyMode === "legacy" && fromDatabase?.get(row.meta.id)?.title === undefined)
      let indexNames: ReadonlyMap<string, string> = new Map()
      if (fromIndex.length > 0) {
        indexNames = yield* reader.findNamesByIds(fromIndex.map((row) => row.meta.id as ThreadId)).pipe(
          // Heads only yield metas whose id is a hyphenated UUID.
          Effect.catchTag("InvalidThreadId", Effect.die),
          Effect.tap(() => indexWarning(undefined)),
          Effect.catchTag("IndexIoError", withoutIndexNames)
        )
      }
      // What a thread shows besides its file's fields; its name is added to it below.
      const shownKey = `${resolved.filters.defaultProvider}\u0000${process.cwd()}`
      return rows.map((row) => {
        const inDatabase = fromDatabase?.get(row.meta.id)
        let name: string | undefined
        if (row.meta.historyMode === "paginated") {
          name = inDatabase?.name
        } else {
          const candidate = inDatabase?.title ?? indexNames.get(row.meta.id)
          name = candidate === undefined || rustTrim(candidate) === rustTrim(row.preview) ? undefined : candidate
        }
        // The file's fields are fixed by its size and mtime; the rest of what it shows is this key.
        const key = name === undefined ? shownKey : `${shownKey}\u0000${name}`
        const shown = row.remembered.shown
        if (shown !== undefined && shown.key === key) return shown.value
        const value = summaryOf(row.file, row.meta, row.preview, resolved.archived, name, resolved.filters.defaultProvider)
        row.remembered.shown = { key, value }
        return value
      })
    })

  /**
   * The ends of a step's slices from `from`: each slice holds up to `STEP_READS` heads to
   * read, the step up to `reads` of them and `STEP_FILES` files in all.
   */
  const stepSlices = (files: ReadonlyArray<RolloutFile>, from: number, reads: number): Array<number> => {
    const last = Math.min(files.length, from + Math.max(STEP_FILES, reads))
    const ends: Array<number> = []
    let read = 0
    for (let at = from; at < last; at++) {
      if (cache.has(files[at]!)) continue
      if (read === reads) return [...ends, at]
      if (read > 0 && read % STEP_READS === 0) ends.push(at)
      read++
    }
    return [...ends, last]
  }

  /** A step's listed threads, the event loop given a turn between its slices. */
  const listedInSlices = (files: ReadonlyArray<RolloutFile>, from: number, ends: ReadonlyArray<number>, resolved: Resolved) =>
    Effect.gen(function* () {
      const rows: Array<Row> = []
      let start = from
      for (const end of ends) {
        if (start > from) yield* eventLoopTurn
        for (const row of yield* listed(files.slice(start, end), resolved)) rows.push(row)
        start = end
      }
      return rows
    })

  const threads = (options?: ListOptions): Stream.Stream<ThreadSummary, IndexIoError> => {
    return Stream.unwrap(
      Effect.flatMap(resolve(options), (resolved) => Effect.map(walk(resolved), ({ files }) =>
        Stream.paginateChunkEffect({ from: 0, reads: STEP_READS }, ({ from, reads }) =>
          Effect.gen(function* () {
            const ends = stepSlices(files, from, reads)
            const to = ends[ends.length - 1]!
            const rows = yield* named(yield* listedInSlices(files, from, ends, resolved), resolved)
            const next = { from: to, reads: Math.min(2 * reads, MAX_STEP_READS) }
            return [Chunk.unsafeFromArray(rows), to < files.length ? Option.some(next) : Option.none()] as const
          })
        )
      ))
    )
  }

  const page = Effect.fn("ThreadCatalog.page")(function* (options: PageOptions = {}) {
    const resolved = yield* resolve(options)
    const limit = options.limit === undefined || Number.isNaN(options.limit) ? DEFAULT_PAGE : Math.max(1, Math.floor(options.limit))
    let current: Walk
    let start = 0
    if (options.cursor === undefined) {
      current = yield* walk(resolved)
    } else {
      const cursor = yield* decodeCursor(options.cursor)
      if (cursor.l !== listingKey(resolved)) {
        return yield* new InvalidCursor({ cursor: options.cursor, reason: `it continues a listing of ${cursor.l}, not ${listingKey(resolved)}` })
      }
      const kept = walks.get(cursor.l)
      current = kept !== undefined && kept.generation === cursor.g ? kept : yield* walk(resolved)
      start = afterCursor(current.files, compareFor(resolved), cursor.f)
    }
    const rows: Array<Row> = []
    let next = start
    while (rows.length < limit && next < current.files.length) {
      const batch = current.files.slice(next, next + Math.min(STEP_READS, limit - rows.length))
      next += batch.length
      for (const row of yield* listed(batch, resolved)) rows.push(row)
    }
    const threads = yield* named(rows, resolved)
    const last = rows.at(-1)
    const nextCursor = next < current.files.length && last !== undefined ? Option.some(encodeCursor(current, last.file)) : Option.none()
    return { threads, nextCursor }
  })

  const thread = Effect.fn("ThreadCatalog.thread")(function* (id: string) {
    const threadId = yield* decodeThreadId(id)
    const unreadable: Array<Unreadable> = []
    for (const archived of [false, true]) {
      yield* notificationsDelivered
      const files = yield* Effect.try({
        try: () => (archived ? archivedRollouts(settings.codexHome, folders) : activeRollouts(settings.codexHome, folders)).filter((file) => file.id === threadId),
        catch: listFailure(settings.codexHome)
      })
      files.sort(listingOrder("updated_at", "desc"))
      const resolved = yield* resolve({ archived, sources: [], modelProviders: [] })
      for (const file of files) {
        const remembered = yield* Effect.try({ try: () => summaryIfReadable(file, archived, unreadable), catch: readFailure })
        if (remembered === undefined) continue
        const { meta, preview } = remembered.summary
        if (meta === undefined) continue
        // A thread without a preview is never listed: what it shows here is not remembered.
        const row = preview === undefined ? { file, meta, preview: "", remembered: { ...remembered, shown: undefined } } : { file, meta, preview, remembered }
        const [found] = yield* named([row], resolved)
        yield* warnOfUnreadable(unreadable)
        return Option.some(found!)
      }
    }
    // This thread was asked for, and a rollout of it could not be read: that is the answer.
    const [first] = unreadable
    if (first !== undefined) return yield* ioFailure("read", first.file.file)(first.cause)
    return Option.none<ThreadSummary>()
  })

  return ThreadCatalog.of({ threads, page, thread })
})

export const layer: Layer.Layer<ThreadCatalog, never, Settings | IndexReader> = Layer.scoped(ThreadCatalog, make)
