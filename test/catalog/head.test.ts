/**
 * The head window and the fields of a listed thread, line by line as Codex 0.169 decides them.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import * as path from "node:path"
import { cwdKey, displayCwd, passes, sourceKinds, unixSeconds } from "../../src/internal/catalog/fields.js"
import { HeadReader, PreviewFinder, previewOf, sessionMeta, skeletonOf } from "../../src/internal/catalog/head.js"

const ID = "0194F7C2-3B1D-7C4E-9A51-2F0E8D6B1A23"
const metaPayload = (extra: Record<string, unknown> = {}) => ({
  id: ID,
  timestamp: "2025-01-14T21:06:17.522Z",
  cwd: "/work",
  originator: "codex_cli_rs",
  cli_version: "0.169.0",
  source: "cli",
  ...extra
})
const metaLine = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ timestamp: "2025-01-14T21:06:17.522Z", type: "session_meta", payload: metaPayload(extra) })
const userLine = (message: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "user_message", message, images: [], ...extra } })
const other = JSON.stringify({ timestamp: "t", type: "response_item", payload: { type: "message" } })

/** Feeds lines until the reader is done; how many it took, and the summary. */
const read = (lines: ReadonlyArray<string | undefined>) => {
  const head = new HeadReader()
  let taken = 0
  for (const line of lines) {
    taken++
    if (!head.push(line === undefined ? undefined : Buffer.from(line))) break
  }
  return { taken, ...head.summary() }
}

describe("the head window", () => {
  it("stops as soon as it has a meta and a preview", () => {
    const result = read([metaLine(), userLine("hello"), other, other])
    expect(result.taken).toBe(2)
    expect(result.meta?.id).toBe(ID.toLowerCase())
    expect(result.preview).toBe("hello")
  })

  it("without a meta, gives up after 10 counted lines; blank lines do not count", () => {
    const lines = [...Array.from({ length: 9 }, () => other), "", "  ", other, metaLine(), userLine("late")]
    const result = read(lines)
    expect(result.taken).toBe(12)
    expect(result.meta).toBeUndefined()
  })

  it("once a meta is seen without a preview, goes on up to 210 counted lines", () => {
    const within = read([metaLine(), ...Array.from({ length: 208 }, () => other), userLine("just in")])
    expect(within.preview).toBe("just in")
    const beyond = read([metaLine(), ...Array.from({ length: 209 }, () => other), userLine("too late")])
    expect(beyond.taken).toBe(210)
    expect(beyond.preview).toBeUndefined()
    expect(beyond.meta).toBeDefined()
  })

  it("an unreadable (over-long) line counts but says nothing", () => {
    const result = read([undefined, metaLine(), userLine("x")])
    expect(result.taken).toBe(3)
    expect(result.preview).toBe("x")
  })

  it("the first valid meta counts; invalid ones before it are passed over", () => {
    const result = read([metaLine({ cwd: 42 }), metaLine({ cwd: "/second" }), metaLine({ cwd: "/third" }), userLine("p")])
    expect(result.meta?.cwd).toBe("/second")
  })

  it("a line of the window that is not UTF-8 makes the thread unlisted, as Codex's line reader fails; one after the window does not", () => {
    const bytes = (line: string) => Buffer.from(line)
    const spoiled = (line: string, bad: Buffer) => {
      const at = line.indexOf("/work")
      return Buffer.concat([bytes(line.slice(0, at)), bad, bytes(line.slice(at))])
    }
    const readBytes = (lines: ReadonlyArray<Buffer>) => {
      const head = new HeadReader()
      let taken = 0
      for (const line of lines) {
        taken++
        if (!head.push(line)) break
      }
      return { taken, ...head.summary() }
    }
    for (const bad of [Buffer.from([0xff]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82])]) {
      const before = readBytes([bad, bytes(metaLine()), bytes(userLine("p"))])
      expect(before).toMatchObject({ taken: 1, meta: undefined, preview: undefined })
      expect(readBytes([spoiled(metaLine(), bad), bytes(userLine("p"))]).meta).toBeUndefined()
      expect(readBytes([bytes(metaLine()), bytes(other), Buffer.concat([bytes(userLine("p")), bad])])).toMatchObject({ meta: undefined, preview: undefined })
    }
    const after = readBytes([bytes(metaLine()), bytes(userLine("p")), Buffer.from([0xff])])
    expect(after).toMatchObject({ taken: 2, preview: "p" })
    // Valid multi-byte text is text.
    expect(readBytes([bytes(metaLine({ cwd: "/wörk/☃/𝄞" })), bytes(userLine("é"))])).toMatchObject({ preview: "é", meta: { cwd: "/wörk/☃/𝄞" } })
  })

  it("a preview before the meta is kept", () => {
    const result = read([userLine("early"), metaLine()])
    expect(result).toMatchObject({ taken: 2, preview: "early" })
  })
})

