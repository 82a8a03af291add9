/**
 * Codex-like `state_5.sqlite` databases and write-ahead logs, made with the reader the library
 * uses (sql.js) and written frame by frame as SQLite writes a log: for the catalog's unit tests
 * and the packed-package tests.
 */
import { loadSqlJs, type SqlJs } from "../../src/internal/catalog/stateDb.js"

let sql: SqlJs | undefined

/** Loads sql.js once; the makers below need it. */
export const loadMaker = async (): Promise<void> => {
  sql ??= await loadSqlJs()
}

export const fillerId = (n: number) => `0194f7c2-3b1d-7c4e-9a51-${(0x10000 + n).toString(16).padStart(12, "0")}`

/** Codex 0.169's `threads` table, the columns a listing could need (the rest are defaults there too). */
export const THREADS_DDL = `CREATE TABLE threads (
  id TEXT PRIMARY KEY, rollout_path TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL DEFAULT 'cli', model_provider TEXT NOT NULL DEFAULT 'openai',
  cwd TEXT NOT NULL DEFAULT '/', title TEXT NOT NULL, sandbox_policy TEXT NOT NULL DEFAULT '', approval_mode TEXT NOT NULL DEFAULT '',
  first_user_message TEXT NOT NULL DEFAULT '', preview TEXT NOT NULL DEFAULT '', history_mode TEXT NOT NULL DEFAULT 'legacy', name TEXT
)`

export interface DbRow {
  readonly id: string
  readonly title: string
  readonly first?: string
  readonly name?: string | null
}

/** What sql.js's `Database` offers beyond the part the source uses. */
interface FullDatabase {
  run(sql: string, params?: ReadonlyArray<unknown>): void
  export(): Uint8Array
  close(): void
}

/**
 * A database file's bytes (rollback journal mode, 4 KiB pages), after `statements`; 300 filler
 * threads (never renamed) make the table span many pages, as a real one does.
 */
export const databaseBytes = (rows: ReadonlyArray<DbRow>, statements: ReadonlyArray<[string, ReadonlyArray<unknown>?]> = [], ddl = THREADS_DDL): Uint8Array => {
  if (sql === undefined) throw new Error("loadMaker() first")
  const db = new sql.Database(new Uint8Array()) as unknown as FullDatabase
  try {
    db.run("PRAGMA page_size = 4096")
    db.run(ddl)
    db.run("BEGIN")
    for (let i = 0; i < 300; i++) db.run("INSERT INTO threads (id, title, first_user_message) VALUES (?, ?, ?)", [fillerId(i), `filler ${i}`.repeat(20), `filler ${i}`.repeat(20)])
    for (const row of rows) {
      db.run("INSERT INTO threads (id, title, first_user_message, name) VALUES (?, ?, ?, ?)", [row.id, row.title, row.first ?? row.title, row.name ?? null])
    }
    db.run("COMMIT")
    for (const [statement, params] of statements) db.run(statement, params ?? [])
    return db.export()
  } finally {
    db.close()
  }
}

export const PAGE = 4096

/** The pages of `after` that differ from `before`'s (page numbers from 1). */
export const changedPages = (before: Uint8Array, after: Uint8Array): Array<[number, Uint8Array]> => {
  const out: Array<[number, Uint8Array]> = []
  for (let page = 1; page * PAGE <= after.length; page++) {
    const next = after.subarray((page - 1) * PAGE, page * PAGE)
    const previous = before.subarray((page - 1) * PAGE, page * PAGE)
    if (previous.length !== PAGE || !Buffer.from(previous).equals(next)) out.push([page, next])
  }
  return out
}

export interface Frame {
  readonly page: number
  readonly data: Uint8Array
  /** The database's size in pages after this frame, for a transaction's last frame. */
  readonly commit?: number
  /** Salts other than the header's (a frame of a log before a reset). */
  readonly salts?: readonly [number, number]
  /** A wrong checksum. */
  readonly corrupt?: boolean
}

/**
 * A write-ahead log as SQLite writes it (https://sqlite.org/fileformat2.html#walformat): its
 * checksums computed here independently, through a DataView, in the byte order of `magic`.
 */
export const walBytes = (frames: ReadonlyArray<Frame>, options: { readonly bigEndian?: boolean; readonly salts?: readonly [number, number] } = {}): Buffer => {
  const bigEndian = options.bigEndian ?? false
  const [salt1, salt2] = options.salts ?? [0x1234abcd, 0x0badf00d]
  const out = Buffer.alloc(32 + frames.length * (24 + PAGE))
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  let s1 = 0
  let s2 = 0
  const sum = (offset: number, length: number) => {
    for (let at = offset; at < offset + length; at += 8) {
      s1 = (s1 + view.getUint32(at, !bigEndian) + s2) >>> 0
      s2 = (s2 + view.getUint32(at + 4, !bigEndian) + s1) >>> 0
    }
  }
  view.setUint32(0, bigEndian ? 0x377f0683 : 0x377f0682)
  view.setUint32(4, 3007000)
  view.setUint32(8, PAGE)
  view.setUint32(12, 0)
  view.setUint32(16, salt1)
  view.setUint32(20, salt2)
  sum(0, 24)
  view.setUint32(24, s1)
  view.setUint32(28, s2)
  frames.forEach((frame, i) => {
    const at = 32 + i * (24 + PAGE)
    view.setUint32(at, frame.page)
    view.setUint32(at + 4, frame.commit ?? 0)
    view.setUint32(at + 8, frame.salts?.[0] ?? salt1)
    view.setUint32(at + 12, frame.salts?.[1] ?? salt2)
    out.set(frame.data, at + 24)
    sum(at, 8)
    sum(at + 24, PAGE)
    view.setUint32(at + 16, frame.corrupt ? s1 ^ 1 : s1)
    view.setUint32(at + 20, s2)
  })
  return out
}

/** A transaction's frames: the pages `after` changed, the last one a commit. */
export const transaction = (before: Uint8Array, after: Uint8Array): Array<Frame> => {
  const pages = changedPages(before, after)
  return pages.map(([page, data], i) => (i === pages.length - 1 ? { page, data, commit: after.length / PAGE } : { page, data }))
}

/** The file in WAL mode, as Codex leaves it (header bytes 18 and 19 are 2). */
export const walMode = (bytes: Uint8Array) => {
  const copy = Uint8Array.from(bytes)
  copy[18] = 2
  copy[19] = 2
  return copy
}

