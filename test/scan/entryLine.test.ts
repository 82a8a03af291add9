import { describe, expect, it } from "@effect/vitest"
import { isUuid, leadingIdBytes, namedEntryId, parseEntryBytes, parseEntryText } from "../../src/internal/scan/entryLine.js"
import { IdTable } from "../../src/internal/scan/idTable.js"
import { canonical, escapedName, ID, reordered, spaced, TS, uuidN, withExtra } from "../helpers/lines.js"
import { modelParseLine } from "../helpers/model.js"

const bytes = (...parts: Array<string | Array<number>>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))))

const entry = (id: string, name: string, updatedAt = TS) => ({ id: id.toLowerCase(), name, updatedAt })

/** [description, line bytes (no `\n`), expected entry or undefined]. */
const cases: Array<[string, Buffer, ReturnType<typeof entry> | undefined]> = [
  ["canonical", bytes(canonical(ID.a, "fix flaky ci")), entry(ID.a, "fix flaky ci")],
  ["CRLF: one trailing \\r", bytes(canonical(ID.a, "crlf"), "\r"), entry(ID.a, "crlf")],
  ["surrounding whitespace", bytes(" \t ", canonical(ID.a, "ws"), "  \t"), entry(ID.a, "ws")],
  ["empty line", bytes(""), undefined],
  ["blank line", bytes("   \t "), undefined],
  ["lone \\r", bytes("\r"), undefined],
  ["malformed JSON: truncated", bytes(canonical(ID.a, "x").slice(0, 30)), undefined],
  ["malformed JSON: missing comma", bytes(`{"id":"${ID.a}" "thread_name":"x","updated_at":"t"}`), undefined],
  ["malformed JSON: trailing garbage", bytes(canonical(ID.a, "x") + "x"), undefined],
  ["malformed JSON: two objects", bytes(canonical(ID.a, "x") + canonical(ID.b, "y")), undefined],
  ["not an object: array", bytes(`["${ID.a}","x","t"]`), undefined],
  ["not an object: string", bytes(JSON.stringify(canonical(ID.a, "x"))), undefined],
  ["not an object: null", bytes("null"), undefined],
  ["plain text", bytes("hello world"), undefined],
  ["invalid UTF-8: 0xff in name", bytes(`{"id":"${ID.a}","thread_name":"ab`, [0xff], `","updated_at":"t"}`), undefined],
  ["invalid UTF-8: overlong", bytes(`{"id":"${ID.a}","thread_name":"`, [0xc0, 0xaf], `","updated_at":"t"}`), undefined],
  ["invalid UTF-8: truncated sequence", bytes(`{"id":"${ID.a}","thread_name":"`, [0xe2, 0x82], `","updated_at":"t"}`), undefined],
  ["invalid UTF-8: encoded surrogate", bytes(`{"id":"${ID.a}","thread_name":"`, [0xed, 0xa0, 0x80], `","updated_at":"t"}`), undefined],
  ["invalid UTF-8 in an extra field", bytes(`{"id":"${ID.a}","thread_name":"x","updated_at":"t","z":"`, [0xfe], `"}`), undefined],
  ["wrong type: id number", bytes(`{"id":1,"thread_name":"x","updated_at":"t"}`), undefined],
  ["wrong type: thread_name null", bytes(`{"id":"${ID.a}","thread_name":null,"updated_at":"t"}`), undefined],
  ["wrong type: thread_name number", bytes(`{"id":"${ID.a}","thread_name":5,"updated_at":"t"}`), undefined],
  ["wrong type: updated_at number", bytes(`{"id":"${ID.a}","thread_name":"x","updated_at":17}`), undefined],
  ["wrong type: thread_name object", bytes(`{"id":"${ID.a}","thread_name":{"x":1},"updated_at":"t"}`), undefined],
  ["missing updated_at", bytes(`{"id":"${ID.a}","thread_name":"x"}`), undefined],
  ["missing thread_name", bytes(`{"id":"${ID.a}","updated_at":"t"}`), undefined],
  ["missing id", bytes(`{"thread_name":"x","updated_at":"t"}`), undefined],
  ["extra fields", bytes(withExtra(ID.a, "extra")), entry(ID.a, "extra")],
  ["duplicate key: id twice", bytes(`{"id":"${ID.a}","thread_name":"x","updated_at":"t","id":"${ID.b}"}`), undefined],
  ["duplicate key: the same id twice", bytes(`{"id":"${ID.a}","id":"${ID.a}","thread_name":"x","updated_at":"t"}`), undefined],
  ["duplicate key: thread_name twice", bytes(`{"id":"${ID.a}","thread_name":"x","thread_name":"y","updated_at":"t"}`), undefined],
  ["duplicate key: updated_at twice", bytes(`{"id":"${ID.a}","thread_name":"x","updated_at":"t","updated_at":"u"}`), undefined],
  ["duplicate key spelled with an escape", bytes(`{"id":"${ID.a}","\\u0069d":"${ID.b}","thread_name":"x","updated_at":"t"}`), undefined],
  ["duplicate key: an extra field twice", bytes(`{"z":1,"id":"${ID.a}","thread_name":"x","updated_at":"t","z":2}`), undefined],
  ["duplicate keys nested in an extra field are its own business", bytes(`{"id":"${ID.a}","thread_name":"x","updated_at":"t","z":{"k":1,"k":2},"w":[{"id":1,"id":2}]}`), entry(ID.a, "x", "t")],
  ["keys that only look alike", bytes(`{"id":"${ID.a}","thread_name":"x","updated_at":"t","id ":"y","Id":"z"}`), entry(ID.a, "x", "t")],
  ["a key inside a name is not a key", bytes(`{"id":"${ID.a}","thread_name":"\\",\\"id\\":1","updated_at":"t"}`), entry(ID.a, '",\"id\":1', "t")],
  ["other key order", bytes(reordered(ID.a, "order")), entry(ID.a, "order")],
  ["spacing inside the JSON", bytes(spaced(ID.a, "spaced")), entry(ID.a, "spaced")],
  ["uppercase id", bytes(canonical(ID.a.toUpperCase(), "upper")), entry(ID.a, "upper")],
  ["mixed-case id", bytes(canonical("0194F7c2-3B1d-7C4e-9A51-2f0E8d6B1a23", "mixed")), entry(ID.a, "mixed")],
  ["id without hyphens", bytes(canonical(ID.a.replaceAll("-", ""), "x")), undefined],
  ["id in braces", bytes(canonical(`{${ID.a}}`, "x")), undefined],
  ["id with spaces", bytes(canonical(` ${ID.a}`, "x")), undefined],
  ["id too short", bytes(canonical(ID.a.slice(0, 35), "x")), undefined],
  ["id with non-hex", bytes(canonical(ID.a.slice(0, 35) + "g", "x")), undefined],
  ["\\u escapes in the name", bytes(escapedName(ID.a, "fix")), entry(ID.a, "fix")],
  ["\\u escape mixed in", bytes(`{"id":"${ID.a}","thread_name":"\\u0066ix","updated_at":"${TS}"}`), entry(ID.a, "fix")],
  ["escaped quote, backslash, newline", bytes(canonical(ID.a, 'a "q" \\ b\nc')), entry(ID.a, 'a "q" \\ b\nc')],
  ["unicode name", bytes(canonical(ID.a, "naïve 🎉 名前")), entry(ID.a, "naïve 🎉 名前")],
  ["escaped surrogate pair", bytes(escapedName(ID.a, "🎉")), entry(ID.a, "🎉")],
  ["lone surrogate escape in name", bytes(`{"id":"${ID.a}","thread_name":"\\ud800x","updated_at":"t"}`), undefined],
  ["blank name: carries no name", bytes(canonical(ID.a, "   ")), entry(ID.a, "")],
  ["empty name: carries no name", bytes(canonical(ID.a, "")), entry(ID.a, "")],
  ["name is trimmed", bytes(canonical(ID.a, "  padded\t ")), entry(ID.a, "padded")],
  ["name with unicode spaces is trimmed", bytes(canonical(ID.a, "\u00a0wide\u3000")), entry(ID.a, "wide")],
  ["another id's text inside the name", bytes(canonical(ID.a, ID.b)), entry(ID.a, ID.b)],
  ["an id only inside another field", bytes(`{"note":"${ID.a}"}`), undefined]
]

