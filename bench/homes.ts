/**
 * A deterministic, seeded generator of a whole CODEX_HOME: rollouts under `sessions/Y/M/D/` and
 * `archived_sessions/`, `session_index.jsonl` with renames, and files Codex must ignore. For the
 * thread catalog's parity tests against Codex 0.169's `thread/list` and for its benchmarks.
 *
 * `generateHome(dir, options)` writes the home and returns a manifest: every rollout with the
 * values Codex 0.169 lists for it (measured against the binary; see the notes in the catalog
 * parity test), and `expectedListing` orders and filters the manifest as `thread/list` does.
 *
 * - Big rollouts (hundreds of MB) are written streamingly, padding events after the head, and
 *   huge first lines (a multi-MB `session_meta`) are written in chunks: memory stays flat.
 * - `.jsonl.zst` rollouts are real zstd frames made of Raw blocks (no compressor needed).
 * - Every file sits in the directory of its own date, and no two directory names parse to the
 *   same number: Codex's created_at paging breaks otherwise ("repeated cursor").
 * - Modification times are set exactly (ties included, some on the same millisecond with other
 *   nanoseconds); the manifest holds what the file system kept.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

// ---------------------------------------------------------------------------------------------
// Options and manifest

/** A rollout padded to `bytes` after its head. */
export interface BigRollout {
  readonly bytes: number
  readonly zst?: boolean
  readonly archived?: boolean
  /** Line endings of the whole file. */
  readonly crlf?: boolean
}

/** The variety switches; each adds threads (or files) of that kind. All on by default. */
export interface Variety {
  /** Several names per thread in session_index.jsonl, some equal to the preview, blank renames, padded names, upper-case ids. */
  readonly renames: boolean
  /** `.jsonl.zst` rollouts, and a plain file beside a `.zst` twin (the plain one is listed). */
  readonly zst: boolean
  /** CRLF line endings. */
  readonly crlf: boolean
  /** A multi-MB first line (`hugeFirstLineBytes`). */
  readonly hugeFirstLine: boolean
  /** session_meta at line 10 (and 11, unlisted), preview at line 210 (and 211), blank, whitespace and junk lines. */
  readonly headWindow: boolean
  /** Threads without any user message (active: not listed; archived: preview ""), and archived previews far down the file. */
  readonly noPreview: boolean
  /** Image-only first messages (`"[Image]"`), `## My request for Codex:` markers, padded and multi-line messages. */
  readonly previews: boolean
  /** Codex 0.169's own format: `history_mode: "paginated"`, the user message as an `item_completed` `UserMessage`. */
  readonly codexFormat: boolean
  /** Sources other than cli/vscode: exec, mcp, subagents, unknown strings; and a missing source (vscode). */
  readonly sources: boolean
  /** Providers other than openai, a missing one, `null`, and `""`. */
  readonly providers: boolean
  /** cwds needing lexical normalization (`.`, `..`, `//`, trailing `/`). */
  readonly cwds: boolean
  /** git info full, partial, missing, null, `{}`. */
  readonly git: boolean
  /** session_meta timestamps with offsets, fractions, and unparseable ones (no offset; garbage). */
  readonly timestamps: boolean
  /** Equal filename timestamps (created_at ties) and equal modification times (updated_at ties). */
  readonly ties: boolean
  /** Invalid session_meta (`source: null`, no cwd, bogus history_mode, ...): never listed. */
  readonly invalidMeta: boolean
  /** Upper-case uuids, a filename uuid other than the meta id, one id in two files. */
  readonly ids: boolean
  /** Date directories without zero padding (`2025/3/7`). */
  readonly unpaddedDirs: boolean
  /** Files and directories Codex ignores: other names, depths, non-integer dirs, nested archives, symlinks, bad `.zst`. */
  readonly extras: boolean
  /** Modification times one nanosecond before a second (set with `touch`; Linux only). */
  readonly nsEdges: boolean
}

export interface HomeOptions {
  readonly seed?: number
  /** Active rollouts written (default 200); some are, by design, not listed. */
  readonly active?: number
  /** Archived rollouts written (default 40). */
  readonly archived?: number
  /** Big rollouts, in addition to the above: a size in bytes, or the details. */
  readonly bigRollouts?: ReadonlyArray<number | BigRollout>
  /** The size of the huge first lines (default 2 MiB). */
  readonly hugeFirstLineBytes?: number
  /** `true` (default) for every variety, `false` for none, or the switches to change. */
  readonly variety?: boolean | Partial<Variety>
  /** Writes `config.toml` with this `model_provider` (and its `[model_providers.X]` table). */
  readonly defaultProvider?: string
  /** The first thread's creation time (ms). Default 2025-01-03T09:00:00Z. */
  readonly baseTime?: number
  /** Where the generated `cwd`s live (absolute; they need not exist). Default `/work/projects`. */
  readonly cwdRoot?: string
}

/** Codex's source kinds, the `sourceKinds` of `thread/list`. */
export type SourceKind =
  | "cli"
  | "vscode"
  | "exec"
  | "appServer"
  | "subAgentReview"
  | "subAgentCompact"
  | "subAgentThreadSpawn"
  | "subAgentOther"
  | "subAgent"
  | "unknown"

export interface ManifestThread {
  /** What kind of rollout this is (a short label listing its variety). */
  readonly kind: string
  /** The file on disk (with `.zst` when compressed). */
  readonly file: string
  /** The `path` Codex lists: the file without `.zst`. */
  readonly path: string
  readonly archived: boolean
  /** Listed by Codex (with the right filters): a valid session_meta in the head, and for active threads a preview in the head. */
  readonly listed: boolean
  /** Lower-case `session_meta.id` (what Codex lists as `id`). */
  readonly id: string
  /** The uuid of the file name, lower-case: it breaks ties in the order. */
  readonly fileUuid: string
  /** `YYYY-MM-DDThh-mm-ss` of the file name: the created_at order. */
  readonly fileTimestamp: string
  readonly preview: string
  /** The name Codex lists: the current session_index name unless equal to the preview; none for paginated threads. */
  readonly name: string | null
  /** Every name given in session_index.jsonl, in order (raw). */
  readonly names: ReadonlyArray<string>
  readonly rawCwd: string
  /** The listed cwd (lexically normalized). */
  readonly cwd: string
  /** Unix seconds, or null when the timestamp does not parse (Codex then lists the current time). */
  readonly createdAt: number | null
  readonly rawTimestamp: string
  /** The modification time as Codex orders it: milliseconds, truncated from the file system's nanoseconds. */
  readonly mtimeMs: number
  /** Unix seconds (floor of the modification time). */
  readonly updatedAt: number
  /** The raw `source` of session_meta (undefined when missing). */
  readonly rawSource: unknown
  readonly sourceKind: SourceKind
  /** `source` as Codex's `thread/list` renders it. */
  readonly codexSource: unknown
  /** The raw `model_provider` (undefined when missing). */
  readonly rawModelProvider: unknown
  /** The provider the default filter compares: the raw one, or the default when missing/null ("" stays ""). */
  readonly filterProvider: string
  /** `modelProvider` as Codex lists it: the default when missing, null or "". */
  readonly modelProvider: string
  readonly gitInfo: { readonly sha: string | null; readonly branch: string | null; readonly originUrl: string | null } | null
  readonly cliVersion: string
  readonly historyMode: "legacy" | "paginated"
  readonly bytes: number
}

