/**
 * Names from Codex's own database, `state_5.sqlite`: `threads.name` (the only name of a
 * `paginated` thread) and `threads.title` (a `legacy` thread's name when it is not the first
 * user message). Read-only, and never through SQLite's file locking: the database file and its
 * write-ahead log are read as bytes, the log's committed frames are laid over the database's
 * pages (as SQLite's own recovery reads a log), and the resulting image is queried in memory
 * with sql.js (SQLite compiled to WebAssembly, no compiler needed to install). Nothing is ever
 * created or written beside the database: no `-wal`, `-shm` or `-journal`.
 *
 * Why the log matters: Codex keeps the database in WAL mode with connections open, so while it
 * runs (and after it is killed) most of the database can be in `state_5.sqlite-wal` only: a
 * fresh home's `state_5.sqlite` is then a 4 KiB header, and a rename made a moment ago is a
 * frame in the log. SQLite's `immutable=1` would read neither.
 *
 * The wasm is loaded once per catalog, on the first listing that finds a database. The names
 * are read once per version of the files (their size, modification time and the log's header)
 * and kept as a map of the few threads that have one: a page then costs two `stat`s and a
 * read of the log's header.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { readRegularFile, readRegularHead } from "../regularFile.js"
import { rustTrim } from "./head.js"

export const STATE_DB_FILE = "state_5.sqlite"

/** What the database says about one thread's name. */
export interface DbNames {
  /** `threads.name`, as Codex shows it: a `paginated` thread's name, even when equal to its preview. */
  readonly name: string | undefined
  /** `threads.title` trimmed, when neither empty nor the first user message: a `legacy` thread's name before the index's. */
  readonly title: string | undefined
}

/** By thread id (lower case, as Codex writes them), only the threads with a name or a distinct title. */
export type StateNames = ReadonlyMap<string, DbNames>

// ---------------------------------------------------------------------------------------------
// The write-ahead log (https://sqlite.org/fileformat2.html#the_write_ahead_log)

const WAL_HEADER = 32
const FRAME_HEADER = 24
const WAL_MAGIC = 0x377f0682
const WAL_VERSION = 3007000

/** The committed content of a log: the newest frame of each page, and the database's size. */
export interface WalCommit {
  readonly pageSize: number
  /** The database's size in pages after the last commit. */
  readonly pages: number
  /** Page number → offset of its newest committed copy in the log. */
  readonly frames: ReadonlyMap<number, number>
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/**
 * What SQLite's recovery takes from a log: the frames that follow a valid header with the same
 * salts and an unbroken checksum chain, up to the last commit frame. Undefined for a log that
 * holds no commit (empty, torn, or reset and not yet written again).
 */
export const walCommit = (wal: Uint8Array): WalCommit | undefined => {
  if (wal.length < WAL_HEADER) return undefined
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength)
  const magic = view.getUint32(0)
  if ((magic & 0xfffffffe) !== WAL_MAGIC || view.getUint32(4) !== WAL_VERSION) return undefined
  const pageSize = view.getUint32(8)
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined
  // The checksums read the log's words in the byte order its magic names: the host's, for a
  // log written here (then read as a word array, ten times faster than through the view).
  const bigEndian = (magic & 1) === 1
  const words = bigEndian !== LITTLE_ENDIAN_HOST && wal.byteOffset % 4 === 0 ? new Uint32Array(wal.buffer, wal.byteOffset, wal.byteLength >>> 2) : undefined
  let s1 = 0
  let s2 = 0
  const checksum = (offset: number, length: number) => {
    if (words !== undefined) {
      for (let i = offset >>> 2, end = (offset + length) >>> 2; i < end; i += 2) {
        s1 = (s1 + words[i]! + s2) >>> 0
        s2 = (s2 + words[i + 1]! + s1) >>> 0
      }
      return
    }
    for (let at = offset; at < offset + length; at += 8) {
      s1 = (s1 + view.getUint32(at, !bigEndian) + s2) >>> 0
      s2 = (s2 + view.getUint32(at + 4, !bigEndian) + s1) >>> 0
    }
  }
  checksum(0, 24)
  if (s1 !== view.getUint32(24) || s2 !== view.getUint32(28)) return undefined
  const salt1 = view.getUint32(16)
  const salt2 = view.getUint32(20)
  const frames = new Map<number, number>()
  let pending: Array<[number, number]> = []
  let pages = 0
  for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) {
    const page = view.getUint32(at)
    if (page === 0 || view.getUint32(at + 8) !== salt1 || view.getUint32(at + 12) !== salt2) break
    checksum(at, 8)
    checksum(at + FRAME_HEADER, pageSize)
    if (s1 !== view.getUint32(at + 16) || s2 !== view.getUint32(at + 20)) break
    pending.push([page, at + FRAME_HEADER])
    const commitSize = view.getUint32(at + 4)
    if (commitSize !== 0) {
      for (const [p, offset] of pending) frames.set(p, offset)
      pending = []
      pages = commitSize
    }
  }
  return pages === 0 ? undefined : { pageSize, pages, frames }
}

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1")