describe("session_meta", () => {
  it("needs id, timestamp, cwd, originator and cli_version", () => {
    for (const missing of ["id", "timestamp", "cwd", "originator", "cli_version"]) {
      const payload: Record<string, unknown> = metaPayload()
      delete payload[missing]
      expect(sessionMeta(payload), missing).toBeUndefined()
    }
    expect(sessionMeta(metaPayload({ id: "not-a-uuid" }))).toBeUndefined()
  })

  it("a missing source is vscode; a null source makes the line invalid", () => {
    const payload: Record<string, unknown> = metaPayload()
    delete payload.source
    expect(sessionMeta(payload)?.source).toBe("vscode")
    expect(sessionMeta(metaPayload({ source: null }))).toBeUndefined()
  })

  it("git info, provider and history mode are carried", () => {
    const meta = sessionMeta(metaPayload({ model_provider: "azure", history_mode: "paginated", git: { commit_hash: "abc", branch: "main" } }))
    expect(meta).toMatchObject({ modelProvider: "azure", historyMode: "paginated", git: { sha: "abc", branch: "main", originUrl: null } })
    expect(sessionMeta(metaPayload())).toMatchObject({ historyMode: "legacy", git: undefined, modelProvider: undefined })
    expect(sessionMeta(metaPayload({ git: {} }))?.git).toBeUndefined()
    expect(sessionMeta(metaPayload({ git: null, model_provider: null }))).toMatchObject({ git: undefined, modelProvider: undefined })
  })

  it("what Codex cannot deserialize makes the line invalid", () => {
    for (const bad of [
      { history_mode: "other" },
      { originator: 7 },
      { model_provider: 3 },
      { git: { branch: 1 } },
      { git: "main" },
      { source: { custom: "x" } },
      { source: 4 }
    ]) {
      expect(sessionMeta(metaPayload(bad)), JSON.stringify(bad)).toBeUndefined()
    }
  })

  it("sources as Codex shows them: mcp is appServer, unknown strings unknown, subagents an object", () => {
    expect(sessionMeta(metaPayload({ source: "mcp" }))?.source).toBe("appServer")
    expect(sessionMeta(metaPayload({ source: "VSCode" }))?.source).toBe("unknown")
    expect(sessionMeta(metaPayload({ source: { subagent: "review" } }))?.source).toEqual({ subAgent: "review" })
  })
})

describe("the preview", () => {
  it("drops everything up to the first request marker, then trims", () => {
    expect(previewOf({ type: "user_message", message: "ctx\n## My request for Codex:\n  fix it \n## My request for Codex: again" })).toBe(
      "fix it \n## My request for Codex: again"
    )
    expect(previewOf({ type: "user_message", message: "  plain  " })).toBe("plain")
  })

  it("an empty message is [Image] with images, and no preview without", () => {
    expect(previewOf({ type: "user_message", message: " ", images: ["data:"] })).toBe("[Image]")
    expect(previewOf({ type: "user_message", message: "", local_images: ["/a.png"] })).toBe("[Image]")
    expect(previewOf({ type: "user_message", message: "## My request for Codex:", images: [] })).toBeUndefined()
    expect(previewOf({ type: "agent_message", message: "hi" })).toBeUndefined()
  })

  it("Codex 0.169's own user messages: item_completed of a UserMessage, text parts joined", () => {
    const item = (content: ReadonlyArray<unknown>, threadId = ID) => ({ type: "item_completed", thread_id: threadId, item: { type: "UserMessage", id: ID, content } })
    expect(previewOf(item([{ type: "text", text: "part one" }, { type: "text", text: "part two" }]))).toBe("part onepart two")
    expect(previewOf(item([{ type: "local_image", path: "/a.png" }]))).toBe("[Image]")
    expect(previewOf(item([{ type: "text", text: "x" }], "not-a-uuid"))).toBeUndefined()
    expect(previewOf(item([{ type: "skill", name: "x" }]))).toBeUndefined()
  })

  it("whitespace-only lines do not count, a byte order mark does", () => {
    expect(read([..."\t \u00a0\u3000".split(""), metaLine(), userLine("x")]).preview).toBe("x")
    const withBom = read(["\ufeff" + metaLine(), userLine("x")])
    expect(withBom.meta).toBeUndefined()
  })

  it("types spelled with escapes are still found (only lines that cannot matter go unparsed)", () => {
    const escapedMeta = metaLine().replace('"session_meta"', '"session\\u005fmeta"')
    const escapedUser = userLine("escaped").replace('"user_message"', '"user\\u005Fmessage"')
    expect(JSON.parse(escapedMeta).type).toBe("session_meta")
    expect(read([escapedMeta, escapedUser])).toMatchObject({ taken: 2, preview: "escaped", meta: { id: ID.toLowerCase() } })
  })

  it("an event that makes no preview is skipped, and a later one taken", () => {
    expect(read([metaLine(), userLine(""), userLine("second")]).preview).toBe("second")
  })

  it("archived threads: the first preview anywhere", () => {
    const finder = new PreviewFinder()
    const lines = [other, userLine(" "), other, userLine("found"), userLine("later")]
    let taken = 0
    for (const line of lines) {
      taken++
      if (!finder.push(Buffer.from(line))) break
    }
    expect(finder.preview).toBe("found")
    expect(taken).toBe(4)
  })
})

