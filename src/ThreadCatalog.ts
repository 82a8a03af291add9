/**
 * The threads of a Codex home, listed as Codex's resume picker lists them: newest first, with
 * their names, previews, working folders and git info, read from the head of each rollout.
 *
 * @since 0.2.0
 */
import { Context, type Effect, type Option, Schema, type Stream } from "effect"
import type { IndexIoError, InvalidCursor, InvalidThreadId } from "./Errors.js"
import { ThreadId } from "./Schema.js"

/**
 * The repository a thread was started in, as its rollout recorded it.
 *
 * @since 0.2.0
 * @category models
 */
export class GitInfo extends Schema.Class<GitInfo>("session-index/GitInfo")({
  sha: Schema.NullOr(Schema.String),
  branch: Schema.NullOr(Schema.String),
  originUrl: Schema.NullOr(Schema.String)
}) {}

/**
 * One thread of a listing. Times are unix seconds, as Codex's `thread/list` gives them:
 * `createdAt` from the rollout's `session_meta` (none when unparseable), `updatedAt` from the
 * file's modification time. `path` is the rollout file, without `.zst` for a compressed one.
 * Encoded (for JSON), options become `null`.
 *
 * `name` is the name Codex 0.169 lists, from its database `state_5.sqlite` (in CODEX_HOME, or
 * where `sqlite_home` of `config.toml` or `CODEX_SQLITE_HOME` puts it) and
 * `session_index.jsonl`:
 * - a `paginated` thread (what Codex 0.169 creates): the database's name for it, shown even
 *   when equal to the preview; the index is not consulted, and without a database (or a
 *   usable one) the thread has none;
 * - a `legacy` thread: its title in the database when that is neither empty nor its first
 *   message (it was renamed through Codex), else its current name in the index; none when
 *   that equals the preview.
 *
 * The database is read, never written (no `-wal`, `-shm` or journal file is created), including
 * what Codex has not yet checkpointed from its write-ahead log: a rename made a moment ago by a
 * running Codex is listed. A database that cannot be read (corrupt, of another schema, larger
 * than 256 MiB with its log, or in the middle of a rollback-journal write) lists as none, with
 * one logged warning.
 *
 * @since 0.2.0
 * @category models
 */
export class ThreadSummary extends Schema.Class<ThreadSummary>("session-index/ThreadSummary")({
  id: ThreadId,
  name: Schema.OptionFromNullOr(Schema.String),
  preview: Schema.String,
  cwd: Schema.String,
  createdAt: Schema.OptionFromNullOr(Schema.Number),
  updatedAt: Schema.Number,
  archived: Schema.Boolean,
  path: Schema.String,
  gitInfo: Schema.OptionFromNullOr(GitInfo),
  /**
   * Where the thread was started, as Codex shows it: `"cli"`, `"vscode"`, `"exec"`,
   * `"appServer"`, `"unknown"`, or `{ subAgent: ... }` for a subagent's thread.
   */
  source: Schema.Union(Schema.String, Schema.Struct({ subAgent: Schema.Unknown })),
  /** The thread's model provider; the configured default when it names none (or `""`). */
  modelProvider: Schema.String,
  cliVersion: Schema.String,
  /** `paginated` for threads Codex 0.169 creates, `legacy` for older ones. */
  historyMode: Schema.Literal("legacy", "paginated")
}) {}

/**
 * Which threads, in which order. Defaults: `updated_at`, `desc`, active threads, sources `cli`
 * and `vscode`, and the model provider Codex is configured with (`model_provider` in
 * `config.toml`, else `openai`; threads naming none count as it). `sources` are Codex's
 * source kinds: `cli`, `vscode`, `exec`, `appServer`, `subAgent` (every subagent),
 * `subAgentReview`, `subAgentCompact`, `subAgentThreadSpawn`, `subAgentOther`, `unknown`.
 *
 * @since 0.2.0
 * @category models
 */
export interface ListOptions {
  readonly sortKey?: "updated_at" | "created_at" | undefined
  readonly order?: "desc" | "asc" | undefined
  readonly archived?: boolean | undefined
  /**
   * Only threads started in this folder, or in any of these. Compared as Codex compares
   * paths: `.`, repeated and trailing separators do not matter, `..` does.
   */
  readonly cwd?: string | ReadonlyArray<string> | undefined
  /** Model providers listed; `[]` lists every provider. */
  readonly modelProviders?: ReadonlyArray<string> | undefined
  /** Source kinds listed; `[]` is the default two. */
  readonly sources?: ReadonlyArray<string> | undefined
}

/**
 * A page request: the listing's options, at most `limit` threads (default 25), after `cursor`.
 *
 * @since 0.2.0
 * @category models
 */
export interface PageOptions extends ListOptions {
  readonly limit?: number | undefined
  /** A page's `nextCursor`, for the page after it. */
  readonly cursor?: string | undefined
}

/**
 * A page of a listing, and the cursor of the next one (none after the last).
 *
 * @since 0.2.0
 * @category models
 */
export interface ThreadPage {
  readonly threads: ReadonlyArray<ThreadSummary>
  readonly nextCursor: Option.Option<string>
}

/**
 * The thread catalog. Provided by `NodeSessionIndex.layer` beside the index services.
 *
 * - `threads`: every thread of the listing, as a stream: the whole listing costs one walk of
 *   the folders and one head read per rollout not already remembered. The walk `stat`s every
 *   rollout, or with the layer's `watch` option only those a kernel notification named.
 * - `page`: one page of it, for pickers; a cursor continues the same walk, and no thread is
 *   lost or repeated at page boundaries.
 * - `thread`: a thread by id, active or archived.
 *
 * Each page (or each step of a stream) is named with one lookup in the names of Codex's
 * database and one in the index (see `ThreadSummary`). The database is read with sql.js
 * (SQLite compiled to WebAssembly, loaded on the first listing that finds a database): whole
 * into memory for a moment (about 1.7 KB per thread), after which only the names of the few
 * threads that have one are kept, until the database or its write-ahead log changes.
 *
 * @since 0.2.0
 * @category services
 * @example
 * import { Console, Effect, Option, Stream } from "effect"
 * import { NodeSessionIndex, ThreadCatalog } from "session-index"
 *
 * const program = Effect.gen(function* () {
 *   const catalog = yield* ThreadCatalog
 *   yield* catalog.threads({ sortKey: "created_at" }).pipe(
 *     Stream.take(10),
 *     Stream.runForEach((thread) => Console.log(`${thread.id}  ${Option.getOrElse(thread.name, () => thread.preview)}`))
 *   )
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: "/tmp/codex" }))))
 */
export class ThreadCatalog extends Context.Tag("session-index/ThreadCatalog")<
  ThreadCatalog,
  {
    readonly threads: (options?: ListOptions) => Stream.Stream<ThreadSummary, IndexIoError>
    readonly page: (options?: PageOptions) => Effect.Effect<ThreadPage, IndexIoError | InvalidCursor>
    readonly thread: (id: string) => Effect.Effect<Option.Option<ThreadSummary>, IndexIoError | InvalidThreadId>
  }
>() {}