/** The database's page size from its header (1 means 65536). */
const headerPageSize = (db: Uint8Array): number => {
  const raw = (db[16]! << 8) | db[17]!
  return raw === 1 ? 65536 : raw
}

/**
 * The database as of the log's last commit, as a self-contained rollback-journal database:
 * the log's pages laid over the file's, cut to the committed size, and the header told that
 * there is no log to read (an in-memory copy in WAL mode would look for one). `db` is taken
 * over (changed in place when the log does not grow the database). Undefined for an empty
 * database.
 */
export const committedImage = (db: Uint8Array, wal: Uint8Array | undefined): Uint8Array | undefined => {
  const commit = wal === undefined ? undefined : walCommit(wal)
  let image: Uint8Array
  if (commit === undefined) {
    // An empty file is an empty database (Codex creating it): no names.
    if (db.length === 0) return undefined
    image = db
  } else {
    if (db.length >= 100 && SQLITE_MAGIC.equals(db.subarray(0, 16)) && headerPageSize(db) !== commit.pageSize) {
      throw new Error("its log's page size is not the database's")
    }
    const size = commit.pages * commit.pageSize
    if (db.length >= size) {
      image = db.subarray(0, size)
    } else {
      image = new Uint8Array(size)
      image.set(db)
    }
    for (const [page, offset] of commit.frames) {
      if (page <= commit.pages) image.set(wal!.subarray(offset, offset + commit.pageSize), (page - 1) * commit.pageSize)
    }
  }
  if (image.length < 100 || !SQLITE_MAGIC.equals(image.subarray(0, 16))) throw new Error("not a SQLite database")
  image[18] = 1
  image[19] = 1
  if (commit !== undefined) {
    // The header's page count is trusted only when its change counter matches: make it so.
    const view = new DataView(image.buffer, image.byteOffset, image.byteLength)
    view.setUint32(28, commit.pages)
    view.setUint32(92, view.getUint32(24))
  }
  return image
}

// ---------------------------------------------------------------------------------------------
// Reading the files: a consistent snapshot, never a lock

interface FileState {
  readonly ino: bigint
  readonly size: bigint
  readonly mtimeNs: bigint
}

