// The settings of one partition log, camelCased from Kafka's topic configs (the coordinator maps
// `segment.bytes` → segmentBytes and so on, and owns the dotted names and their parsing). Defaults
// are Kafka's. A few Sluice-only knobs (checkpoint, retention and cleaner intervals) have Kafka's
// broker-level defaults.
import { SluiceError } from '../base/errors.ts'

/** When appended data is fsynced; see README.md for each policy's loss window. */
export type FlushPolicy = 'none' | 'interval' | 'always'

/** Kafka's cleanup.policy values. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'

/** Everything a PartitionLog is configured with. */
export interface LogConfig {
  /** Roll to a new segment when the active one would exceed this (segment.bytes). */
  segmentBytes: number
  /** Roll when the active segment's first append is this old (segment.ms). */
  segmentMs: number
  /** fsync policy: 'always' acknowledges only fsynced appends (group commit). */
  flush: FlushPolicy
  /** fsync period under flush 'interval'. */
  flushIntervalMs: number
  /** Delete closed segments whose largest timestamp is older than this; -1 keeps forever (retention.ms). */
  retentionMs: number
  /** Delete the oldest closed segments while the log is larger than this; -1 for no limit (retention.bytes). */
  retentionBytes: number
  cleanupPolicy: CleanupPolicy
  /** How long compaction keeps tombstones (delete.retention.ms). */
  deleteRetentionMs: number
  /** Largest batch accepted, in bytes (max.message.bytes). */
  maxMessageBytes: number
  /** Bytes of log between two offset-index entries (index.interval.bytes). */
  indexIntervalBytes: number
  /** Segments are compacted only once all their records are at least this old (min.compaction.lag.ms). */
  minCompactionLagMs: number
  /** Period of recovery checkpoints (fsync + checkpoint file + producer snapshot). */
  checkpointIntervalMs: number
  /** Period of retention checks (log.retention.check.interval.ms). */
  retentionCheckIntervalMs: number
  /** Period of compaction checks (log.cleaner.backoff.ms). */
  compactionCheckIntervalMs: number
  /** Forget an idempotent producer this long after its last batch (producer.id.expiration.ms). */
  producerIdExpirationMs: number
}

/** Kafka's defaults. */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3_600_000,
  flush: 'none',
  flushIntervalMs: 1000,
  retentionMs: 7 * 24 * 3_600_000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 24 * 3_600_000,
  maxMessageBytes: 1024 * 1024 + 12,
  indexIntervalBytes: 4096,
  minCompactionLagMs: 0,
  checkpointIntervalMs: 60_000,
  retentionCheckIntervalMs: 300_000,
  compactionCheckIntervalMs: 15_000,
  producerIdExpirationMs: 24 * 3_600_000,
})

const INT32_MAX = 0x7fffffff

/** Fills defaults and checks ranges; a bad value is INVALID_CONFIG naming the field. */
export function resolveLogConfig(partial: Partial<LogConfig> = {}, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  const config: LogConfig = { ...base }
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value
  }
  const check = (ok: boolean, field: keyof LogConfig, rule: string): void => {
    if (!ok) throw new SluiceError('INVALID_CONFIG', `log config ${field} = ${String(config[field])}: ${rule}`)
  }
  const int = (field: keyof LogConfig, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const value = config[field]
    check(typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max, field, `must be an integer in [${min}, ${max}]`)
  }
  int('segmentBytes', 14, INT32_MAX)
  int('segmentMs', 1)
  int('flushIntervalMs', 1)
  int('retentionMs', -1)
  int('retentionBytes', -1)
  int('deleteRetentionMs', 0)
  int('maxMessageBytes', 0, INT32_MAX)
  int('indexIntervalBytes', 0, INT32_MAX)
  int('minCompactionLagMs', 0)
  int('checkpointIntervalMs', 1)
  int('retentionCheckIntervalMs', 1)
  int('compactionCheckIntervalMs', 1)
  int('producerIdExpirationMs', 1)
  check(['none', 'interval', 'always'].includes(config.flush), 'flush', "must be 'none', 'interval' or 'always'")
  check(['delete', 'compact', 'compact,delete'].includes(config.cleanupPolicy), 'cleanupPolicy', "must be 'delete', 'compact' or 'compact,delete'")
  return config
}
