/** A file exercising every rule of SPEC.md's "Reading a line". */
import { canonical, escapedName, fileOf, ID, reordered, spaced, uuidN, withExtra } from "./lines.js"

export const h = uuidN(8)
export const i = uuidN(9)
export const j = uuidN(10)
export const f = uuidN(6)
export const g = uuidN(7)
export const missing = uuidN(99)
/** The maxLineBytes the rules file is meant for: the line naming `h` "x"*200 is longer. */
export const MAX = 200

const bad = (...parts: Array<string | Array<number>>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))))
/** Every rule of "Reading a line" in one file, each placed where accepting it would change an answer. */
export const rulesFile = fileOf([
  canonical(ID.a, "old a"),
  canonical(ID.b, "old b"),
  canonical(f, "fix"),
  canonical(g, "fix"),
  canonical(h, "h short"),
  reordered(ID.a, "a reordered"),
  "",
  "   \t",
  `{"id":"${ID.a}","thread_name":"truncated`,
  bad(`{"id":"${ID.a}","thread_name":"bad `, [0xff, 0xfe], `","updated_at":"t"}`),
  bad(canonical(ID.a, "split € char").replace("€", ""), [0xe2, 0x82]),
  `{"id":"${ID.a}","thread_name":7,"updated_at":"t"}`,
  `{"id":"${ID.a}","thread_name":"no time"}`,
  canonical(ID.a, "   "),
  canonical(ID.a, ""),
  spaced(ID.b, "b spaced") + "\r",
  canonical(ID.b.toUpperCase(), "b upper") + "\r",
  escapedName(ID.c, "fix"),
  canonical(g, "other"),
  canonical(ID.d, ID.c),
  `{"note":"${ID.e}","thread_name":"ghost","updated_at":"t"}`,
  withExtra(ID.e, "  e padded  "),
  canonical(h, "x".repeat(MAX)),
  canonical(i, "naïve 🎉 名前 €€€ 𝄞"),
  canonical(uuidN(11).replaceAll("-", ""), "no hyphens"),
  "\r",
  `{"id":"${uuidN(12)}", "thread_name":"  fix  ", "updated_at":"t"}`,
  canonical(uuidN(12), "  "),
  canonical(j, "last")
], false)

export const allIds = [ID.a, ID.b, ID.c, ID.d, ID.e, f, g, h, i, j, uuidN(11), uuidN(12), missing]
export const names = ["fix", "old a", "a reordered", "b upper", "old b", "b spaced", ID.c, "e padded", "h short", "naïve 🎉 名前 €€€ 𝄞", "last", "other", "ghost", "split € char", "missing"]

