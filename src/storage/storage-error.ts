// How storage failures surface: an Fs error (EIO, ENOSPC, …) becomes one KAFKA_STORAGE_ERROR that
// names the log, what it was doing, the path and the cause, and takes the partition offline
// (partition-log.ts); the broker maps it to Kafka's error code, the CLI prints its message.
import { SluiceError } from '../base/errors.ts'

/** The KAFKA_STORAGE_ERROR for a failed `action` on `path` in the log at `dir` (a storage error passes through). */
export function storageError(dir: string, action: string, path: string, cause: unknown): SluiceError {
  if (cause instanceof SluiceError && cause.code === 'KAFKA_STORAGE_ERROR') return cause
  const code = (cause as NodeJS.ErrnoException | null)?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  return new SluiceError('KAFKA_STORAGE_ERROR', `partition log ${dir} is offline: ${action} ${path} failed${code === undefined ? '' : ` (${code})`}: ${message}`, { cause })
}

/** The directory holding `path` ('/' at the top). */
export function parentDir(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  const slash = trimmed.lastIndexOf('/')
  return slash <= 0 ? '/' : trimmed.slice(0, slash)
}
