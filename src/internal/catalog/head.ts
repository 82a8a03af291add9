/**
 * What a listing needs from the head of a rollout, decided line by line as Codex 0.169 reads
 * it: the first valid `session_meta`, and the first user message that makes a preview. No I/O
 * and no Effect: lines in, a summary out, so the same code runs in a worker or in-process.
 */
import { isUtf8 } from "node:buffer"

/** Lines read before giving up, and how far to go on once a meta was seen without a preview. */
const HEAD_LINES = 10
const HEAD_LINES_AFTER_META = 210
const REQUEST_MARKER = "## My request for Codex:"
/** Rust's `str::trim` whitespace, Unicode White_Space (JavaScript's `trim` would also drop a byte order mark). */
const RUST_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
const RUST_WHITESPACE = new RegExp(`^${RUST_SPACE}*$`)
const RUST_EDGES = new RegExp(`^${RUST_SPACE}+|${RUST_SPACE}+$`, "g")
/** Rust's `str::trim`. */
export const rustTrim = (text: string): string => text.replace(RUST_EDGES, "")
const HYPHENATED_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export interface GitInfo {
  readonly sha: string | null
  readonly branch: string | null
  readonly originUrl: string | null
}

export type HistoryMode = "legacy" | "paginated"

/** The fields of a valid `session_meta` that a listing shows or filters on. */
export interface SessionMeta {
  readonly id: string
  readonly timestamp: string
  readonly cwd: string
  readonly originator: string
  readonly cliVersion: string
  /** As Codex's `thread/list` shows it: `"cli"`, `"appServer"` (for `mcp`), `{ subAgent: ... }`. */
  readonly source: string | { readonly subAgent: unknown }
  /** Undefined when missing or null (the configured default then applies); `""` is kept. */
  readonly modelProvider: string | undefined
  readonly git: GitInfo | undefined
  readonly historyMode: HistoryMode
}

export interface HeadSummary {
  readonly meta: SessionMeta | undefined
  readonly preview: string | undefined
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** A field Codex reads as `string | null`: `null` when absent, `INVALID` when mistyped. */
const INVALID = Symbol("invalid")
const nullableString = (value: unknown): string | null | typeof INVALID =>
  value === undefined || value === null ? null : typeof value === "string" ? value : INVALID

/**
 * One copy of each value that many threads repeat (their folder, Codex's version, the git
 * branch and remote): a listing keeps thousands of metas, and `JSON.parse` makes a new string
 * for every value it reads. Bounded: a home of ever-new values just starts over.
 */
export class RepeatedValues {
  private readonly known = new Map<string, string>()