export interface IgnoredFile {
  readonly file: string
  readonly reason: string
}

export interface Manifest {
  readonly codexHome: string
  readonly seed: number
  readonly defaultProvider: string
  /** Every rollout written that Codex reads (listed or not), in writing order. */
  readonly threads: ReadonlyArray<ManifestThread>
  /** Files Codex does not consider at all. */
  readonly ignored: ReadonlyArray<IgnoredFile>
  readonly indexFile: string
  readonly totalBytes: number
}

/** A listing, as `thread/list` takes it. Unlike `thread/list` (created_at), the sort key defaults to updated_at, as the catalog's. */
export interface ListingQuery {
  readonly sortKey?: "created_at" | "updated_at"
  readonly order?: "desc" | "asc"
  readonly archived?: boolean
  /** Like `thread/list`: undefined → the default provider only; `[]` → every provider. */
  readonly modelProviders?: ReadonlyArray<string>
  /** `thread/list`'s `sourceKinds`: undefined or `[]` → cli and vscode; `subAgent` matches every subagent. */
  readonly sources?: ReadonlyArray<string>
  /** As Codex matches it: see `cwdFilterKey`. */
  readonly cwd?: string
}

/** The threads `thread/list` returns for `query`, in its order (a reference model of Codex 0.169). */
export const expectedListing = (manifest: Manifest, query: ListingQuery = {}): Array<ManifestThread> => {
  const archived = query.archived ?? false
  const sources = query.sources === undefined || query.sources.length === 0 ? ["cli", "vscode"] : query.sources
  const providers = query.modelProviders ?? [manifest.defaultProvider]
  const rows = manifest.threads.filter(
    (t) =>
      t.listed &&
      t.archived === archived &&
      (sources.includes(t.sourceKind) || (sources.includes("subAgent") && t.sourceKind.startsWith("subAgent"))) &&
      (providers.length === 0 || providers.includes(t.filterProvider)) &&
      (query.cwd === undefined || cwdFilterKey(t.rawCwd) === cwdFilterKey(normalizeCwd(query.cwd)))
  )
  const byCreated = (a: ManifestThread, b: ManifestThread) =>
    compare(a.fileTimestamp, b.fileTimestamp) || compare(a.fileUuid, b.fileUuid)
  const byUpdated = (a: ManifestThread, b: ManifestThread) => a.mtimeMs - b.mtimeMs || compare(a.fileUuid, b.fileUuid)
  rows.sort(query.sortKey === "created_at" ? byCreated : byUpdated)
  if ((query.order ?? "desc") === "desc") rows.reverse()
  return rows
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * How Codex 0.169 matches a `cwd` filter: the thread's raw cwd and the normalized filter are
 * compared as Rust `Path`s, component by component: `.`, empty components and a trailing `/`
 * drop out, `..` stays. So `/a/b/` and `/a//b/.` match `/a/b`, but `/a/x/../b` does not.
 */
export const cwdFilterKey = (cwd: string): string =>
  (cwd.startsWith("/") ? "/" : "") + cwd.split("/").filter((c) => c !== "" && c !== ".").join("/")

// ---------------------------------------------------------------------------------------------
// Randomness

/** sfc32, seeded through splitmix32: fast, deterministic, good enough for test data. */
const makeRandom = (seed: number) => {
  let s = seed >>> 0
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 4294967296
  }
  for (let i = 0; i < 12; i++) next()
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(next() * xs.length)]!
  const chance = (p: number) => next() < p
  const hex = (n: number) => {
    let out = ""
    for (let i = 0; i < n; i++) out += "0123456789abcdef"[Math.floor(next() * 16)]
    return out
  }
  /** A UUIDv7 for the given time. */
  const uuid7 = (ms: number) => {
    const t = Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0").slice(-12)
    const variant = "89ab"[Math.floor(next() * 4)]
    return `${t.slice(0, 8)}-${t.slice(8)}-7${hex(3)}-${variant}${hex(3)}-${hex(12)}`
  }
  return { next, int, pick, chance, hex, uuid7 }
}
type Random = ReturnType<typeof makeRandom>

// ---------------------------------------------------------------------------------------------
// zstd frames of Raw blocks, written streamingly

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])
/** Not single-segment, no content size, no checksum, no dictionary; then the window descriptor. */
const ZSTD_FRAME_HEADER = Buffer.from([0x00, 7 << 3]) // window 2^17 = 128 KiB
const ZSTD_MAX_BLOCK = 128 * 1024

/** A sink that writes either plain bytes or one zstd frame of Raw blocks, in bounded memory. */
class Sink {
  private pending: Array<Buffer> = []
  private pendingBytes = 0
  private started = false
  bytes = 0

  constructor(
    private readonly fd: number,
    private readonly zst: boolean
  ) {}

  write(data: Buffer | string): void {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data
    this.bytes += buf.length
    this.pending.push(buf)
    this.pendingBytes += buf.length
    if (this.pendingBytes >= (this.zst ? ZSTD_MAX_BLOCK * 8 : 1 << 20)) this.flush(false)
  }

  private flush(final: boolean): void {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending)
    this.pending = []
    this.pendingBytes = 0
    if (!this.zst) {
      if (all.length > 0) writeAll(this.fd, all)
      return
    }
    if (!this.started) {
      writeAll(this.fd, Buffer.concat([ZSTD_MAGIC, ZSTD_FRAME_HEADER]))
      this.started = true
    }
    // Keep the tail for the next call unless final: the last block must carry the last-block flag.
    let at = 0
    while (all.length - at > ZSTD_MAX_BLOCK || (final && at < all.length)) {
      const size = Math.min(ZSTD_MAX_BLOCK, all.length - at)
      const last = final && at + size === all.length
      writeAll(this.fd, rawBlockHeader(size, last))
      writeAll(this.fd, all.subarray(at, at + size))
      at += size
    }
    if (final && all.length === 0) writeAll(this.fd, rawBlockHeader(0, true))
    else if (at < all.length) {
      this.pending.push(all.subarray(at))
      this.pendingBytes = all.length - at
    }
  }

  end(): void {
    this.flush(true)
  }
}

