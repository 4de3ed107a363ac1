// Small helpers the emitters share: an indenting line builder, version conditions simplified
// against the versions a struct can appear in, string quoting, comment wrapping and collision-free
// local names.
import { VERSION_MAX, type VersionRange } from './schema.ts'

/** An indenting builder of source lines (two spaces per level). */
export class Code {
  readonly #lines: string[] = []
  #depth = 0

  /** Adds one line at the current indentation (an empty string adds a blank line). */
  line(text = ''): void {
    this.#lines.push(text === '' ? '' : '  '.repeat(this.#depth) + text)
  }

  /** Adds `header {`, the body one level deeper, then `}` (or `trailer`). */
  block(header: string, body: () => void, trailer = '}'): void {
    this.line(`${header} {`)
    this.#depth++
    body()
    this.#depth--
    this.line(trailer)
  }

  /**
   * Adds a function: `head(params): returns {` on one line when it fits in 100 columns, else one
   * parameter per line; then the body one level deeper.
   */
  fn(head: string, params: readonly string[], returns: string, body: () => void): void {
    const single = `${head}(${params.join(', ')}): ${returns}`
    if ('  '.repeat(this.#depth).length + single.length + 2 <= 100) {
      this.block(single, body)
      return
    }
    this.line(`${head}(`)
    this.indented(() => params.forEach((param) => this.line(`${param},`)))
    this.block(`): ${returns}`, body)
  }

  /** Whether `text` fits in 100 columns at the current indentation. */
  fits(text: string): boolean {
    return this.#depth * 2 + text.length <= 100
  }

  /**
   * Adds `prefix` followed by a value that depends on `cond` (`then` when it holds, else
   * `otherwise`), as a ternary broken over three lines when it does not fit on one.
   */
  choice(prefix: string, cond: Cond, then: string, otherwise: string): void {
    if (cond === true || cond === false) {
      const value = cond ? then : otherwise
      if (this.fits(prefix + value) || !prefix.endsWith('= ')) this.line(prefix + value)
      else {
        this.line(prefix.trimEnd())
        this.indented(() => this.line(value))
      }
      return
    }
    const single = `${prefix}${paren(cond)} ? ${paren(then)} : ${paren(otherwise)}`
    if (this.fits(single)) {
      this.line(single)
      return
    }
    this.line(`${prefix}${paren(cond)}`)
    this.indented(() => {
      this.line(`? ${paren(then)}`)
      this.line(`: ${paren(otherwise)}`)
    })
  }

  /** Adds `head(argument)`, moving the argument to its own line when that does not fit. */
  call(head: string, argument: string): void {
    const single = `${head}(${argument})`
    if (this.fits(single)) {
      this.line(single)
      return
    }
    this.line(`${head}(`)
    this.indented(() => this.line(`${argument},`))
    this.line(')')
  }

  /** Runs `body` one level deeper. */
  indented(body: () => void): void {
    this.#depth++
    body()
    this.#depth--
  }

  /** The lines joined, with a final newline. */
  toString(): string {
    return this.#lines.join('\n') + '\n'
  }
}

/** A version test: true (always holds), false (never), or a TypeScript expression on `version`. */
export type Cond = boolean | string

/** Whether `version` lies in `range`, knowing it lies in `context`. */
export function versionCond(range: VersionRange | null, context: VersionRange): Cond {
  if (range === null) return false
  if (range.max < context.min || range.min > context.max) return false
  const needsMin = range.min > context.min
  const needsMax = range.max < context.max
  if (!needsMin && !needsMax) return true
  if (needsMin && needsMax) {
    return range.min === range.max
      ? `version === ${range.min}`
      : `version >= ${range.min} && version <= ${range.max}`
  }
  return needsMin ? `version >= ${range.min}` : `version <= ${range.max}`
}

/** Whether `version` lies outside `range`, knowing it lies in `context`. */
export function versionCondNot(range: VersionRange | null, context: VersionRange): Cond {
  if (range === null) return true
  if (range.max < context.min || range.min > context.max) return true
  const needsMin = range.min > context.min
  const needsMax = range.max < context.max
  if (!needsMin && !needsMax) return false
  if (needsMin && needsMax) return `version < ${range.min} || version > ${range.max}`
  return needsMin ? `version < ${range.min}` : `version > ${range.max}`
}

/** `a && b` for conditions, simplified. */
export function and(a: Cond, b: Cond): Cond {
  if (a === false || b === false) return false
  if (a === true) return b
  if (b === true) return a
  return `${paren(a)} && ${paren(b)}`
}

/** Wraps an expression containing `||` or `?` in parentheses. */
export function paren(expression: string): string {
  return /\|\||\?/.test(expression) ? `(${expression})` : expression
}

/** Renders a range the way the definitions write it: "3", "0-11", "9+". */
export function formatRange(range: VersionRange | null): string {
  if (range === null) return 'none'
  if (range.max === VERSION_MAX) return `${range.min}+`
  return range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`
}

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`
}

/** Adds a TSDoc comment, on one line when it fits in 100 columns, else wrapped. */
export function docComment(code: Code, indentWidth: number, text: string): void {
  const clean = text.replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim()
  if (indentWidth + clean.length + 7 <= 100) {
    code.line(`/** ${clean} */`)
    return
  }
  code.line('/**')
  for (const line of wrap(clean, 100 - indentWidth - 3)) code.line(` * ${line}`)
  code.line(' */')
}

/** Splits text into lines of at most `width` characters at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let current = ''
  for (const word of text.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current)
      current = word
    } else {
      current = current === '' ? word : `${current} ${word}`
    }
  }
  if (current !== '') lines.push(current)
  return lines
}

const RESERVED: ReadonlySet<string> = new Set(
  ('break case catch class const continue debugger default delete do else enum export extends ' +
    'false finally for function if import in instanceof new null return super switch this throw ' +
    'true try typeof var void while with yield let static implements interface package private ' +
    'protected public await arguments eval undefined').split(' '),
)

/** Hands out local variable names that collide with neither keywords nor each other. */
export class Names {
  readonly #taken: Set<string>

  /** `taken` lists names already in use (parameters, fixed locals). */
  constructor(taken: readonly string[]) {
    this.#taken = new Set(taken)
  }

  /** `base`, or `base` with a numeric suffix if it is taken or reserved. */
  take(base: string): string {
    let name = base
    for (let n = 2; this.#taken.has(name) || RESERVED.has(name); n++) name = `${base}${n}`
    this.#taken.add(name)
    return name
  }
}
