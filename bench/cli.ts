/**
 * What a person at a terminal feels: the `session-index` command's wall time, start-up
 * included, against `node -e 0` (the least any Node command costs) and against the same
 * lookup in a warm process. Each sample is a fresh child process.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

export interface CliTiming {
  readonly label: string
  readonly medianMs: number
  readonly minMs: number
  readonly maxMs: number
  readonly exitCode: number | null
}

const once = (args: ReadonlyArray<string>): Promise<{ ms: number; code: number | null }> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "ignore"] })
    child.on("error", reject)
    child.on("close", (code) => resolve({ ms: performance.now() - started, code }))
  })

export const timeCommand = async (label: string, args: ReadonlyArray<string>, runs: number): Promise<CliTiming> => {
  await once(args) // the first run pays for the disk cache of the modules
  const samples: Array<number> = []
  let exitCode: number | null = null
  for (let i = 0; i < runs; i++) {
    const { ms, code } = await once(args)
    samples.push(ms)
    exitCode = code
  }
  samples.sort((a, b) => a - b)
  return { label, medianMs: samples[samples.length >> 1]!, minMs: samples[0]!, maxMs: samples[samples.length - 1]!, exitCode }
}

/** The command as installed: the package's `bin`. */
export const cliEntry = (repo: string): string => {
  const bin = (JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { bin: Record<string, string> }).bin
  return path.join(repo, bin["session-index"]!)
}
