/**
 * A listed thread's fields from its head summary, and the listing's filters, as Codex 0.169
 * computes them.
 */
import * as path from "node:path"
import type { SessionMeta } from "./head.js"

// chrono's RFC 3339: `T`, `t` or a space between date and time, `Z`, `z` or an offset required.
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** Unix seconds (floored) of an RFC 3339 time, offsets honoured; undefined when it is not one. */
export const unixSeconds = (timestamp: string): number | undefined => {
  const match = RFC3339.exec(timestamp)
  if (match === null) return undefined
  const [, date, hourMinute, second, fraction, offset] = match
  // A leap second (`:60`) counts as the second before it, as chrono's timestamps do.
  const seconds = second === "60" ? "59" : second
  const millis = Date.parse(`${date}T${hourMinute}:${seconds}${fraction ?? ""}${offset!.toUpperCase()}`)
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000)
}

/**
 * The cwd a listing shows: a relative (or empty) one joined to this process's folder, as
 * Codex joins it to its server's, then `.`, `..`, repeated and trailing separators resolved
 * without touching the file system.
 */
export const displayCwd = (cwd: string): string => {
  // Most cwds are already normal: no `//`, no component starting with `.`, no trailing `/`.
  if (cwd.startsWith("/") && !cwd.includes("//") && !cwd.includes("/.") && (cwd.length === 1 || !cwd.endsWith("/"))) return cwd
  const normalized = path.posix.normalize(path.posix.isAbsolute(cwd) ? cwd : path.posix.join(process.cwd(), cwd))
  return normalized.length > 1 && normalized.endsWith("/") ? normalized.slice(0, -1) : normalized
}

/**
 * What Codex's cwd filter compares (Rust's `Path` equality): the components, with `.` and
 * empty ones dropped but `..` kept, so `/a/x/..` is not `/a`.
 */
export const cwdKey = (cwd: string): string =>
  (cwd.startsWith("/") ? "/" : "") +
  cwd
    .split("/")
    .filter((part) => part !== "" && part !== ".")
    .join("/")

const SUBAGENT_KINDS: Record<string, string> = {
  review: "subAgentReview",
  compact: "subAgentCompact",
  thread_spawn: "subAgentThreadSpawn",
  other: "subAgentOther"
}

/** The `sourceKinds` a source answers to: its own, and `subAgent` for every subagent. */
export const sourceKinds = (source: SessionMeta["source"]): ReadonlyArray<string> => {
  if (typeof source === "string") return [source]
  const sub = source.subAgent
  const key = typeof sub === "string" ? sub : typeof sub === "object" && sub !== null ? Object.keys(sub)[0] : undefined
  return ["subAgent", SUBAGENT_KINDS[key ?? ""] ?? "subAgentOther"]
}

export interface Filters {
  readonly sources: ReadonlySet<string>
  /** Undefined for every provider. */
  readonly modelProviders: ReadonlySet<string> | undefined
  readonly defaultProvider: string
  /** `cwdKey`s, any of which matches; undefined for no filter. */
  readonly cwds: ReadonlySet<string> | undefined
}

/** Whether a thread with this meta is listed under `filters`. A missing provider is the default; `""` is not. */
export const passes = (meta: SessionMeta, filters: Filters): boolean =>
  sourceKinds(meta.source).some((kind) => filters.sources.has(kind)) &&
  (filters.modelProviders === undefined || filters.modelProviders.has(meta.modelProvider ?? filters.defaultProvider)) &&
  (filters.cwds === undefined || filters.cwds.has(cwdKey(meta.cwd)))
