/**
 * What every scenario group of the bench shares: a timing (median, min, max of several runs),
 * a row of the printed table, and the table itself, with each row's ratio to the
 * `session-index` row of its scenario.
 */

export interface Timing {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: number
}

export interface Row {
  readonly scenario: string
  readonly subject: string
  readonly timing: Timing | undefined
  readonly note?: string
  /** A summary of the answer, to check every subject agrees. */
  readonly answer?: string
}

/** Median, min and max of samples in milliseconds. */
export const timingOf = (samples: ReadonlyArray<number>): Timing => {
  const sorted = [...samples].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length }
}

export const time = async (runs: number, run: () => Promise<unknown>): Promise<{ timing: Timing; last: unknown }> => {
  const samples: Array<number> = []
  let last: unknown
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    last = await run()
    samples.push(performance.now() - start)
  }
  return { timing: timingOf(samples), last }
}

export const render = (rows: ReadonlyArray<Row>): string => {
  const ms = (t: Timing | undefined) => (t === undefined ? "-" : t.median < 10 ? t.median.toFixed(2) : t.median.toFixed(0))
  const lines = [["scenario", "subject", "median ms", "min", "max", "vs session-index", "answer"]]
  for (const row of rows) {
    const ours = rows.find((r) => r.scenario === row.scenario && r.subject.startsWith("session-index"))?.timing
    const factor = row.timing !== undefined && ours !== undefined ? row.timing.median / ours.median : 1
    const ratio =
      row.timing === undefined
        ? (row.note ?? "")
        : row.subject.startsWith("session-index") || ours === undefined
          ? ""
          : factor >= 1
            ? `${factor.toFixed(1)}x slower`
            : `${(1 / factor).toFixed(1)}x faster`
    lines.push([row.scenario, row.subject, ms(row.timing), ms(row.timing && { ...row.timing, median: row.timing.min }), ms(row.timing && { ...row.timing, median: row.timing.max }), ratio, row.answer ?? ""])
  }
  const widths = lines[0]!.map((_, col) => Math.max(...lines.map((l) => l[col]!.length)))
  return lines.map((l) => l.map((cell, col) => cell.padEnd(widths[col]!)).join("  ").trimEnd()).join("\n")
}

/** One line of a targets block: the figure, the goal, met or NOT met. */
export interface Target {
  readonly label: string
  readonly value: number | undefined
  readonly goal: string
  readonly ok: (x: number) => boolean
}

export const renderTarget = ({ goal, label, ok, value }: Target, width = 54): string => {
  const known = value !== undefined && Number.isFinite(value)
  return `  ${label.padEnd(width)} ${known ? value.toFixed(2).padStart(7) : "-".padStart(7)}  target ${goal.padEnd(7)} ${known ? (ok(value) ? "met" : "NOT met") : "not measured"}`
}