const rawBlockHeader = (size: number, last: boolean): Buffer => {
  const v = (size << 3) | (last ? 1 : 0) // block type 0: Raw
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff])
}

const writeAll = (fd: number, buf: Uint8Array) => {
  let at = 0
  while (at < buf.length) at += fs.writeSync(fd, buf, at, buf.length - at)
}

/** A whole buffer as one zstd frame of Raw blocks (for small files and tests). */
export const zstdRawFrame = (content: Uint8Array): Buffer => {
  const parts: Array<Uint8Array> = [ZSTD_MAGIC, ZSTD_FRAME_HEADER]
  let at = 0
  do {
    const size = Math.min(ZSTD_MAX_BLOCK, content.length - at)
    parts.push(rawBlockHeader(size, at + size === content.length), content.subarray(at, at + size))
    at += size
  } while (at < content.length)
  return Buffer.concat(parts)
}

// ---------------------------------------------------------------------------------------------
// Rollout lines

const iso = (ms: number) => new Date(ms).toISOString()

/** `YYYY-MM-DDThh-mm-ss` (UTC) of a time: the rollout file name's timestamp. */
const fileStamp = (ms: number) => iso(ms).slice(0, 19).replace(/:/g, "-")

/** An instant written with a UTC offset (minutes east), RFC 3339, with `fractionDigits` digits. */
const withOffset = (ms: number, offsetMinutes: number, fractionDigits: number) => {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString() // shifted wall clock
  const base = local.slice(0, 19)
  const frac = fractionDigits === 0 ? "" : "." + (local.slice(20, 23) + "000000").slice(0, fractionDigits)
  if (offsetMinutes === 0) return `${base}${frac}Z`
  const sign = offsetMinutes > 0 ? "+" : "-"
  const abs = Math.abs(offsetMinutes)
  return `${base}${frac}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`
}

/** Posix lexical normalization as Codex lists a cwd: `.`, `..`, `//`, trailing `/`. */
export const normalizeCwd = (cwd: string): string => {
  const n = path.posix.normalize(cwd)
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n
}

const PROSE = [
  "Refactor the session loader so it streams",
  "Why does the picker freeze on large rollouts?",
  "Add a --json flag to the threads command",
  "fix flaky test in scanner",
  "Explain this stack trace",
  "Écris un résumé des changements récents",
  "写一个快速排序",
  "Review my PR: tighten cursor paging 🚀",
  'Quote "this" and \\ that',
  "Port the Rust reader to TypeScript"
]

interface ThreadPlan {
  kind: Array<string>
  archived: boolean
  createdMs: number
  fileUuid: string
  metaId: string
  fileUuidText: string // as written in the file name (maybe upper-case)
  metaIdText: string
  format: "legacy" | "codex"
  previewKind: "text" | "marker" | "image" | "padded" | "none" | "emptyThenText" | "beforeMeta"
  previewText: string
  previewLine: "normal" | "line210" | "line211" | "far"
  head: "normal" | "metaLine10" | "metaLine11" | "blanks" | "junk" | "junk10"
  eol: "\n" | "\r\n"
  storage: "plain" | "zst" | "twin"
  invalid: string | undefined
  source: unknown
  sourceKind: SourceKind
  codexSource: unknown
  provider: unknown
  rawCwd: string
  git: unknown
  gitInfo: ManifestThread["gitInfo"]
  timestamp: string
  createdAt: number | null
  cliVersion: string
  hugeFirstLine: boolean
  padBytes: number
  names: Array<string>
  mtime: { ms: number; subMs?: number; nsEdge?: boolean }
}

const metaPayload = (p: ThreadPlan, extra: Record<string, unknown> = {}): Record<string, unknown> => {
  const payload: Record<string, unknown> = {
    id: p.metaIdText,
    timestamp: p.timestamp,
    cwd: p.rawCwd,
    originator: p.format === "codex" ? "codex_vscode" : "codex_cli_rs",
    cli_version: p.cliVersion
  }
  if (p.source !== MISSING) payload.source = p.source
  if (p.provider !== MISSING) payload.model_provider = p.provider
  if (p.git !== MISSING) payload.git = p.git
  if (p.format === "codex") payload.history_mode = "paginated"
  Object.assign(payload, extra)
  switch (p.invalid) {
    case "source null":
      payload.source = null
      break
    case "no cwd":
      delete payload.cwd
      break
    case "bogus history_mode":
      payload.history_mode = "linear"
      break
    case "originator number":
      payload.originator = 7
      break
    case "id not a uuid":
      payload.id = "thread-" + p.fileUuid.slice(0, 8)
      break
  }
  return payload
}

const MISSING = Symbol("missing")

const line = (o: unknown) => JSON.stringify(o)

const userMessageLine = (p: ThreadPlan, ts: string, message: string, images: ReadonlyArray<string> = []) =>
  p.format === "codex"
    ? line({
        timestamp: ts,
        ordinal: 12,
        type: "event_msg",
        payload: {
          type: "item_completed",
          thread_id: p.metaId,
          turn_id: p.fileUuid.slice(0, 24) + "0000aaaa0001",
          item: {
            type: "UserMessage",
            id: p.fileUuid.slice(0, 24) + "0000aaaa0002",
            content:
              message === "" && images.length > 0
                ? images.map((img) => ({ type: "local_image", path: img }))
                : [{ type: "text", text: message, text_elements: [] }]
          },
          started_at_ms: 1736888778000,
          completed_at_ms: 1736888778000
        }
      })
    : line({ timestamp: ts, type: "event_msg", payload: { type: "user_message", message, images, local_images: [] } })

const fillerLine = (ts: string, i: number) =>
  i % 3 === 0
    ? line({ timestamp: ts, type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text: `<environment_context>\n  <cwd>/w/${i}</cwd>\n</environment_context>` }] } })
    : i % 3 === 1
      ? line({ timestamp: ts, type: "turn_context", payload: { cwd: "/w", approval_policy: "on-request", model: "gpt-5", summary: "auto" } })
      : line({ timestamp: ts, type: "event_msg", payload: { type: "token_count", info: null, rate_limits: null } })