describe("fields and filters", () => {
  it("createdAt: floor of an RFC 3339 time, offsets honoured; none otherwise", () => {
    expect(unixSeconds("2025-01-14T21:06:17.999Z")).toBe(1736888777)
    expect(unixSeconds("2025-01-14T23:06:17+02:00")).toBe(1736888777)
    expect(unixSeconds("2025-01-14t21:06:17z")).toBe(1736888777)
    expect(unixSeconds("2025-01-14 21:06:17Z")).toBe(1736888777)
    expect(unixSeconds("2016-12-31T23:59:60Z")).toBe(unixSeconds("2016-12-31T23:59:59Z"))
    expect(unixSeconds("1969-12-31T23:59:59.5Z")).toBe(-1)
    expect(unixSeconds("2025-01-14T21:06:17")).toBeUndefined()
    expect(unixSeconds("2025-01-14")).toBeUndefined()
    expect(unixSeconds("yesterday")).toBeUndefined()
    expect(unixSeconds("2025-13-14T21:06:17Z")).toBeUndefined()
  })

  it("the shown cwd is normalized lexically, a relative one joined to this process's", () => {
    expect(displayCwd("/a/./b//c/../d/")).toBe("/a/b/d")
    expect(displayCwd("/")).toBe("/")
    expect(displayCwd("/..")).toBe("/")
    expect(displayCwd("rel/dir")).toBe(`${process.cwd()}/rel/dir`)
    expect(displayCwd("")).toBe(process.cwd())
  })

  it("a cwd already normal is shown as it is; any other is normalized", () => {
    const normalized = (cwd: string) => {
      const joined = path.posix.normalize(path.posix.isAbsolute(cwd) ? cwd : path.posix.join(process.cwd(), cwd))
      return joined.length > 1 && joined.endsWith("/") ? joined.slice(0, -1) : joined
    }
    const cwds = fc.array(fc.constantFrom("/", ".", "a", "b.", ".c"), { maxLength: 12 }).map((parts) => parts.join(""))
    fc.assert(fc.property(cwds, (cwd) => displayCwd(cwd) === normalized(cwd)), { numRuns: 2000 })
  })

  it("the cwd filter compares as Rust paths: . and separators drop, .. stays", () => {
    expect(cwdKey("/a/b/")).toBe(cwdKey("/a/b"))
    expect(cwdKey("/a/./b")).toBe(cwdKey("/a//b"))
    expect(cwdKey("/a/x/../b")).not.toBe(cwdKey("/a/b"))
  })

  it("source kinds: their own, and subAgent for every subagent", () => {
    expect(sourceKinds("cli")).toEqual(["cli"])
    expect(sourceKinds({ subAgent: "review" })).toEqual(["subAgent", "subAgentReview"])
    expect(sourceKinds({ subAgent: { thread_spawn: {} } })).toEqual(["subAgent", "subAgentThreadSpawn"])
    expect(sourceKinds({ subAgent: { other: "x" } })).toEqual(["subAgent", "subAgentOther"])
  })

  it("a missing provider is the default one; an empty one is not", () => {
    const filters = { sources: new Set(["cli", "vscode"]), modelProviders: new Set(["openai"]), defaultProvider: "openai", cwds: undefined }
    const meta = sessionMeta(metaPayload())!
    expect(passes(meta, filters)).toBe(true)
    expect(passes(sessionMeta(metaPayload({ model_provider: "" }))!, filters)).toBe(false)
    expect(passes(sessionMeta(metaPayload({ source: "exec" }))!, filters)).toBe(false)
    expect(passes(meta, { ...filters, cwds: new Set([cwdKey("/elsewhere")]) })).toBe(false)
    expect(passes(meta, { ...filters, cwds: new Set([cwdKey("/elsewhere"), cwdKey("/work/")]) })).toBe(true)
  })
})

