// What the benchmarks ran on, for the line above the summary table: CPU model, core count, memory,
// Node version, and the file system holding the scratch data (from /proc/mounts on Linux; elsewhere
// 'unknown', since finding it would cost more than it tells).
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { cpus, platform, totalmem } from 'node:os'
import { scratchBase } from './harness.ts'

/** A one-line description of this machine and the scratch file system. */
export function describeMachine(): string {
  const cores = cpus()
  const model = cores[0]?.model.trim() ?? 'unknown CPU'
  const memoryGiB = (totalmem() / 1024 ** 3).toFixed(1)
  return `${model}, ${cores.length} cores, ${memoryGiB} GiB RAM, Node ${process.version}, ${platform()}, scratch ${scratchBase()} on ${scratchFileSystem()}`
}

/** The file-system type (and device) of the mount holding the scratch base, or 'unknown'. */
function scratchFileSystem(): string {
  if (!existsSync('/proc/mounts')) return 'unknown file system'
  const path = realpathSync(scratchBase())
  let best: { mountPoint: string; type: string; device: string } | null = null
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [device, mountPoint, type] = line.split(' ')
    if (device === undefined || mountPoint === undefined || type === undefined) continue
    const covers = mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`)
    if (covers && (best === null || mountPoint.length >= best.mountPoint.length)) best = { mountPoint, type, device }
  }
  return best === null ? 'unknown file system' : `${best.type} (${best.device} at ${best.mountPoint})`
}