/** The lines of a rollout's head, the huge first line aside (see `writeRollout`). */
const headLines = (p: ThreadPlan): { lines: Array<string>; preview: string | undefined; metaIndex: number } => {
  const ts = iso(p.createdMs)
  const lines: Array<string> = []
  const pre: Array<string> = []
  switch (p.head) {
    case "metaLine10":
      for (let i = 0; i < 9; i++) pre.push(fillerLine(ts, i))
      break
    case "metaLine11":
      for (let i = 0; i < 10; i++) pre.push(fillerLine(ts, i))
      break
    case "blanks":
      for (let i = 0; i < 14; i++) pre.push(i % 2 === 0 ? "" : "  \t ")
      break
    case "junk":
      pre.push("{not json", "", "[1,2", "null")
      break
    case "junk10":
      for (let i = 0; i < 10; i++) pre.push("{junk " + i)
      break
  }
  if (p.previewKind === "beforeMeta") pre.unshift(userMessageLine(p, ts, p.previewText))
  lines.push(...pre)
  const metaIndex = lines.length
  lines.push("") // the session_meta: written by writeRollout (it may be huge)
  const body: Array<string> = []
  if (p.format === "codex") {
    body.push(
      line({ timestamp: ts, ordinal: 1, type: "event_msg", payload: { type: "task_started", turn_id: p.fileUuid, started_at: Math.floor(p.createdMs / 1000), model_context_window: 258400 } }),
      line({ timestamp: ts, ordinal: 2, type: "response_item", payload: { type: "message", role: "developer", content: [{ type: "input_text", text: "<permissions instructions>" }] } }),
      line({ timestamp: ts, ordinal: 3, type: "response_item", payload: { type: "message", role: "user", content: [{ type: "input_text", text: "<environment_context/>" }] } }),
      line({ timestamp: ts, ordinal: 4, type: "world_state", payload: { full: true, state: {} } }),
      line({ timestamp: ts, ordinal: 5, type: "turn_context", payload: { cwd: p.rawCwd, approval_policy: "on-request", model: "gpt-6.1-sol" } }),
      line({ timestamp: ts, ordinal: 6, type: "event_msg", payload: { type: "thread_settings_applied", thread_id: p.metaId } })
    )
  } else {
    body.push(fillerLine(ts, 0))
  }
  const late = p.previewLine === "line210" ? 210 : p.previewLine === "line211" ? 211 : p.previewLine === "far" ? 320 : 0
  if (late > 0) {
    // The preview on counted line `late` (blank lines aside; the meta and `pre` lines count).
    const counted = lines.filter((l, i) => i === metaIndex || l.trim() !== "").length + body.length
    for (let i = counted; i < late - 1; i++) body.push(fillerLine(ts, i))
  }
  let preview: string | undefined
  const message = (text: string, images: ReadonlyArray<string> = []) => body.push(userMessageLine(p, ts, text, images))
  switch (p.previewKind) {
    case "text":
    case "padded":
      message(p.previewText)
      preview = p.previewText.trim()
      break
    case "marker":
      message(`<user_instructions>\nbe brief\n</user_instructions>\n## My request for Codex:\n${p.previewText}\n`)
      preview = p.previewText.trim()
      break
    case "image":
      message("", ["/tmp/screenshot.png"])
      preview = "[Image]"
      break
    case "emptyThenText":
      if (p.format === "legacy") message("   ")
      message(p.previewText)
      preview = p.previewText.trim()
      break
    case "beforeMeta":
      preview = p.previewText.trim()
      break
    case "none":
      break
  }
  body.push(
    line({ timestamp: ts, type: "event_msg", payload: { type: "agent_message", message: "On it." } }),
    line({ timestamp: ts, type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: "On it." }] } })
  )
  lines.push(...body)
  return { lines, preview, metaIndex }
}

const PAD_SIZES = [1800, 5200, 700, 12_000, 3300]
const padLine = (ts: string, i: number): string => {
  const size = PAD_SIZES[i % PAD_SIZES.length]!
  const text = `pad ${i} `.padEnd(size, "abcdefghijklmnopqrstuvwxyz0123456789 ")
  return i % 4 === 3
    ? line({ timestamp: ts, type: "event_msg", payload: { type: "agent_message", message: text.slice(0, 400) } })
    : line({ timestamp: ts, type: "response_item", payload: { type: "function_call_output", call_id: `call_${i}`, output: text } })
}

interface Written {
  readonly bytes: number
}

/** Writes one rollout (plain or zst), streaming the huge first line and the padding. */
const writeRollout = (file: string, p: ThreadPlan, hugeFirstLineBytes: number, zst: boolean): Written => {
  const { lines, metaIndex } = headLines(p)
  const fd = fs.openSync(file, "w")
  try {
    const sink = new Sink(fd, zst)
    const ts = iso(p.createdMs)
    lines.forEach((l, i) => {
      if (i === metaIndex) {
        const outer = { timestamp: ts, ...(p.format === "codex" ? { ordinal: 0 } : {}), type: "session_meta" }
        if (p.hugeFirstLine) {
          // {"timestamp":..,"type":"session_meta","payload":{...,"base_instructions":{"text":"<N bytes>"}}}
          const payload = metaPayload(p, { base_instructions: { text: "\u0000" } })
          const [before, after] = line({ ...outer, payload }).split("\\u0000") as [string, string]
          sink.write(before)
          const chunk = "You are a coding agent. Follow the repository's conventions; keep changes small. ".repeat(800)
          for (let n = 0; n < hugeFirstLineBytes; n += chunk.length) sink.write(chunk.slice(0, Math.min(chunk.length, hugeFirstLineBytes - n)))
          sink.write(after)
        } else {
          sink.write(line({ ...outer, payload: metaPayload(p, p.format === "codex" ? { base_instructions: { text: "You are Codex." }, account_scoped: true, session_id: p.metaId } : {}) }))
        }
      } else sink.write(l)
      sink.write(p.eol)
    })
    for (let i = 0; sink.bytes < p.padBytes; i++) sink.write(padLine(ts, i) + p.eol)
    sink.end()
    return { bytes: sink.bytes }
  } finally {
    fs.closeSync(fd)
  }
}

// ---------------------------------------------------------------------------------------------
// The home

