// Reads a V8 .cpuprofile (what `node --cpu-prof` writes; BENCH_BROKER_CPU_PROF=<dir> makes the
// broker child write one) and prints where the time went: the functions with the most self time
// and with the most total time (self plus callees, each function counted once per stack), with
// file:line, as shares of the sampled time. Usage: npx tsx bench/broker/profile-top.ts <file> [count].
//
// Under tsx the profile's positions are in esbuild's output, which tsx minifies to a line or two
// per module; tsx keeps that output with its source map in its cache dir (<tmpdir>/tsx-<uid>/, JSON
// with `code` and `map`, one entry per version of a file). A function's position is mapped back to
// its TypeScript line through the cached entry whose code has the function names right before the
// most profiled positions of the file (V8 points at the parameter list): the version that ran.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { SourceMap, type SourceMapPayload } from 'node:module'
import { tmpdir, userInfo } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface CallFrame {
  functionName: string
  url: string
  /** 0-based, in the code V8 ran. */
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface CachedTransform {
  lines: string[]
  map: SourceMap
}

// tsx's cached transforms by source path (every version of each file).
let tsxCache: Map<string, CachedTransform[]> | null = null

function tsxTransforms(path: string): CachedTransform[] {
  if (tsxCache === null) {
    tsxCache = new Map()
    const dir = join(tmpdir(), `tsx-${userInfo().uid}`)
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      let entry: { code?: string; map?: SourceMapPayload }
      try {
        entry = JSON.parse(readFileSync(join(dir, name), 'utf8')) as typeof entry
      } catch {
        continue // not a transform result: skip it
      }
      const source = entry.map?.sources[0]
      if (entry.code === undefined || entry.map === undefined || source === undefined) continue
      const list = tsxCache.get(source) ?? []
      list.push({ lines: entry.code.split('\n'), map: new SourceMap(entry.map) })
      tsxCache.set(source, list)
    }
  }
  return tsxCache.get(path) ?? []
}

// The cached version of `path` that fits every named frame of the profile in that file.
const chosen = new Map<string, CachedTransform | null>()
let framesByPath = new Map<string, CallFrame[]>()

function transformFor(path: string): CachedTransform | null {
  if (chosen.has(path)) return chosen.get(path) ?? null
  const named = (framesByPath.get(path) ?? []).filter((f) => f.functionName !== '' && f.functionName !== '__name')
  // How many named frames have their name right before their position in this version's code.
  const fitting = (t: CachedTransform): number => named.filter((f) => {
    const line = t.lines[f.lineNumber] ?? ''
    return line.slice(Math.max(0, f.columnNumber - f.functionName.length), f.columnNumber) === f.functionName
  }).length
  let found: CachedTransform | null = null
  let best = 0
  for (const t of tsxTransforms(path)) {
    const fits = fitting(t)
    if (fits > best) [found, best] = [t, fits]
  }
  chosen.set(path, found)
  return found
}

function label(frame: CallFrame): string {
  let line = frame.lineNumber + 1
  let path = frame.url
  if (frame.url.startsWith('file://')) {
    const absolute = fileURLToPath(frame.url)
    const found = transformFor(absolute)?.map.findEntry(frame.lineNumber, frame.columnNumber)
    // findEntry answers {} when nothing maps there; then the generated line is all there is.
    if (found !== undefined && 'originalLine' in found) line = found.originalLine + 1
    path = relative(ROOT, absolute)
  }
  const where = path === '' ? '' : ` ${path}:${line}`
  return `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`
}

/** Self and total microseconds per function label. */
export function summarize(profile: Profile): { totalUs: number; self: Map<string, number>; inclusive: Map<string, number> } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  framesByPath = new Map()
  for (const { callFrame } of profile.nodes) {
    if (!callFrame.url.startsWith('file://')) continue
    const path = fileURLToPath(callFrame.url)
    framesByPath.set(path, [...(framesByPath.get(path) ?? []), callFrame])
  }
  chosen.clear()
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const sampleUs = new Map<number, number>()
  let totalUs = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    sampleUs.set(id, (sampleUs.get(id) ?? 0) + us)
    totalUs += us
  })
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, us] of sampleUs) {
    const node = byId.get(id) as ProfileNode
    const name = label(node.callFrame)
    self.set(name, (self.get(name) ?? 0) + us)
    // Walk to the root; a recursive function is counted once per stack.
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frameName = label((byId.get(at) as ProfileNode).callFrame)
      if (seen.has(frameName)) continue
      seen.add(frameName)
      inclusive.set(frameName, (inclusive.get(frameName) ?? 0) + us)
    }
  }
  return { totalUs, self, inclusive }
}

function top(map: Map<string, number>, totalUs: number, count: number): string {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([name, us]) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`).join('\n')
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, countArg] = process.argv.slice(2)
  if (file === undefined) {
    console.error('usage: tsx bench/broker/profile-top.ts <file.cpuprofile> [count]')
    process.exit(2)
  }
  const count = Number(countArg ?? 25)
  const { totalUs, self, inclusive } = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile)
  console.log(`sampled ${(totalUs / 1000).toFixed(0)} ms\n\nself time:\n${top(self, totalUs, count)}\n\ntotal time (with callees):\n${top(inclusive, totalUs, count)}`)
}
