/**
 * A plain reference model of SPEC.md's "Reading a line" and "Answers", written independently of
 * the scan core: split the bytes on `\n`, validate UTF-8, `JSON.parse` every line, keep the
 * entries, and answer every lookup from the whole list.
 */

export interface ModelEntry {
  /** Lowercase id. */
  readonly id: string
  /** Trimmed name ("" when blank). */
  readonly name: string
  readonly updatedAt: string
  /** Position among the file's lines (0 = first). */
  readonly line: number
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** One line's bytes (without its `\n`) as an entry, or `undefined` for a line to skip. */
export const modelParseLine = (bytes: Uint8Array, maxLineBytes = Infinity): Omit<ModelEntry, "line"> | undefined => {
  if (bytes.length > maxLineBytes) return undefined
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return undefined
  }
  if (text.endsWith("\r")) text = text.slice(0, -1)
  text = text.trim()
  if (text === "") return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
  if (hasDuplicateKey(text)) return undefined
  const record = value as Record<string, unknown>
  const { id, thread_name, updated_at } = record
  if (typeof id !== "string" || typeof thread_name !== "string" || typeof updated_at !== "string") return undefined
  if (!UUID.test(id)) return undefined
  // Lone surrogates cannot be UTF-8: Codex (serde) rejects such lines.
  if (!thread_name.isWellFormed() || !updated_at.isWellFormed()) return undefined
  return { id: id.toLowerCase(), name: thread_name.trim(), updatedAt: updated_at }
}

/**
 * Whether the (valid JSON) object text names one of its own keys twice, escapes decoded: a bad
 * line on every path. Walks the outer object value by value, skipping nested values whole.
 */
const hasDuplicateKey = (text: string): boolean => {
  const keys = new Set<string>()
  let i = text.indexOf("{") + 1
  const skipSpace = () => {
    while (/\s/.test(text[i] ?? "")) i++
  }
  const readString = (): string => {
    const start = i
    for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++
    i++
    return JSON.parse(text.slice(start, i)) as string
  }
  const skipValue = () => {
    skipSpace()
    if (text[i] === '"') return void readString()
    let depth = 0
    for (; i < text.length; i++) {
      const c = text[i]!
      if (c === '"') {
        readString()
        i--
      } else if (c === "{" || c === "[") depth++
      else if (c === "}" || c === "]") {
        if (depth === 0) return
        depth--
        if (depth === 0) return void i++
      } else if (c === "," && depth === 0) return
    }
  }
  for (;;) {
    skipSpace()
    if (text[i] !== '"') return false
    const key = readString()
    if (keys.has(key)) return true
    keys.add(key)
    skipSpace()
    i++ // the colon
    skipValue()
    skipSpace()
    if (text[i] !== ",") return false
    i++
  }
}

/** Every entry of a file's bytes, in file order. */
export const modelEntries = (file: Uint8Array, maxLineBytes = Infinity): Array<ModelEntry> => {
  const out: Array<ModelEntry> = []
  let start = 0
  let line = 0
  while (start <= file.length) {
    let end = file.indexOf(10, start)
    if (end < 0) end = file.length
    const entry = modelParseLine(file.subarray(start, end), maxLineBytes)
    if (entry !== undefined) out.push({ ...entry, line })
    line++
    start = end + 1
  }
  return out
}

/** Answers per SPEC.md: append order wins; blank names carry no name; current-name semantics. */
export class Model {
  /** The current-name entry of each thread (its last non-blank entry), keyed by lowercase id. */
  readonly current = new Map<string, ModelEntry>()

  constructor(readonly entries: ReadonlyArray<ModelEntry>) {
    for (const entry of entries) if (entry.name !== "") this.current.set(entry.id, entry)
  }

  static fromBytes(file: Uint8Array, maxLineBytes = Infinity): Model {
    return new Model(modelEntries(file, maxLineBytes))
  }

  nameOf(id: string): string | undefined {
    return this.current.get(id.toLowerCase())?.name
  }

  namesOf(ids: Iterable<string>): Map<string, string> {
    const out = new Map<string, string>()
    for (const id of ids) {
      const name = this.nameOf(id)
      if (name !== undefined) out.set(id.toLowerCase(), name)
    }
    return out
  }

  /** Threads whose current name is `name.trim()`, newest naming entry first. */
  threadsNamed(name: string): Array<ModelEntry> {
    const wanted = name.trim()
    if (wanted === "") return []
    return this.latest().filter((e) => e.name === wanted)
  }

  idByName(name: string): string | undefined {
    return this.threadsNamed(name)[0]?.id
  }

  /** The latest named entry of every thread, newest first. */
  latest(): Array<ModelEntry> {
    return [...this.current.values()].sort((a, b) => b.line - a.line)
  }
}
