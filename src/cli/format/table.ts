// Plain-text tables for the admin commands' text output, in the manner of rpk and
// kafka-consumer-groups: upper-case headers, left-aligned columns two spaces apart, '-' for none.
// JSON output never goes through here; commands print their data objects as they are.

/** A table cell; null prints as '-'. */
export type Cell = string | number | bigint | null

/** Renders rows under headers, each line ending in '\n'; an empty table still prints its headers. */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const texts = rows.map((row) => headers.map((_, i) => cellText(row[i] ?? null)))
  const widths = headers.map((h, i) => Math.max(h.length, ...texts.map((row) => row[i]!.length)))
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n'
  return line(headers.map((h) => h.toUpperCase())) + texts.map(line).join('')
}

function cellText(cell: Cell): string {
  return cell === null ? '-' : String(cell)
}

/** Renders `label: value` lines with the labels padded to one width. */
export function formatFields(fields: ReadonlyArray<readonly [string, Cell]>): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1))
  return fields.map(([label, value]) => `${(label + ':').padEnd(width)}  ${cellText(value)}\n`).join('')
}