describe("long lines parsed as a skeleton", () => {
  const LEFT_OUT = "\u0000session-index: left out"
  /** What parsing a skeleton should give: the value with every long string left out. */
  const withoutLong = (value: unknown): unknown =>
    typeof value === "string"
      ? Buffer.byteLength(JSON.stringify(value)) - 2 > 4096 ? LEFT_OUT : value
      : Array.isArray(value)
        ? value.map(withoutLong)
        : typeof value === "object" && value !== null
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutLong(k) as string, withoutLong(v)]))
          : value
  const parsed = (bytes: Buffer | undefined): { ok: true; value: unknown } | { ok: false } => {
    if (bytes === undefined) return { ok: false }
    try {
      return { ok: true, value: JSON.parse(bytes.toString("utf8")) }
    } catch {
      return { ok: false }
    }
  }
  // Strings from a few characters to past the limit, escapes and all of Unicode included.
  const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 8 }), fc.tuple(fc.string({ unit: "binary", maxLength: 6 }), fc.integer({ min: 600, max: 1500 })).map(([t, n]) => t.repeat(n) + "x".repeat(n)))
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.constant(null), fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(text, tie("value"), { maxKeys: 4 }))
  })).value

  it("parses to the line's value with long strings left out, and only when the line parses", () => {
    fc.assert(
      fc.property(json, (value) => {
        const line = Buffer.from(JSON.stringify(value))
        const skeleton = parsed(skeletonOf(line))
        expect(skeleton).toEqual({ ok: true, value: withoutLong(JSON.parse(line.toString("utf8"))) })
      }),
      { numRuns: 300 }
    )
  })

  it("refuses exactly what JSON.parse refuses: raw control characters, bad escapes, unterminated strings", () => {
    const spoilers = fc.constantFrom("\t", "\u0001", "\\", "\\x", "\\u12", "\\u12g4", '"', "\\\"", "\\u00e9", "\\/")
    fc.assert(
      fc.property(json, fc.nat(), spoilers, (value, at, spoiler) => {
        const text = JSON.stringify(value)
        const where = at % (text.length + 1)
        const line = Buffer.from(text.slice(0, where) + spoiler + text.slice(where))
        const whole = parsed(line)
        const skeleton = parsed(skeletonOf(line))
        expect(skeleton.ok).toBe(whole.ok)
        if (whole.ok && skeleton.ok) expect(skeleton.value).toEqual(withoutLong(whole.value))
      }),
      { numRuns: 1000 }
    )
  })

  it("a meta line of megabytes gives the meta of a full parse; a long field falls back to one", () => {
    const instructions = "follow these rules\n".repeat(100_000)
    for (const extra of [{}, { cwd: "/" + "d".repeat(5000) }, { git: { branch: "b".repeat(5000) } }, { source: { subagent: "s".repeat(5000) } }]) {
      const line = metaLine({ base_instructions: { text: instructions }, ...extra })
      expect(line.length).toBeGreaterThan(1024 * 1024)
      const head = read([line, userLine("hi")])
      expect(head.meta).toEqual(sessionMeta(JSON.parse(line).payload))
      expect(head.preview).toBe("hi")
    }
    // A megabyte user message before the meta is still a preview, whole.
    const long = "p".repeat(2 * 1024 * 1024)
    expect(read([userLine(long), metaLine()]).preview).toBe(long)
  })

  it("an archived thread's search for a preview passes over megabyte lines, and takes a megabyte preview whole", () => {
    const find = (lines: ReadonlyArray<string>) => {
      const finder = new PreviewFinder()
      for (const line of lines) if (!finder.push(Buffer.from(line))) break
      return finder.preview
    }
    // `\u` escapes make a line a candidate whatever its type.
    const bulky = JSON.stringify({ timestamp: "t", type: "response_item", payload: { type: "message", text: "\u001b".repeat(300_000) } })
    expect(bulky.length).toBeGreaterThan(1024 * 1024)
    expect(find([bulky, userLine("after the bulk")])).toBe("after the bulk")
    const long = `## My request for Codex: ${"q".repeat(2 * 1024 * 1024)}`
    expect(find([bulky, userLine(long)])).toBe("q".repeat(2 * 1024 * 1024))
  })
})