  readonly shared = <S extends string | null | undefined>(value: S): S => {
    if (typeof value !== "string" || value.length > REPEATED_MAX_LENGTH) return value
    const known = this.known.get(value)
    if (known !== undefined) return known as S
    if (this.known.size === REPEATED_MAX) this.known.clear()
    this.known.set(value, value)
    return value
  }
}

const REPEATED_MAX = 4096
const REPEATED_MAX_LENGTH = 256
const asIs = <S>(value: S): S => value

/** `null`, `{}` and no `git` all show as none; a mistyped field makes the meta invalid. */
const gitInfo = (value: unknown, shared: RepeatedValues["shared"]): GitInfo | undefined | typeof INVALID => {
  if (value === undefined || value === null) return undefined
  if (!isRecord(value)) return INVALID
  const sha = nullableString(value.commit_hash)
  const branch = nullableString(value.branch)
  const originUrl = nullableString(value.repository_url)
  if (sha === INVALID || branch === INVALID || originUrl === INVALID) return INVALID
  return sha === null && branch === null && originUrl === null ? undefined : { sha, branch: shared(branch), originUrl: shared(originUrl) }
}

const SOURCES: Record<string, string> = { cli: "cli", vscode: "vscode", exec: "exec", mcp: "appServer" }

/** A raw `source` as Codex shows it: missing is `vscode`, unknown strings `unknown`. */
const sourceOf = (value: unknown): SessionMeta["source"] | typeof INVALID => {
  if (value === undefined) return "vscode"
  if (typeof value === "string") return SOURCES[value] ?? "unknown"
  if (isRecord(value) && Object.keys(value).length === 1 && "subagent" in value) return { subAgent: value.subagent }
  return INVALID
}

/** The meta of a `session_meta` payload, or undefined when Codex would reject the line. */
export const sessionMeta = (payload: unknown, shared: RepeatedValues["shared"] = asIs): SessionMeta | undefined => {
  if (!isRecord(payload)) return undefined
  const { id, timestamp, cwd, originator, cli_version } = payload
  if (typeof id !== "string" || !HYPHENATED_UUID.test(id)) return undefined
  if (typeof timestamp !== "string" || typeof cwd !== "string") return undefined
  if (typeof originator !== "string" || typeof cli_version !== "string") return undefined
  const source = sourceOf(payload.source)
  const modelProvider = nullableString(payload.model_provider)
  const git = gitInfo(payload.git, shared)
  const historyMode = payload.history_mode ?? "legacy"
  if (source === INVALID || modelProvider === INVALID || git === INVALID) return undefined
  if (historyMode !== "legacy" && historyMode !== "paginated") return undefined
  return {
    id: id.toLowerCase(),
    timestamp,
    cwd: shared(cwd),
    originator: shared(originator),
    cliVersion: shared(cli_version),
    source,
    modelProvider: shared(modelProvider ?? undefined),
    git,
    historyMode
  }
}

const nonEmptyArray = (value: unknown): boolean => Array.isArray(value) && value.length > 0

const stripped = (message: string): string => {
  const marker = message.indexOf(REQUEST_MARKER)
  return (marker < 0 ? message : message.slice(marker + REQUEST_MARKER.length)).trim()
}

/**
 * The preview an `event_msg` payload makes, or undefined when it makes none: a `user_message`
 * (older Codex), or the `item_completed` of a `UserMessage` item (all Codex 0.169 writes: its
 * text parts joined, `[Image]` when it holds only images).
 */
export const previewOf = (payload: Record<string, unknown>): string | undefined => {
  if (payload.type === "user_message") {
    if (typeof payload.message !== "string") return undefined
    const text = stripped(payload.message)
    if (text !== "") return text
    return nonEmptyArray(payload.images) || nonEmptyArray(payload.local_images) ? "[Image]" : undefined
  }
  if (payload.type !== "item_completed" || typeof payload.thread_id !== "string" || !HYPHENATED_UUID.test(payload.thread_id)) return undefined
  const item = payload.item
  if (!isRecord(item) || item.type !== "UserMessage" || !Array.isArray(item.content)) return undefined
  let message = ""
  let images = false
  for (const part of item.content as ReadonlyArray<unknown>) {
    if (!isRecord(part)) continue
    if (part.type === "text" && typeof part.text === "string") message += part.text
    else if (part.type === "local_image" || part.type === "image") images = true
  }
  const text = stripped(message)
  return text !== "" ? text : images ? "[Image]" : undefined
}

const parse = (line: Buffer): unknown => {
  try {
    // A byte order mark is kept (Buffer's decoder does not drop one): Codex's parser rejects a
    // line starting with one.
    return JSON.parse(line.toString("utf8"))
  } catch {
    return undefined
  }
}

/**
 * A line this long that may hold the meta is parsed as a skeleton (`skeletonOf`): a rollout's
 * `session_meta` can carry megabytes of instructions that a listing never shows, and parsing
 * them held about four times the line (its text, then its parsed strings).
 */
const SKELETON_MIN_BYTES = 1024 * 1024
/** Strings longer than this are left out of a skeleton; every field a listing shows is shorter. */
const LONG_STRING_BYTES = 4096
/** Seen in a field (JSON-escaped, or not), it was left out; a real field so named costs a full parse. */
const LEFT_OUT_MARK = "session-index: left out"
const LEFT_OUT = `\u0000${LEFT_OUT_MARK}`
const LEFT_OUT_JSON = Buffer.from(JSON.stringify(LEFT_OUT))
/** The bytes that may follow a backslash in a JSON string (`u` then takes four hex digits). */
const ESCAPED = new Uint8Array(128)
for (const char of '"\\/bfnrt') ESCAPED[char.charCodeAt(0)] = 1
const HEX = new Uint8Array(128)
for (const char of "0123456789abcdefABCDEF") HEX[char.charCodeAt(0)] = 1

/**
 * `line` with every string longer than `LONG_STRING_BYTES` replaced by `LEFT_OUT`, or undefined
 * when one of its strings is not valid JSON (a raw control character, a bad escape, no end):
 * the skeleton parses exactly when the line does, to the same value but for the strings left
 * out. The line's UTF-8 is checked before (`HeadReader.push`).
 */
export const skeletonOf = (line: Buffer): Buffer | undefined => {
  const parts: Array<Buffer> = []
  let copied = 0
  const end = line.length
  for (let i = 0; i < end; i++) {
    if (line[i] !== 0x22) continue
    const start = i++
    for (;;) {
      if (i >= end) return undefined
      const byte = line[i]!
      if (byte === 0x22) break
      if (byte < 0x20) return undefined
      if (byte !== 0x5c) {
        i++
        continue
      }
      const escaped = line[i + 1] ?? 0
      if (escaped === 0x75) {
        for (let k = i + 2; k < i + 6; k++) if (HEX[line[k] ?? 0] !== 1) return undefined
        i += 6
      } else if (ESCAPED[escaped] === 1) {
        i += 2
      } else {
        return undefined
      }
    }
    if (i - start - 1 > LONG_STRING_BYTES) {
      parts.push(line.subarray(copied, start), LEFT_OUT_JSON)
      copied = i + 1
    }
  }
  if (parts.length === 0) return line
  parts.push(line.subarray(copied))
  return Buffer.concat(parts)
}

/** A line's value; a long one's from its skeleton, but for an event: a preview is shown whole. */
const parseLine = (line: Buffer): unknown => {
  if (line.length < SKELETON_MIN_BYTES) return parse(line)
  const skeleton = skeletonOf(line)
  if (skeleton === undefined) return undefined
  const value = parse(skeleton)
  return isRecord(value) && value.type === "event_msg" ? parse(line) : value
}

const DECODER = new TextDecoder("utf-8", { ignoreBOM: true })
const ASCII_SPACE = new Uint8Array(128)
for (const byte of [9, 10, 11, 12, 13, 32]) ASCII_SPACE[byte] = 1

/** Whether Codex skips the line as blank; decodes only lines with non-ASCII bytes. */
const isBlank = (line: Uint8Array): boolean => {
  for (let i = 0; i < line.length; i++) {
    const byte = line[i]!
    if (byte >= 0x80) return RUST_WHITESPACE.test(DECODER.decode(line))
    if (ASCII_SPACE[byte] === 0) return false
  }
  return true
}

const bytesOf = (text: string) => Buffer.from(text, "latin1")
const SESSION_META = bytesOf('"session_meta"')
const USER_MESSAGE = bytesOf('"user_message"')
const ITEM_COMPLETED = bytesOf('"item_completed"')
// A type spelled with escapes (`"session\u005fmeta"`) is the same string to a JSON parser.
const ESCAPE = bytesOf("\\u")

const contains = (line: Buffer, what: Buffer): boolean => line.includes(what)

/** Whether a line can hold a user message that makes a preview (else it need not be parsed). */
const mayHoldPreview = (line: Buffer): boolean => contains(line, USER_MESSAGE) || contains(line, ITEM_COMPLETED) || contains(line, ESCAPE)

/**
 * Feeds a rollout's lines in order, without their terminator (undefined for a line too long
 * to read). Only lines that can be the meta or the preview still missing are parsed: Codex's
 * own rollouts start with tens of kilobytes of context that a listing never needs.
 */
export class HeadReader {
  constructor(private readonly repeated?: RepeatedValues) {}

