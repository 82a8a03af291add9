/**
 * Loads the bundled program, dist/cli/program.cjs, through `vm.Script`: unlike `import` on
 * Node 20, it takes V8's code cache, so the bundle's functions are deserialised rather than
 * parsed and compiled, which is most of its start-up. The build writes the cache
 * (scripts/bundle-cli.mjs) for the Node that built it; V8 refuses it on any other version, so
 * it is not published (package.json "files"), and without it the program compiles as usual.
 */
import * as fs from "node:fs"
import Module, { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as vm from "node:vm"
import type { HelpTexts } from "./help.js"

/** What program.ts exports. */
export interface Program {
  readonly main: (argv: ReadonlyArray<string>, version: string) => void
  readonly helpTexts: (version: string) => HelpTexts
}

export const programPath = fileURLToPath(new URL("./program.cjs", import.meta.url))
export const codeCachePath = `${programPath}.v8cache`

export const readCodeCache = (): Buffer | undefined => {
  try {
    return fs.readFileSync(codeCachePath)
  } catch {
    return undefined
  }
}

/**
 * Saves V8's code cache for `script`, holding everything compiled so far (called at exit, so
 * the functions a command ran are in it). Written whole under a temporary name and renamed, so
 * concurrent runs never read half a cache; a folder that cannot be written is left as it is.
 */
export const writeCodeCache = (script: vm.Script): void => {
  const temporary = `${codeCachePath}.${process.pid}.tmp`
  try {
    fs.writeFileSync(temporary, script.createCachedData())
    fs.renameSync(temporary, codeCachePath)
  } catch {
    fs.rmSync(temporary, { force: true })
  }
}

/** The program, compiled with `cachedData` when given; `script` can then make a new cache. */
export const loadProgram = (cachedData: Buffer | undefined): { readonly program: Program; readonly script: vm.Script } => {
  const script = new vm.Script(Module.wrap(fs.readFileSync(programPath, "utf8")), {
    filename: programPath,
    ...(cachedData === undefined ? {} : { cachedData })
  })
  const module = { exports: {} }
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void
  run(module.exports, createRequire(programPath), module, programPath, path.dirname(programPath))
  return { program: module.exports as Program, script }
}