const stateOf = (file: string): FileState | undefined => {
  try {
    const stat = fs.statSync(file, { bigint: true })
    if (!stat.isFile()) throw new Error(`${path.basename(file)} is not a regular file`)
    return { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw error
  }
}

const sameState = (a: FileState | undefined, b: FileState | undefined) =>
  a === undefined || b === undefined ? a === b : a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs

/** Which version of the files: what names were read from, and when to read them again. */
const versionOf = (db: string): string | undefined => {
  const dbState = stateOf(db)
  if (dbState === undefined) return undefined
  const walState = stateOf(`${db}-wal`)
  const walHead = walState === undefined ? undefined : readRegularHead(`${db}-wal`, WAL_HEADER)
  const part = (s: FileState | undefined) => (s === undefined ? "-" : `${s.ino}:${s.size}:${s.mtimeNs}`)
  return `${part(dbState)} ${part(walState)} ${walHead?.toString("hex") ?? "-"}`
}

export class StateDbBusy extends Error {}

const ATTEMPTS = 5

/**
 * The database and its log as of one moment. The log is read first, then the database, then
 * the log is checked unchanged (same size, time and header): a checkpoint that copied frames
 * into the database meanwhile copied frames this log holds, which are laid over them anyway,
 * and a log that grew or was reset means reading again. A hot rollback journal (not Codex's
 * mode) means a write in progress: the database is then busy.
 */
export const readSnapshot = (db: string, maxBytes = Infinity): { readonly db: Buffer; readonly wal: Buffer | undefined } | undefined => {
  const walFile = `${db}-wal`
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const walBefore = stateOf(walFile)
    const dbBefore = stateOf(db)
    if (dbBefore === undefined) return undefined
    const total = Number(dbBefore.size + (walBefore?.size ?? 0n))
    if (total > maxBytes) throw new Error(`it is too large to read (${total} bytes with its log, more than ${maxBytes})`)
    const wal = walBefore === undefined ? undefined : readRegularFile(walFile, maxBytes)
    const bytes = readRegularFile(db, maxBytes)
    if (bytes === undefined) return undefined
    const walAfter = stateOf(walFile)
    const walHeadAfter = walAfter === undefined ? undefined : readRegularHead(walFile, WAL_HEADER)
    const steady =
      sameState(walBefore, walAfter) &&
      (wal === undefined || (BigInt(wal.length) === walBefore!.size && walHeadAfter !== undefined && walHeadAfter.equals(wal.subarray(0, walHeadAfter.length)))) &&
      sameState(dbBefore, stateOf(db)) &&
      BigInt(bytes.length) === dbBefore.size
    if (!steady) continue
    const journal = stateOf(`${db}-journal`)
    if (journal !== undefined && journal.size > 0n && bytes[18] === 1) throw new StateDbBusy("a write is in progress (hot journal)")
    return { db: bytes, wal }
  }
  throw new StateDbBusy(`it changed while being read, ${ATTEMPTS} times`)
}

// ---------------------------------------------------------------------------------------------
// sql.js, loaded on demand

/** The part of sql.js used here (the package ships no types). */
interface SqlJsStatement {
  step(): boolean
  get(): Array<unknown>
  free(): boolean
}
interface SqlJsDatabase {
  prepare(sql: string): SqlJsStatement
  close(): void
}
export interface SqlJs {
  readonly Database: new (data: Uint8Array) => SqlJsDatabase
}
type InitSqlJs = (config: { wasmBinary: ArrayBuffer }) => Promise<SqlJs>

/**
 * sql.js, and its wasm, from the installed package, by `require` from this module (or from the
 * CLI's bundle, which leaves sql.js out): nothing of it loads before a database is found.
 */
export const loadSqlJs = (): Promise<SqlJs> => {
  const require = createRequire(import.meta.url)
  const init = require("sql.js") as InitSqlJs
  const wasm = fs.readFileSync(require.resolve("sql.js/dist/sql-wasm.wasm"))
  return init({ wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer })
}


/**
 * The rows that can name a thread: an empty title, or one equal to the first user message
 * (what Codex stores for a thread never renamed), names nothing, and the first user message
 * leaves the database only beside a title it has to be compared with (after trimming, as
 * Codex compares them). Threads with a name are few: the answer is small whatever the size.
 */
const NAMES_QUERY =
  `SELECT id, name, ` +
  `CASE WHEN title <> '' AND title <> first_user_message THEN title END, ` +
  `CASE WHEN title <> '' AND title <> first_user_message THEN first_user_message END ` +
  `FROM threads WHERE name IS NOT NULL OR (title <> '' AND title <> first_user_message)`

/** The names in a database image, by id; throws on corruption or another schema. */
export const namesOf = (sql: SqlJs, image: Uint8Array): Map<string, DbNames> => {
  const db = new sql.Database(image)
  try {
    const statement = db.prepare(NAMES_QUERY)
    try {
      const names = new Map<string, DbNames>()
      while (statement.step()) {
        const [id, name, rawTitle, firstMessage] = statement.get()
        if (typeof id !== "string") continue
        const title = typeof rawTitle === "string" ? rustTrim(rawTitle) : ""
        const distinct = title !== "" && (typeof firstMessage !== "string" || rustTrim(firstMessage) !== title) ? title : undefined
        const named = typeof name === "string" ? name : undefined
        // Codex looks a thread up by its id in lower case (as it writes them): keys are kept as stored.
        if (named !== undefined || distinct !== undefined) names.set(id, { name: named, title: distinct })
      }
      return names
    } finally {
      statement.free()
    }
  } finally {
    // The image goes with it: memory holds only the names between versions.
    db.close()
  }
}