const ALL_VARIETY: Variety = {
  renames: true,
  zst: true,
  crlf: true,
  hugeFirstLine: true,
  headWindow: true,
  noPreview: true,
  previews: true,
  codexFormat: true,
  sources: true,
  providers: true,
  cwds: true,
  git: true,
  timestamps: true,
  ties: true,
  invalidMeta: true,
  ids: true,
  unpaddedDirs: true,
  extras: true,
  nsEdges: true
}

const NO_VARIETY: Variety = Object.fromEntries(Object.keys(ALL_VARIETY).map((k) => [k, false])) as unknown as Variety

/** The date directory of a time: unpadded for some months and days, each date always the same way. */
const dateDir = (ms: number, unpadded: boolean): string => {
  const d = new Date(ms)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth() + 1
  const day = d.getUTCDate()
  const mm = unpadded && m % 3 === 0 ? String(m) : String(m).padStart(2, "0")
  const dd = unpadded && day < 10 && day % 2 === 1 ? String(day) : String(day).padStart(2, "0")
  return `${y}/${mm}/${dd}`
}

/** Writes a Codex home into `dir` (created; must be empty or absent) and returns its manifest. */
export const generateHome = (dir: string, options: HomeOptions = {}): Manifest => {
  const seed = options.seed ?? 1
  const rnd = makeRandom(seed)
  const variety: Variety =
    options.variety === false ? NO_VARIETY : options.variety === true || options.variety === undefined ? ALL_VARIETY : { ...ALL_VARIETY, ...options.variety }
  const activeCount = options.active ?? 200
  const archivedCount = options.archived ?? 40
  const hugeBytes = options.hugeFirstLineBytes ?? 2 * 1024 * 1024
  const defaultProvider = options.defaultProvider ?? "openai"
  const cwdRoot = options.cwdRoot ?? "/work/projects"
  const baseTime = options.baseTime ?? Date.UTC(2025, 0, 3, 9, 0, 0)
  const nsEdges = variety.nsEdges && process.platform === "linux"

  fs.mkdirSync(dir, { recursive: true })
  const codexHome = fs.realpathSync(dir)
  const sessions = path.join(codexHome, "sessions")
  const archivedDir = path.join(codexHome, "archived_sessions")
  fs.mkdirSync(sessions, { recursive: true })
  fs.mkdirSync(archivedDir, { recursive: true })
  if (options.defaultProvider !== undefined) {
    fs.writeFileSync(
      path.join(codexHome, "config.toml"),
      `model_provider = ${JSON.stringify(defaultProvider)}\n\n[model_providers.${defaultProvider}]\nname = ${JSON.stringify(defaultProvider)}\nbase_url = "https://example.invalid/v1"\n`
    )
  }

  // --- plans ---------------------------------------------------------------------------------
  const bigs = (options.bigRollouts ?? []).map((b) => (typeof b === "number" ? { bytes: b } : b))
  const total = activeCount + archivedCount + bigs.length
  const plans: Array<ThreadPlan> = []
  let clock = baseTime
  const projects = ["api", "web", "session-index", "infra", "docs"].map((p) => `${cwdRoot}/${p}`)

  /** For each variety dimension, which thread indices are forced to each rare option (so every option occurs). */
  const forced = new Map<string, Map<number, string>>()
  const force = (dim: string, values: ReadonlyArray<string>, among: ReadonlyArray<number>) => {
    const m = new Map<number, string>()
    const pool = [...among]
    for (const v of values) {
      if (pool.length === 0) break
      const at = rnd.int(0, pool.length - 1)
      m.set(pool[at]!, v)
      pool.splice(at, 1)
    }
    forced.set(dim, m)
  }
  const activeIdx = Array.from({ length: activeCount }, (_, i) => i)
  const archivedIdx = Array.from({ length: archivedCount }, (_, i) => activeCount + i)
  const all = [...activeIdx, ...archivedIdx]
  if (variety.headWindow) force("head", ["metaLine10", "metaLine11", "blanks", "junk", "junk10", "line210", "line211", "beforeMeta", "emptyThenText"], activeIdx)
  if (variety.headWindow) force("headArchived", ["line211", "far"], archivedIdx)
  if (variety.noPreview) force("none", ["none", "none", "none"], activeIdx)
  if (variety.noPreview) force("noneArchived", ["none", "none"], archivedIdx)
  if (variety.previews) force("preview", ["image", "image", "marker", "padded", "long"], all)
  if (variety.codexFormat) force("codex", ["codex", "codex", "codex", "codex", "codex", "codex"], all)
  if (variety.zst) force("storage", ["zst", "zst", "zst", "twin", "twin", "zst"], all)
  if (variety.crlf) force("eol", ["crlf", "crlf", "crlf"], all)
  if (variety.hugeFirstLine) force("huge", ["huge", "huge"], all)
  if (variety.sources) force("source", ["exec", "mcp", "review", "spawn", "other", "weird", "missing", "vscode", "unknown"], all)
  if (variety.providers) force("provider", ["anthropic", "ollama", "missing", "null", "empty"], all)
  if (variety.cwds) force("cwd", ["dots", "dotdot", "slashes", "trailing"], all)
  if (variety.git) force("git", ["partial", "missing", "null", "empty"], all)
  if (variety.timestamps) force("ts", ["offset+", "offset-", "nanos", "noFraction", "noOffset", "garbage"], all)
  if (variety.invalidMeta) force("invalid", ["source null", "no cwd", "bogus history_mode", "originator number", "id not a uuid"], all)
  if (variety.ids) force("ids", ["upper", "mismatch", "duplicate"], activeIdx)
  if (variety.renames) force("names", ["one", "several", "equalPreview", "blankAfter", "padded", "upperId", "equalThenRenamed", "renamedToPreview"], all)
  const forcedOf = (dim: string, i: number) => forced.get(dim)?.get(i)
  const rare = (enabled: boolean, p: number) => enabled && rnd.chance(p)

  for (let i = 0; i < total; i++) {
    const big = i >= activeCount + archivedCount ? bigs[i - activeCount - archivedCount] : undefined
    const archived = big ? big.archived === true : i >= activeCount
    const kind: Array<string> = []
    // Creation times: minutes to hours apart; ties share a second with the previous thread.
    const tieCreated = variety.ties && i > 0 && i % 17 === 5
    if (!tieCreated) clock += rnd.int(3, 900) * 60_000 + rnd.int(0, 59_999)
    if (tieCreated) kind.push("tie:created")
    const createdMs = tieCreated ? Math.floor(clock / 1000) * 1000 + rnd.int(0, 999) : clock
    const fileUuid = rnd.uuid7(createdMs)

    const codex = forcedOf("codex", i) === "codex" || rare(variety.codexFormat, 0.08)
    const format: ThreadPlan["format"] = codex && !big ? "codex" : "legacy"
    if (format === "codex") kind.push("codex-0.169")

    const previewForced = forcedOf("preview", i)
    const headForced = forcedOf(archived ? "headArchived" : "head", i)
    const noneForced = forcedOf(archived ? "noneArchived" : "none", i)
    let previewKind: ThreadPlan["previewKind"] = "text"
    let previewText = rnd.pick(PROSE) + (rnd.chance(0.5) ? ` (#${i})` : "")
    let previewLine: ThreadPlan["previewLine"] = "normal"
    let head: ThreadPlan["head"] = "normal"
    if (noneForced || rare(variety.noPreview, 0.02)) previewKind = "none"
    else if (previewForced === "image" || rare(variety.previews, 0.03)) previewKind = "image"
    else if (previewForced === "marker" || rare(variety.previews, 0.03)) previewKind = "marker"
    else if (previewForced === "padded") {
      previewKind = "padded"
      previewText = `\n  ${previewText}\n\tsecond line  \n`
    } else if (previewForced === "long") previewText = "long ".repeat(2500) + previewText
    if (headForced === "metaLine10" || headForced === "metaLine11" || headForced === "blanks" || headForced === "junk" || headForced === "junk10") head = headForced
    if (headForced === "line210" || headForced === "line211" || headForced === "far") previewLine = headForced
    if (headForced === "beforeMeta" && format === "legacy") previewKind = "beforeMeta"
    if (headForced === "emptyThenText") previewKind = "emptyThenText"
    if (previewKind === "none" || previewKind === "image") previewLine = previewLine === "normal" ? "normal" : previewLine
    if (head !== "normal") kind.push("head:" + head)
    if (previewLine !== "normal") kind.push("preview:" + previewLine)
    kind.push("preview:" + previewKind)

    const eol: ThreadPlan["eol"] = (big?.crlf ?? false) || forcedOf("eol", i) === "crlf" || rare(variety.crlf, 0.04) ? "\r\n" : "\n"
    if (eol === "\r\n") kind.push("crlf")
    const storageForced = forcedOf("storage", i)
    const storage: ThreadPlan["storage"] = big ? (big.zst ? "zst" : "plain") : storageForced === "zst" || storageForced === "twin" ? storageForced : rare(variety.zst, 0.05) ? "zst" : "plain"
    if (storage !== "plain") kind.push(storage)

    const invalid = forcedOf("invalid", i) ?? (rare(variety.invalidMeta, 0.01) ? "source null" : undefined)
    if (invalid) kind.push("invalid:" + invalid.replace(/ /g, "-"))

    // source
    const s = forcedOf("source", i) ?? (rare(variety.sources, 0.06) ? rnd.pick(["exec", "vscode", "missing", "review"]) : rnd.chance(0.7) ? "cli" : variety.sources ? "vscode" : "cli")
    const parent = rnd.uuid7(createdMs - 1000)
    const sources: Record<string, [unknown, SourceKind, unknown]> = {
      cli: ["cli", "cli", "cli"],
      vscode: ["vscode", "vscode", "vscode"],
      exec: ["exec", "exec", "exec"],
      mcp: ["mcp", "appServer", "appServer"],
      unknown: ["unknown", "unknown", "unknown"],
      weird: ["VSCode", "unknown", "unknown"],
      missing: [MISSING, "vscode", "vscode"],
      review: [{ subagent: "review" }, "subAgentReview", { subAgent: "review" }],
      other: [{ subagent: { other: "x-agent" } }, "subAgentOther", { subAgent: { other: "x-agent" } }],
      spawn: [
        { subagent: { thread_spawn: { parent_thread_id: parent, depth: 1, agent_path: null, agent_nickname: "Ada", agent_role: "explorer" } } },
        "subAgentThreadSpawn",
        { subAgent: { thread_spawn: { parent_thread_id: parent, depth: 1, agent_path: null, agent_nickname: "Ada", agent_role: "explorer" } } }
      ]
    }
    const [source, sourceKind, codexSource] = sources[s]!
    if (s !== "cli") kind.push("source:" + s)

    const pv = forcedOf("provider", i) ?? (rare(variety.providers, 0.05) ? rnd.pick(["anthropic", "missing"]) : defaultProvider)
    const provider: unknown = pv === "missing" ? MISSING : pv === "null" ? null : pv === "empty" ? "" : pv
    if (pv !== defaultProvider) kind.push("provider:" + pv)

    const project = rnd.pick(projects)
    const cw = forcedOf("cwd", i) ?? (rare(variety.cwds, 0.03) ? "dots" : "clean")
    const rawCwd = cw === "dots" ? `${project}/./src/.` : cw === "dotdot" ? `${project}/tmp/../src` : cw === "slashes" ? project.replace("/projects/", "//projects///") : cw === "trailing" ? project + "/" : project
    if (cw !== "clean") kind.push("cwd:" + cw)

    const g = forcedOf("git", i) ?? (rare(variety.git, 0.1) ? "missing" : "full")
    const sha = rnd.hex(40)
    const gitValues: Record<string, [unknown, ManifestThread["gitInfo"]]> = {
      full: [{ commit_hash: sha, branch: "main", repository_url: "git@github.com:acme/app.git" }, { sha, branch: "main", originUrl: "git@github.com:acme/app.git" }],
      partial: [{ branch: "feature/x" }, { sha: null, branch: "feature/x", originUrl: null }],
      missing: [MISSING, null],
      null: [null, null],
      empty: [{}, null]
    }
    const [git, gitInfo] = gitValues[g]!
    if (g !== "full") kind.push("git:" + g)

    const t = forcedOf("ts", i) ?? (rare(variety.timestamps, 0.1) ? rnd.pick(["offset+", "nanos"]) : "z")
    const timestamp =
      t === "offset+" ? withOffset(createdMs, 120, 3) : t === "offset-" ? withOffset(createdMs, -330, 3) : t === "nanos" ? withOffset(createdMs, 0, 9) : t === "noFraction" ? withOffset(createdMs, 0, 0) : t === "noOffset" ? iso(createdMs).slice(0, 19) : t === "garbage" ? "yesterday at noon" : iso(createdMs)
    const createdAt = t === "noOffset" || t === "garbage" ? null : Math.floor(createdMs / 1000)
    if (t !== "z") kind.push("ts:" + t)

    const idVariant = big ? undefined : forcedOf("ids", i)
    let metaId = fileUuid
    let fileUuidText = fileUuid
    let metaIdText = fileUuid
    if (idVariant === "upper") {
      fileUuidText = fileUuid.toUpperCase()
      metaIdText = fileUuid.toUpperCase()
    } else if (idVariant === "mismatch") {
      metaId = rnd.uuid7(createdMs)
      metaIdText = metaId
    }
    if (idVariant) kind.push("id:" + idVariant)

    const huge = !big && forcedOf("huge", i) === "huge"
    if (huge) kind.push("huge-first-line")
    if (big) kind.push(`big:${big.bytes}`)

    plans.push({
      kind,
      archived,
      createdMs,
      fileUuid,
      metaId,
      fileUuidText,
      metaIdText,
      format,
      previewKind,
      previewText,
      previewLine,
      head,
      eol,
      storage,
      invalid,
      source,
      sourceKind,
      codexSource,
      provider,
      rawCwd,
      git,
      gitInfo,
      timestamp,
      createdAt,
      cliVersion: format === "codex" ? "0.169.0" : rnd.pick(["0.42.0", "0.50.0", "0.63.1"]),
      hugeFirstLine: huge,
      padBytes: big?.bytes ?? 0,
      names: [],
      mtime: { ms: createdMs + rnd.int(1, 3 * 86_400) * 1000 + rnd.int(0, 999) }
    })
    if (idVariant === "duplicate") {
      // The same thread id again, in a later file (a copy): listed twice.
      clock += rnd.int(3, 60) * 60_000
      const again = { ...plans[plans.length - 1]!, createdMs: clock, kind: [...kind, "duplicate-copy"], mtime: { ms: clock + 5000 } }
      again.timestamp = iso(clock)
      again.createdAt = Math.floor(clock / 1000)
      plans.push(again)
    }
  }

  // updated_at ties: a few groups share one millisecond (some with other sub-millisecond parts).
  if (variety.ties) {
    for (let g = 0; g + 3 < plans.length; g += 23) {
      const base = plans[g]!.mtime.ms
      for (let k = 1; k <= 2; k++) {
        plans[g + k]!.mtime = { ms: base, ...(g % 2 === 0 ? { subMs: 0.5 + k * 0.2 } : {}) }
        plans[g + k]!.kind.push("tie:updated")
      }
      plans[g]!.kind.push("tie:updated")
    }
  }
  if (nsEdges) {
    for (const g of [7, 31]) if (g < plans.length) {
      plans[g]!.mtime = { ms: Math.floor(plans[g]!.mtime.ms / 1000) * 1000 + 999, nsEdge: true }
      plans[g]!.kind.push("mtime:ns-edge")
    }
  }

  // Names: each thread's renames, interleaved in time order in session_index.jsonl.
  const events: Array<{ at: number; id: string; name: string }> = []
  plans.forEach((p, i) => {
    if (p.kind.includes("duplicate-copy")) return
    const v = forcedOf("names", i) ?? (variety.renames && rnd.chance(0.25) ? rnd.pick(["one", "several", "one"]) : undefined)
    if (!v) return
    const preview = p.previewKind === "image" ? "[Image]" : p.previewKind === "none" ? "" : p.previewText.trim()
    const t0 = p.createdMs + 60_000
    const id = v === "upperId" ? p.metaId.toUpperCase() : p.metaId
    const names: Record<string, Array<string>> = {
      one: [`Thread ${i}`],
      several: [`draft ${i}`, `second try ${i}`, `final ${i}`],
      equalPreview: [preview],
      blankAfter: [`kept ${i}`, "   "],
      padded: [`  padded ${i}  `],
      upperId: [`upper id ${i}`],
      equalThenRenamed: [preview, `renamed ${i}`],
      renamedToPreview: [`first ${i}`, preview]
    }
    names[v]!.forEach((name, k) => events.push({ at: t0 + k * 3_600_000 + rnd.int(0, 1000), id, name }))
    p.kind.push("names:" + v)
  })
  events.sort((a, b) => a.at - b.at)
  const namesById = new Map<string, Array<string>>()
  for (const e of events) namesById.set(e.id.toLowerCase(), [...(namesById.get(e.id.toLowerCase()) ?? []), e.name])
  for (const p of plans) p.names = namesById.get(p.metaId) ?? [] // both files of a duplicated id
  // A few names for ids without a rollout.
  for (let k = 0; k < 3; k++) events.splice(rnd.int(0, events.length), 0, { at: baseTime, id: rnd.uuid7(baseTime), name: `orphan ${k}` })
  const indexFile = path.join(codexHome, "session_index.jsonl")
  fs.writeFileSync(indexFile, events.map((e) => line({ id: e.id, thread_name: e.name, updated_at: iso(e.at) }) + "\n").join(""))

  // --- files ---------------------------------------------------------------------------------
  const threads: Array<ManifestThread> = []
  let totalBytes = 0
  for (const p of plans) {
    const dirOf = p.archived ? archivedDir : path.join(sessions, dateDir(p.createdMs, variety.unpaddedDirs))
    fs.mkdirSync(dirOf, { recursive: true })
    const base = path.join(dirOf, `rollout-${fileStamp(p.createdMs)}-${p.fileUuidText}.jsonl`)
    const zst = p.storage === "zst"
    const file = zst ? base + ".zst" : base
    const written = writeRollout(file, p, hugeBytes, zst)
    totalBytes += written.bytes
    if (p.storage === "twin") {
      // A .zst twin with another preview and a later mtime: Codex lists the plain file.
      const twin: ThreadPlan = { ...p, previewText: "from the zst twin", previewKind: "text" }
      writeRollout(base + ".zst", twin, hugeBytes, true)
      setMtime(base + ".zst", { ms: p.mtime.ms + 86_400_000 })
    }
    setMtime(file, p.mtime)
    const st = fs.statSync(file, { bigint: true })
    const mtimeMs = Number(st.mtimeNs / 1_000_000n)
    const { preview } = headLines(p)
    const metaOk = p.invalid === undefined && p.head !== "metaLine11" && p.head !== "junk10"
    const previewInHead = preview !== undefined && p.previewLine !== "line211" && p.previewLine !== "far"
    const listed = metaOk && (p.archived || previewInHead)
    const currentName = currentIndexName(p.names)
    const listedPreview = preview ?? ""
    const rawProvider = p.provider === MISSING ? undefined : p.provider
    threads.push({
      kind: p.kind.join(" "),
      file,
      path: base,
      archived: p.archived,
      listed,
      id: p.metaId,
      fileUuid: p.fileUuid,
      fileTimestamp: fileStamp(p.createdMs),
      preview: listedPreview,
      name: p.format === "codex" || currentName === undefined || currentName === listedPreview ? null : currentName,
      names: p.names,
      rawCwd: p.rawCwd,
      cwd: normalizeCwd(p.rawCwd),
      createdAt: p.createdAt,
      rawTimestamp: p.timestamp,
      mtimeMs,
      updatedAt: Number(st.mtimeNs / 1_000_000_000n),
      rawSource: p.source === MISSING ? undefined : p.source,
      sourceKind: p.sourceKind,
      codexSource: p.codexSource,
      rawModelProvider: rawProvider,
      filterProvider: rawProvider === undefined || rawProvider === null ? defaultProvider : String(rawProvider),
      modelProvider: typeof rawProvider === "string" && rawProvider !== "" ? rawProvider : defaultProvider,
      gitInfo: p.gitInfo,
      cliVersion: p.cliVersion,
      historyMode: p.format === "codex" ? "paginated" : "legacy",
      bytes: written.bytes
    })
  }

  const ignored = variety.extras ? writeExtras(codexHome, plans, rnd, variety.unpaddedDirs) : []
  return { codexHome, seed, defaultProvider, threads, ignored, indexFile, totalBytes }
}

