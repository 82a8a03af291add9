/**
 * Help and usage texts. The build renders them once (scripts/bundle-cli.mjs writes
 * dist/cli/help.json) so that `--help` answers without loading Effect: main.ts prints them.
 */
import * as CliConfig from "@effect/cli/CliConfig"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as Usage from "@effect/cli/Usage"
import { descriptors, root } from "./commands.js"
import { stripAnsi } from "./output.js"

export interface Help {
  /** For a terminal. */
  readonly ansi: string
  /** For a pipe, a file, or `NO_COLOR`. */
  readonly plain: string
}

export interface HelpTexts {
  readonly root: Help
  readonly commands: Readonly<Record<string, Help>>
  /** Printed on stderr (exit status 2) when no command is given. */
  readonly usage: string
}

const EXECUTABLE = "session-index"

const usageLines = (command: Descriptor.Command<unknown>, config: CliConfig.CliConfig) =>
  Usage.enumerate(Descriptor.getUsage(command), config).map((span) => Span.concat(Span.text(`${EXECUTABLE} `), span))

const render = (doc: HelpDoc.HelpDoc): Help => {
  const ansi = HelpDoc.toAnsiText(doc).trimEnd()
  // @effect/cli pads the list of commands into columns even at the end of a line.
  return { ansi, plain: stripAnsi(ansi).replace(/[ \t]+$/gm, "") }
}

export const helpTexts = (version: string): HelpTexts => {
  // @effect/cli's own options (--completions, --log-level, --wizard) are listed once, at the root.
  const atRoot = CliConfig.make({ showBuiltIns: true })
  const perCommand = CliConfig.make({ showBuiltIns: false })
  const title = HelpDoc.p(`${EXECUTABLE} ${version}`)
  const commands = Object.fromEntries(
    descriptors.map((command) => [
      [...Descriptor.getNames(command)][0]!,
      render(
        HelpDoc.blocks([
          title,
          HelpDoc.h1("USAGE"),
          ...usageLines(command, perCommand).map(HelpDoc.p),
          Descriptor.getHelp(command, perCommand)
        ])
      )
    ])
  )
  const usage = descriptors
    .flatMap((command) => usageLines(command, perCommand))
    .map((span, i) => `${i === 0 ? "usage:" : "      "} ${stripAnsi(HelpDoc.toAnsiText(HelpDoc.p(span))).trim()}`)
  return {
    root: render(HelpDoc.blocks([title, HelpDoc.h1("USAGE"), HelpDoc.p(`${EXECUTABLE} <command> [options] [arguments]`), Descriptor.getHelp(root.descriptor, atRoot)])),
    commands,
    usage: [...usage, `${EXECUTABLE} --help lists the commands; ${EXECUTABLE} <command> --help describes one.`].join("\n")
  }
}