// ---------------------------------------------------------------------------------------------
// The reader a catalog keeps

/**
 * Where Codex keeps the database: `sqlite_home` of `config.toml` (relative to CODEX_HOME, `~/`
 * for the home folder), else `$CODEX_SQLITE_HOME`, else CODEX_HOME.
 */
export const stateDbPath = (codexHome: string, configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string => {
  const fromEnv = env.CODEX_SQLITE_HOME
  let home = codexHome
  if (configured !== undefined && configured.trim() !== "") {
    home = configured.startsWith("~/") ? path.join(os.homedir(), configured.slice(2)) : path.resolve(codexHome, configured)
  } else if (fromEnv !== undefined && fromEnv.trim() !== "") {
    home = path.resolve(fromEnv)
  }
  return path.join(home, STATE_DB_FILE)
}

export interface StateDbOptions {
  /** How sql.js is loaded (tests count the loads). */
  readonly load?: () => Promise<SqlJs>
}

export interface Lookup {
  /** Undefined when there is no usable database: none, busy, corrupt, too large, of another schema, or sql.js failed to load. */
  readonly names: StateNames | undefined
  /** Why the database was not usable, said once per reader (the first time). */
  readonly warning: string | undefined
}

const NO_DATABASE: Lookup = { names: undefined, warning: undefined }

/** A database and log larger than this together are not read (their bytes are held in memory while read). */
export const MAX_DATABASE_BYTES = 256 * 1024 * 1024

/**
 * One database file, read (whole, as an in-memory image) once per version of the file and its
 * log; its names are kept, the image is not. Lookups run one at a time.
 */
export class StateDb {
  private sql: Promise<SqlJs> | undefined
  /** The version `names` were read from (or found unusable at); undefined: read at the next lookup. */
  private version: string | undefined
  private names: StateNames | undefined
  private warned = false
  private queue: Promise<unknown> = Promise.resolve()
  /** How many times the files were read (for tests). */
  reads = 0

  constructor(readonly file: string, private readonly options: StateDbOptions = {}) {}

  /**
   * What the database says about the threads, by id (a page's ids are looked up in it). Never
   * fails: a database that cannot be read is none.
   */
  lookup(): Promise<Lookup> {
    const next = this.queue.then(() => this.lookupNow())
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Forgets the names (the catalog's layer ends). */
  close(): void {
    this.version = undefined
    this.names = undefined
  }

  private async lookupNow(): Promise<Lookup> {
    let version: string | undefined
    try {
      version = versionOf(this.file)
    } catch (error) {
      this.close()
      return this.unusable(error)
    }
    if (version === undefined) {
      this.close()
      return NO_DATABASE
    }
    if (version === this.version) return { names: this.names, warning: undefined }
    this.close()
    try {
      this.reads++
      const snapshot = readSnapshot(this.file, MAX_DATABASE_BYTES)
      if (snapshot === undefined) return NO_DATABASE
      const image = committedImage(snapshot.db, snapshot.wal)
      let names: StateNames = new Map()
      // An empty database (Codex creating it) names nothing.
      if (image !== undefined) {
        this.sql ??= (this.options.load ?? loadSqlJs)()
        names = namesOf(await this.sql, image)
      }
      this.version = version
      this.names = names
      return { names, warning: undefined }
    } catch (error) {
      // Read again once the files change (a busy database at the next lookup); none until then.
      this.version = error instanceof StateDbBusy ? undefined : version
      return this.unusable(error)
    }
  }

  private unusable(error: unknown): Lookup {
    if (this.warned) return NO_DATABASE
    this.warned = true
    const reason = error instanceof Error ? error.message : String(error)
    return { names: undefined, warning: `session-index: listing without Codex's database ${this.file}: ${reason}` }
  }
}