  private counted = 0
  private meta: SessionMeta | undefined
  private preview: string | undefined
  /** A line was not UTF-8: Codex's line reader fails on it, and the thread is not listed. */
  private unreadable = false

  /** Takes the next line; returns false once no later line can change the summary. */
  push(line: Buffer | undefined): boolean {
    if (line !== undefined && !isUtf8(line)) {
      this.unreadable = true
      return false
    }
    if (line !== undefined && isBlank(line)) return true
    this.counted++
    if (line !== undefined && this.mayMatter(line)) this.take(this.parse(line))
    if (this.meta !== undefined && this.preview !== undefined) return false
    return this.counted < (this.meta !== undefined ? HEAD_LINES_AFTER_META : HEAD_LINES)
  }

  private mayMatter(line: Buffer): boolean {
    if (this.meta === undefined && (contains(line, SESSION_META) || contains(line, ESCAPE))) return true
    return this.preview === undefined && mayHoldPreview(line)
  }

  /** A long line's skeleton gives the meta, unless a field the meta shows was left out. */
  private parse(line: Buffer): unknown {
    const value = parseLine(line)
    if (line.length < SKELETON_MIN_BYTES || this.meta !== undefined || !isRecord(value) || value.type !== "session_meta" || !isRecord(value.payload)) return value
    const meta = sessionMeta(value.payload)
    return meta !== undefined && JSON.stringify(meta).includes(LEFT_OUT_MARK) ? parse(line) : value
  }

  private take(value: unknown): void {
    if (!isRecord(value) || !isRecord(value.payload)) return
    if (value.type === "session_meta") {
      if (this.meta === undefined) this.meta = sessionMeta(value.payload, this.repeated?.shared)
    } else if (value.type === "event_msg" && this.preview === undefined) {
      this.preview = previewOf(value.payload)
    }
  }

  summary(): HeadSummary {
    return this.unreadable ? UNREADABLE : { meta: this.meta, preview: this.preview }
  }
}

const UNREADABLE: HeadSummary = { meta: undefined, preview: undefined }

/** The first preview anywhere in a rollout (archived threads): feed lines until it returns false. */
export class PreviewFinder {
  preview: string | undefined

  push(line: Buffer | undefined): boolean {
    if (line === undefined || !mayHoldPreview(line)) return true
    const value = parseLine(line)
    if (isRecord(value) && value.type === "event_msg" && isRecord(value.payload)) this.preview = previewOf(value.payload)
    return this.preview === undefined
  }
}
