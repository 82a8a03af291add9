#!/usr/bin/env node
/**
 * The `session-index` command. Start-up is most of what a lookup costs (a 1 MiB index scans in
 * a few milliseconds), so this entry imports only Node's own modules: `--version`, `--help`
 * and the usage come from files, and only a command loads the program (programLoader.ts).
 */
import * as fs from "node:fs"
import * as util from "node:util"
import type { HelpTexts } from "./help.js"
import { loadProgram, readCodeCache, writeCodeCache } from "./programLoader.js"

const readJson = (file: URL): unknown => JSON.parse(fs.readFileSync(file, "utf8"))
const version = () => (readJson(new URL("../../package.json", import.meta.url)) as { readonly version: string }).version
/** Rendered by the build from the commands' @effect/cli definitions. */
const helpTexts = () => readJson(new URL("./help.json", import.meta.url)) as HelpTexts

/** An answer this entry gives itself, ended as the program ends its commands' (output.ts). */
const answer = (text: string) => {
  process.stdout.on("error", () => {})
  process.stdout.write(`${text}\n`, (error) => {
    if (error == null) return
    const { code, errno } = error as NodeJS.ErrnoException
    // A reader that closed the pipe (`| head`) knows why: no message.
    if (code === "EPIPE") {
      process.exitCode = 141
      return
    }
    const reason = (errno === undefined ? undefined : util.getSystemErrorMap().get(errno)?.[1]) ?? error.message
    process.stderr.write(`session-index: cannot write to stdout: ${reason}\n`)
    process.exitCode = 3
  })
}

const args = process.argv.slice(2)
// After `--` everything is an argument, `--help` too.
const options = args.includes("--") ? args.slice(0, args.indexOf("--")) : args

if (args.length === 0) {
  process.stderr.write(`session-index: missing a command\n${helpTexts().usage}\n`)
  process.exitCode = 2
} else if (args.length === 1 && args[0] === "--version") {
  answer(version())
} else if (options.includes("--help") || options.includes("-h")) {
  // As @effect/cli reads it: the help of the first command named, else the overview.
  const { commands, root } = helpTexts()
  const help = options.flatMap((arg) => (Object.hasOwn(commands, arg) ? [commands[arg]!] : []))[0] ?? root
  const colour = process.stdout.isTTY === true && !process.env["NO_COLOR"]
  answer(colour ? help.ansi : help.plain)
} else {
  const cache = readCodeCache()
  const { program, script } = loadProgram(cache)
  // A published package has no cache (V8 takes one only from the Node that made it): the first
  // run leaves one behind where the package's folder is writable, and later runs start faster.
  if (cache === undefined || script.cachedDataRejected === true) process.once("exit", () => writeCodeCache(script))
  program.main(process.argv, version())
}
