/**
 * `session-index gen` and the bench: a deterministic generator of realistic `session_index.jsonl` files: UUIDv7 ids in time
 * order, renames (recent threads more likely), unicode and escaped names, blank-name entries,
 * a sprinkle of bad and non-canonical lines. Same size and seed, same bytes.
 */
import * as fs from "node:fs"

export interface GeneratedIndex {
  readonly lines: number
  readonly distinctIds: number
  readonly badLines: number
  readonly bytes: number
  /** Named once in the first 1% of the file and never again. */
  readonly earlyId: string
  /** Its latest entry lies in the last MiB. */
  readonly lateId: string
  /** The 25 threads named most recently: a resume picker's first page. */
  readonly lateIds25: ReadonlyArray<string>
  /** 1000 ids that occur, spread over the file. */
  readonly midIds: ReadonlyArray<string>
  /** 1000 valid UUIDs that never occur. */
  readonly missingIds: ReadonlyArray<string>
  /** The current name of a recently named thread. */
  readonly lateName: string
  readonly missingName: string
}

export interface GenerateOptions {
  readonly path: string
  readonly sizeBytes: number
  readonly seed: number
  readonly onProgress?: (bytesWritten: number) => void
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }

/** `256MiB`, `1GiB`, `10MB`, `12345` → bytes. */
export const parseSize = (text: string): number => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = UNITS[(match?.[2] || "b").toLowerCase()]
  if (match === null || unit === undefined) throw new Error(`not a size: ${JSON.stringify(text)} (try 64MiB, 1GiB)`)
  return Math.floor(Number(match[1]) * unit)
}

/** mulberry32: small, fast, good enough for test data. */
const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  "fix flaky ci tests refactor parser add retry logic auth flow migrate database schema bump deps " +
  "investigate memory leak in worker pool review pr docs update release notes perf regression " +
  "cache invalidation websocket reconnect oauth token refresh lint errors typescript strict mode " +
  "rust port benchmark harness dockerfile cleanup k8s manifests terraform plan feature flag rollout"
).split(" ")
const UNICODE = ["café", "naïve", "résumé", "日本語", "修复", "テスト", "🎉", "🚀", "Ünïcödé", "Ωmega"]