/** The name Codex and IndexReader take from session_index.jsonl: the last non-blank one, trimmed. */
const currentIndexName = (names: ReadonlyArray<string>): string | undefined => {
  for (let i = names.length - 1; i >= 0; i--) if (names[i]!.trim() !== "") return names[i]!.trim()
  return undefined
}

/** Sets atime and mtime; `subMs` (default 0.5) is the fraction of a millisecond, `nsEdge` sets …999999999 ns (Linux `touch`). */
const setMtime = (file: string, m: { ms: number; subMs?: number; nsEdge?: boolean }) => {
  if (m.nsEdge) {
    const s = Math.floor(m.ms / 1000)
    execFileSync("touch", ["-m", "-a", "-d", `@${s}.999999999`, file])
    return
  }
  // utimes takes seconds as a double: half a millisecond keeps the intended millisecond after rounding.
  const seconds = (m.ms + (m.subMs ?? 0.5)) / 1000
  fs.utimesSync(file, seconds, seconds)
}

/** Files Codex must not list; none of them adds a directory whose name parses to a number already used. */
const writeExtras = (codexHome: string, plans: ReadonlyArray<ThreadPlan>, rnd: Random, unpadded: boolean): Array<IgnoredFile> => {
  const out: Array<IgnoredFile> = []
  const sessions = path.join(codexHome, "sessions")
  const ok = plans.find((p) => !p.archived && p.invalid === undefined && p.previewKind === "text")!
  const content = (id: string) =>
    line({ timestamp: iso(ok.createdMs), type: "session_meta", payload: { id, timestamp: iso(ok.createdMs), cwd: "/work/projects/api", originator: "codex_cli_rs", cli_version: "0.50.0", source: "cli", model_provider: "openai" } }) +
    "\n" +
    line({ timestamp: iso(ok.createdMs), type: "event_msg", payload: { type: "user_message", message: "must not be listed", images: [], local_images: [] } }) +
    "\n"
  const stamp = fileStamp(ok.createdMs)
  const someDay = path.join(sessions, dateDir(ok.createdMs, unpadded))
  const put = (file: string, reason: string, data: string | Buffer) => {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, data)
    fs.utimesSync(file, ok.mtime.ms / 1000, ok.mtime.ms / 1000)
    out.push({ file, reason })
  }
  const id = () => rnd.uuid7(ok.createdMs)
  put(path.join(someDay, "notes.txt"), "not a rollout name", "notes\n")
  put(path.join(someDay, ".DS_Store"), "not a rollout name", "x")
  let u = id()
  put(path.join(someDay, `rollout-${stamp}-${u}.json`), "extension .json", content(u))
  u = id()
  put(path.join(someDay, `${stamp}-${u}.jsonl`), "no rollout- prefix", content(u))
  u = id()
  put(path.join(someDay, `rollout-2025-01-14T21-06-XX-${u}.jsonl`), "unparseable file timestamp", content(u))
  u = id()
  put(path.join(someDay, `rollout-${stamp}-${u}.jsonl.tmp`), "extension .tmp", content(u))
  u = id()
  put(path.join(someDay, "sub", `rollout-${stamp}-${u}.jsonl`), "four directory levels", content(u))
  u = id()
  put(path.join(path.dirname(someDay), `rollout-${stamp}-${u}.jsonl`), "two directory levels", content(u))
  u = id()
  put(path.join(sessions, "2025", "01", "xx", `rollout-${stamp}-${u}.jsonl`), "day directory not an integer", content(u))
  u = id()
  put(path.join(sessions, "-1", "01", "01", `rollout-${stamp}-${u}.jsonl`), "year -1 is not a u16", content(u))
  u = id()
  put(path.join(sessions, "65536", "01", "01", `rollout-${stamp}-${u}.jsonl`), "year 65536 is not a u16", content(u))
  u = id()
  put(path.join(sessions, "2025", "256", "01", `rollout-${stamp}-${u}.jsonl`), "month 256 is not a u8", content(u))
  u = id()
  put(path.join(codexHome, "archived_sessions", "2025", "01", "01", `rollout-${stamp}-${u}.jsonl`), "archived in a subdirectory", content(u))
  u = id()
  put(path.join(someDay, `rollout-${stamp}-${u}.jsonl.zst`), "empty .zst", "")
  u = id()
  put(path.join(someDay, `rollout-${stamp}-${u}.jsonl.zst`), "corrupt .zst", Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]))
  u = id()
  put(path.join(someDay, `rollout-${stamp}-${u}.jsonl`), "empty file", "")
  u = id()
  put(path.join(someDay, `rollout-${stamp}-${u}.jsonl`), "UTF-8 BOM before the session_meta", "\ufeff" + content(u))
  // A symlinked rollout (to a valid file outside the tree): Codex skips symlinks.
  u = id()
  const outside = path.join(codexHome, "outside", `rollout-${stamp}-${u}.jsonl`)
  fs.mkdirSync(path.dirname(outside), { recursive: true })
  fs.writeFileSync(outside, content(u))
  const link = path.join(someDay, path.basename(outside))
  fs.symlinkSync(outside, link)
  out.push({ file: link, reason: "symlink" })
  fs.writeFileSync(path.join(codexHome, "history.jsonl"), "")
  return out
}
