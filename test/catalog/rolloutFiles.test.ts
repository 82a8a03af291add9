/**
 * The walk's folder cache: a folder is listed again whenever its entries change, and a folder
 * changed too recently for its ctime to be trusted is always listed again.
 */
import { describe, expect, it } from "vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { activeRollouts, archivedRollouts, FolderCache } from "../../src/internal/catalog/rolloutFiles.js"

const uuid = (n: number) => `0194f7c2-3b1d-7c4e-9a51-${n.toString(16).padStart(12, "0")}`
const name = (n: number) => `rollout-2025-01-14T10-00-0${n}-${uuid(n)}.jsonl`

const home = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-walk-"))
  fs.mkdirSync(path.join(dir, "sessions/2025/01/14"), { recursive: true })
  fs.mkdirSync(path.join(dir, "archived_sessions"))
  return dir
}
const ids = (files: ReadonlyArray<{ id: string }>) => files.map((f) => f.id).sort()

describe("FolderCache", () => {
  // A clock far ahead: every ctime counts as settled, so every folder's listing is trusted.
  const settled = () => Date.now() + 3_600_000

  it("lists a folder again when an entry is added, removed or renamed", () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    const folders = new FolderCache(settled)
    fs.writeFileSync(path.join(day, name(1)), "x")
    for (let i = 0; i < 3; i++) expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(1)])
    fs.writeFileSync(path.join(day, name(2)), "x")
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(1), uuid(2)])
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(1), uuid(2)])
    fs.rmSync(path.join(day, name(1)))
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(2)])
    fs.renameSync(path.join(day, name(2)), path.join(day, `${name(2)}.zst`))
    expect(activeRollouts(codexHome, folders).map((f) => f.compressed)).toEqual([true])
    // A new day folder: its month folder's entries changed.
    fs.mkdirSync(path.join(codexHome, "sessions/2025/01/15"))
    fs.writeFileSync(path.join(codexHome, "sessions/2025/01/15", name(3)), "x")
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(2), uuid(3)])
  })

  it("sizes and mtimes are read on every walk: an append does not touch the folder", () => {
    const codexHome = home()
    const file = path.join(codexHome, "archived_sessions", name(1))
    const folders = new FolderCache(settled)
    fs.writeFileSync(file, "x")
    fs.utimesSync(file, 1, 1)
    for (let i = 0; i < 3; i++) expect(archivedRollouts(codexHome, folders).map((f) => [f.size, f.mtimeMs])).toEqual([[1, 1000]])
    fs.appendFileSync(file, "yz")
    fs.utimesSync(file, 2, 2)
    expect(archivedRollouts(codexHome, folders).map((f) => [f.size, f.mtimeMs])).toEqual([[3, 2000]])
  })

  it("a folder that vanishes, or becomes a file, lists nothing; one that comes back is read", () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    const folders = new FolderCache(settled)
    fs.writeFileSync(path.join(day, name(1)), "x")
    for (let i = 0; i < 3; i++) expect(activeRollouts(codexHome, folders)).toHaveLength(1)
    fs.rmSync(path.join(codexHome, "sessions"), { recursive: true })
    expect(activeRollouts(codexHome, folders)).toEqual([])
    fs.writeFileSync(path.join(codexHome, "sessions"), "not a folder")
    expect(activeRollouts(codexHome, folders)).toEqual([])
    fs.rmSync(path.join(codexHome, "sessions"))
    fs.mkdirSync(day, { recursive: true })
    fs.writeFileSync(path.join(day, name(2)), "x")
    expect(ids(activeRollouts(codexHome, folders))).toEqual([uuid(2)])
  })

  it("with the real clock, a folder just changed is listed again on every walk", () => {
    const codexHome = home()
    const day = path.join(codexHome, "sessions/2025/01/14")
    const folders = new FolderCache()
    fs.writeFileSync(path.join(day, name(1)), "x")
    expect(activeRollouts(codexHome, folders)).toHaveLength(1)
    expect(activeRollouts(codexHome, folders)).toHaveLength(1)
    fs.writeFileSync(path.join(day, name(2)), "x")
    expect(activeRollouts(codexHome, folders)).toHaveLength(2)
  })
})