export const generateIndex = (options: GenerateOptions): Promise<GeneratedIndex> =>
  new Promise((resolve, reject) => {
    const random = prng(options.seed)
    const int = (n: number) => Math.floor(random() * n)
    const hex = (digits: number) => {
      let out = ""
      for (let i = 0; i < digits; i++) out += "0123456789abcdef"[int(16)]
      return out
    }
    let clock = Date.UTC(2025, 0, 1)
    const uuid7 = () => {
      const ms = clock.toString(16).padStart(12, "0")
      return `${ms.slice(0, 8)}-${ms.slice(8)}-7${hex(3)}-${"89ab"[int(4)]}${hex(3)}-${hex(12)}`
    }
    const timestamp = () => {
      const iso = new Date(clock).toISOString()
      // Codex 0.169 writes nanoseconds; older versions and this library milliseconds.
      return random() < 0.5 ? iso : `${iso.slice(0, 19)}.${String(int(1e9)).padStart(9, "0").replace(/0+$/, "") || "0"}Z`
    }
    const name = () => {
      const words = Array.from({ length: 2 + int(7) }, () => WORDS[int(WORDS.length)]!)
      const r = random()
      if (r < 0.05) words.splice(int(words.length), 0, UNICODE[int(UNICODE.length)]!)
      else if (r < 0.06) words.push(`"quoted"`)
      else if (r < 0.065) words.push("back\\slash")
      return words.join(" ")
    }

    const out = fs.createWriteStream(options.path, { highWaterMark: 4 * 1024 * 1024 })
    out.on("error", reject)
    const ids: Array<string> = []
    const currentName = new Map<string, string>()
    const earlyLimit = options.sizeBytes * 0.01
    const lateFrom = options.sizeBytes - 1024 * 1024
    let earlyId: string | undefined
    const recentOrder: Array<string> = []
    let bytes = 0
    let lines = 0
    let badLines = 0
    let pending: Array<string> = []
    let pendingBytes = 0
    // About 0.7 new threads per ~130-byte line: a stride over them spreads 1000 ids over the file.
    const midStride = Math.max(1, Math.floor((options.sizeBytes / 140) * 0.69 / 1000))
    const midIds: Array<string> = []
    let reported = 0

    const badLine = (id: string): string => {
      switch (int(6)) {
        case 0: return `{"id":"${id}","thread_name":"trunc`
        case 1: return "not json"
        case 2: return ""
        case 3: return `${JSON.stringify({ id, thread_name: currentName.get(id) ?? name(), updated_at: timestamp() })}\r`
        case 4: return `{ "updated_at" : "${timestamp()}", "thread_name" : ${JSON.stringify(currentName.get(id) ?? name())}, "id" : "${id}" }`
        default: return JSON.stringify({ id: id.toUpperCase(), thread_name: currentName.get(id) ?? name(), updated_at: timestamp() })
      }
    }

    const nextLine = (): string => {
      clock += 1 + int(5000)
      const r = random()
      if (ids.length > 0 && r < 0.001) {
        badLines++
        return badLine(ids[ids.length - 1 - int(Math.min(ids.length, 1000))]!)
      }
      let id: string
      if (ids.length > 10 && r < 0.3) {
        // Renames favour recent threads; the early id is never renamed.
        const back = Math.min(ids.length, Math.floor(1 + Math.abs(Math.log(random() + 1e-9)) * 200))
        id = ids[ids.length - back]!
        if (id === earlyId) id = ids[ids.length - 1]!
      } else {
        id = uuid7()
        ids.push(id)
        if (earlyId === undefined && bytes < earlyLimit && ids.length === 5) earlyId = id
        if (ids.length % midStride === 0 && midIds.length < 1000) midIds.push(id)
      }
      const threadName = random() < 0.005 ? "  " : name()
      if (threadName.trim() !== "") {
        currentName.set(id, threadName.trim())
        if (bytes >= lateFrom) recentOrder.push(id)
      }
      return JSON.stringify({ id, thread_name: threadName, updated_at: timestamp() })
    }

    const write = () => {
      let ok = true
      while (ok && bytes < options.sizeBytes) {
        const line = nextLine() + "\n"
        const length = Buffer.byteLength(line)
        // The last line may run past sizeBytes: every generated line is written, so the
        // metadata about it holds.
        pending.push(line)
        pendingBytes += length
        bytes += length
        lines++
        if (pendingBytes >= 1024 * 1024) {
          ok = out.write(pending.join(""))
          pending = []
          pendingBytes = 0
          if (bytes - reported >= options.sizeBytes / 100) {
            reported = bytes
            options.onProgress?.(bytes)
          }
        }
      }
      if (bytes < options.sizeBytes) return void out.once("drain", write)
      // Node passes the stream's error here too (ENOSPC on /dev/full, EISDIR): only a clean
      // finish is a result.
      out.end(pending.join(""), (error?: Error | null) => {
        if (error) return reject(error)
        const latestFirst = [...new Set([...recentOrder].reverse())]
        const lateId = latestFirst[Math.min(latestFirst.length - 1, 100)] ?? ids[ids.length - 1]!
        const missingRandom = prng(options.seed ^ 0x5eed)
        const missingIds = Array.from({ length: 1000 }, () => {
          const h = () => Math.floor(missingRandom() * 2 ** 32).toString(16).padStart(8, "0")
          const a = h(), b = h(), c = h(), d = h()
          return `${a}-${b.slice(0, 4)}-4${b.slice(5)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`
        })
        resolve({
          lines,
          distinctIds: ids.length,
          badLines,
          bytes,
          earlyId: earlyId ?? ids[0]!,
          lateId,
          lateIds25: latestFirst.slice(0, 25),
          midIds,
          missingIds,
          lateName: currentName.get(latestFirst[3] ?? lateId)!,
          missingName: "no thread is named this"
        })
      })
    }
    write()
  })