describe("parseEntryBytes (the tolerant line reader)", () => {
  for (const [description, line, expected] of cases) {
    it(description, () => {
      const parsed = parseEntryBytes(line, 0, line.length)
      if (expected === undefined) {
        expect(parsed).toBeUndefined()
      } else {
        expect(parsed).toMatchObject(expected)
      }
      // The reference model agrees on every rule.
      const model = modelParseLine(line)
      expect(model === undefined ? undefined : { ...model }).toEqual(expected)
    })
  }

  it("namedEntryId (what compaction asks of every line) answers as the full parse on every case", () => {
    for (const [description, line] of cases) {
      const parsed = parseEntryBytes(line, 0, line.length)
      const id = new Uint8Array(16)
      const named = namedEntryId(line, 0, line.length, id)
      expect(named, description).toBe(parsed !== undefined && parsed.name !== "")
      if (named) expect(Buffer.from(id).toString("hex"), description).toBe(parsed!.id.replaceAll("-", ""))
      // The leading id, when there is one, is the entry's id for every entry.
      const leading = new Uint8Array(16)
      if (named && leadingIdBytes(line, 0, line.length, leading)) expect(leading).toEqual(id)
    }
  })

  it("reads only the given byte range of a larger buffer", () => {
    const buf = Buffer.from(`garbage\n${canonical(ID.b, "inside")}\nmore`)
    const start = buf.indexOf("{")
    const end = buf.indexOf("\n", start)
    expect(parseEntryBytes(buf, start, end)).toMatchObject(entry(ID.b, "inside"))
    expect(parseEntryBytes(buf, start, end - 1)).toBeUndefined()
  })

  it("lowercases the id, whatever its case in the line", () => {
    expect(parseEntryText(canonical(ID.c.toUpperCase(), "x"))).toEqual({ id: ID.c, name: "x", updatedAt: TS })
  })
})

