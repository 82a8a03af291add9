/**
 * Throwaway consumer projects: made under the packed tarball's folder, installed with npm (one
 * shared cache), their commands run with a deadline. `runHoldingLock` is how every project
 * shows that its append takes Codex's lock: this process holds the `flock` while the app's
 * append waits, and the line appears only once it is released.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { expect } from "vitest"
import { describeRun, npmCache, type Ran, run } from "./process.js"

export { describeRun, npmCache, npmEnv, type Ran, repoRoot, run } from "./process.js"

/** Asserts exit 0, showing the command's output when not. */
export const expectSuccess = (ran: Ran): Ran => {
  expect(ran.code, describeRun(ran)).toBe(0)
  return ran
}

/** A fresh project folder with these files (`package.json` given as an object). */
export const makeProject = (
  root: string,
  name: string,
  packageJson: Record<string, unknown>,
  files: Record<string, string>
): string => {
  const dir = path.join(root, name)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, version: "0.0.0", private: true, ...packageJson }, null, 2))
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), text)
  }
  return dir
}

/** Hard-links a tree (files linked, symlinks recreated, folders made). */
const linkTree = (from: string, to: string): void => {
  fs.mkdirSync(to, { recursive: true })
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name)
    const target = path.join(to, entry.name)
    if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target)
    else if (entry.isDirectory()) linkTree(source, target)
    else fs.linkSync(source, target)
  }
}

/**
 * A fresh project with the shared install (the tarball, the peers, TypeScript: see the global
 * setup): its dependencies in package.json, its node_modules hard-linked from there.
 */
export const projectFromBase = (
  consumers: { readonly root: string; readonly base: string },
  name: string,
  packageJson: Record<string, unknown>,
  files: Record<string, string>
): string => {
  const installed = JSON.parse(fs.readFileSync(path.join(consumers.base, "package.json"), "utf8")) as { dependencies: unknown }
  const dir = makeProject(consumers.root, name, { ...packageJson, dependencies: installed.dependencies }, files)
  const started = performance.now()
  linkTree(path.join(consumers.base, "node_modules"), path.join(dir, "node_modules"))
  fs.copyFileSync(path.join(consumers.base, "package-lock.json"), path.join(dir, "package-lock.json"))
  console.log(`${name}: the shared install, hard-linked in ${Math.round(performance.now() - started)} ms`)
  return dir
}

/** `npm install` into a project, lean (`--no-audit --no-fund`), from the shared cache where it can. */
export const npmInstall = async (dir: string, specs: ReadonlyArray<string>, extraArgs: ReadonlyArray<string> = []): Promise<Ran> => {
  const ran = await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--cache", npmCache, ...extraArgs, ...specs],
    { cwd: dir, timeoutMs: 240_000 }
  )
  expectSuccess(ran)
  console.log(`${path.basename(dir)}: npm install ${extraArgs.join(" ")} took ${Math.round(ran.ms)} ms`)
  return ran
}

/** The project's TypeScript compiler. */
export const tsc = (dir: string, args: ReadonlyArray<string>): Promise<Ran> =>
  run(process.execPath, [path.join(dir, "node_modules", "typescript", "bin", "tsc"), ...args], { cwd: dir, timeoutMs: 180_000 })

/** The `RESULT {...}` line an app prints. */
export const resultOf = <A = Record<string, unknown>>(ran: Ran): A => {
  const line = ran.stdout.split("\n").find((l) => l.startsWith("RESULT "))
  if (line === undefined) throw new Error(`no RESULT line\n${describeRun(ran)}`)
  return JSON.parse(line.slice("RESULT ".length)) as A
}

export const occurrences = (text: string, needle: string): number => text.split(needle).length - 1

const flock = createRequire(import.meta.url)("fs-ext-extra-prebuilt") as {
  readonly flockSync: (fd: number, flags: "ex" | "un") => void
}

export const INDEX = "session_index.jsonl"
export const LOCK = "session_index.jsonl.lock"

export interface LockedRun extends Ran {
  /** Whether the app printed `APPENDING` while this process held the lock. */
  readonly sawAppending: boolean
  /** Whether the index already held the app's line while the lock was still held here. */
  readonly lineWhileHeld: boolean
}

const HOLD_MS = 400

/**
 * Runs an app that prints `APPENDING` just before `appendThreadName(id, name)` in `home`, while
 * this process holds Codex's lock (`flock` on `<home>/session_index.jsonl.lock`). The lock is
 * released 400 ms after `APPENDING`; until then the line must not be in the index.
 */
export const runHoldingLock = async (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly home: string; readonly name: string; readonly timeoutMs?: number }
): Promise<LockedRun> => {
  fs.mkdirSync(options.home, { recursive: true })
  const fd = fs.openSync(path.join(options.home, LOCK), "a")
  flock.flockSync(fd, "ex")
  let released = false
  const release = () => {
    if (released) return
    released = true
    fs.closeSync(fd) // closing the descriptor releases the flock
  }
  let sawAppending = false
  let lineWhileHeld = false
  try {
    const ran = await run(command, args, {
      cwd: options.cwd,
      timeoutMs: options.timeoutMs ?? 60_000,
      onStdout: (all) => {
        if (sawAppending || !all.includes("APPENDING\n")) return
        sawAppending = true
        setTimeout(() => {
          lineWhileHeld = indexLines(options.home).some((entry) => entry.thread_name === options.name)
          release()
        }, HOLD_MS)
      }
    })
    return { ...ran, sawAppending, lineWhileHeld }
  } finally {
    release()
  }
}

export interface Line {
  readonly id: string
  readonly thread_name: string
  readonly updated_at: string
}

export const indexLines = (home: string): Array<Line> => {
  const file = path.join(home, INDEX)
  if (!fs.existsSync(file)) return []
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Line)
}

/**
 * What every project's append must show: the app succeeded, waited for the lock held here
 * (nothing was written meanwhile, the append took at least that long), its line is in the index
 * once, the lock file is there, and no "writing without Codex's lock" warning was logged.
 */
export const expectLockedAppend = (
  ran: LockedRun,
  expected: { readonly home: string; readonly id: string; readonly name: string }
): Record<string, unknown> => {
  expectSuccess(ran)
  const result = resultOf<{ appendMs: number; name: string | null; id: string | null }>(ran)
  const output = ran.stdout + ran.stderr
  expect(ran.sawAppending, describeRun(ran)).toBe(true)
  expect(output, "the flock binding did not load: the append went ahead without the lock").not.toContain("without Codex's lock")
  expect(ran.lineWhileHeld, "the line was written while another process held the lock").toBe(false)
  expect(result.appendMs).toBeGreaterThanOrEqual(HOLD_MS - 100)
  expect(result.name).toBe(expected.name)
  expect(result.id).toBe(expected.id)
  expect(fs.existsSync(path.join(expected.home, LOCK))).toBe(true)
  const mine = indexLines(expected.home).filter((l) => l.id === expected.id)
  expect(mine.map((l) => l.thread_name)).toEqual([expected.name])
  return result
}
