/** Builders for index lines, canonical and not. */

export const TS = "2026-02-03T16:08:29.123456Z"

/** Fixed, distinct, valid UUIDs (v7-like and v4-like). */
export const ID = {
  a: "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23",
  b: "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24",
  c: "5e8f2c1a-9d3b-4f6e-8a7c-1b2d3e4f5a6b",
  d: "c0ffee00-1234-4abc-8def-0123456789ab",
  e: "deadbeef-0000-4000-8000-00000000000e"
} as const

/** Exactly what a writer produces (without the `\n`). */
export const canonical = (id: string, name: string, updatedAt: string = TS): string =>
  JSON.stringify({ id, thread_name: name, updated_at: updatedAt })

/** Same entry, keys in another order. */
export const reordered = (id: string, name: string, updatedAt: string = TS): string =>
  JSON.stringify({ updated_at: updatedAt, thread_name: name, id })

/** Same entry with whitespace around keys, colons and commas. */
export const spaced = (id: string, name: string, updatedAt: string = TS): string =>
  `{ "id" : ${JSON.stringify(id)} ,\t"thread_name":  ${JSON.stringify(name)} , "updated_at" : ${JSON.stringify(updatedAt)} }`

/** Every UTF-16 unit of `name` written as a `\uXXXX` escape. */
export const escapeAll = (name: string): string =>
  Array.from({ length: name.length }, (_, i) => "\\u" + name.charCodeAt(i).toString(16).padStart(4, "0")).join("")

/** Canonical layout, but the name spelled entirely with `\u` escapes. */
export const escapedName = (id: string, name: string, updatedAt: string = TS): string =>
  `{"id":${JSON.stringify(id)},"thread_name":"${escapeAll(name)}","updated_at":${JSON.stringify(updatedAt)}}`

/** Extra fields before and after the known ones. */
export const withExtra = (id: string, name: string, updatedAt: string = TS): string =>
  JSON.stringify({ source: "cli", id, thread_name: name, updated_at: updatedAt, extra: { id: "x", n: [1, 2] } })

/** A file's bytes from lines joined with `\n` and a final `\n`. */
export const fileOf = (lines: ReadonlyArray<string | Uint8Array>, finalNewline = true): Buffer => {
  const parts: Array<Buffer> = []
  lines.forEach((line, i) => {
    parts.push(typeof line === "string" ? Buffer.from(line, "utf8") : Buffer.from(line))
    if (i < lines.length - 1 || finalNewline) parts.push(Buffer.from("\n"))
  })
  return Buffer.concat(parts)
}

/** The n-th of a family of distinct valid UUIDs (v4 layout). */
export const uuidN = (n: number, family = 0): string =>
  `${family.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`