describe("isUuid", () => {
  it("accepts hyphenated UUIDs in any case and nothing else", () => {
    expect(isUuid(ID.a)).toBe(true)
    expect(isUuid(ID.a.toUpperCase())).toBe(true)
    expect(isUuid(ID.a + "0")).toBe(false)
    expect(isUuid(ID.a.replaceAll("-", "_"))).toBe(false)
    expect(isUuid(ID.a + "\n")).toBe(false)
    expect(isUuid("")).toBe(false)
  })
})

describe("IdTable", () => {
  it("maps ids to values through growth, and answers -1 for ids it never saw", () => {
    const table = new IdTable()
    const ids = Array.from({ length: 5000 }, (_, i) => Buffer.from(uuidN(i, 7).replaceAll("-", ""), "hex"))
    ids.forEach((id, i) => {
      table.id.set(id)
      table.set(i * 10)
    })
    ids.forEach((id, i) => {
      table.id.set(id)
      table.set(i * 10 + 1)
    })
    expect(table.size).toBe(5000)
    ids.forEach((id, i) => {
      table.id.set(id)
      expect(table.get()).toBe(i * 10 + 1)
    })
    table.id.set(Buffer.from(uuidN(5000, 7).replaceAll("-", ""), "hex"))
    expect(table.get()).toBe(-1)
    table.id.fill(0)
    expect(table.get()).toBe(-1)
    table.set(3)
    expect(table.get()).toBe(3)
  })
})
