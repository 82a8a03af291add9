/**
 * What every command shares: the `--codex-home` and `--json` options, the layer a command
 * runs on, and help text with examples.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as Options from "@effect/cli/Options"
import * as Option from "effect/Option"
import * as NodeSessionIndex from "../NodeSessionIndex.js"

export const codexHome = Options.directory("codex-home").pipe(
  // An empty path would resolve to the current folder, and quietly answer from it.
  Options.filterMap((dir) => (dir === "" ? Option.none() : Option.some(dir)), "--codex-home must name a folder, not be empty"),
  Options.withDescription("The Codex home holding session_index.jsonl (default: $CODEX_HOME, then ~/.codex)"),
  Options.optional
)
export const json = Options.boolean("json").pipe(Options.withDescription("Machine-readable JSON on stdout (exact, unescaped)"))

// No scan workers: a command does one lookup and exits, and the pool only takes lookups once
// warm. Workers spawned after the lookup only delayed the exit (by ~90 ms on 300 MiB).
export const layerFor = (home: Option.Option<string>) =>
  NodeSessionIndex.layer({ codexHome: Option.getOrUndefined(home), workers: 0 })

export const withExamples = (description: string, examples: ReadonlyArray<string>) =>
  HelpDoc.blocks([
    HelpDoc.p(description),
    HelpDoc.h2("Examples"),
    ...examples.map((example) => HelpDoc.p(Span.code(example)))
  ])
