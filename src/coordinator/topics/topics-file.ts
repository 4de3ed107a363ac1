// The persisted topic metadata of a data dir and the names of partition directories. The registry
// (topic-registry.ts) keeps its state in memory and writes this whole file, atomically, on every
// change; a restart reads it back, so topics keep their ids, partition counts and configs.
//
// File `<dataDir>/__cluster/topics.json`, replaced with Fs.writeFile (temp file, fsync, rename):
//   { "version": 1,
//     "topics": [ { "name": "payments", "topicId": "3f2c…-…", "partitions": 6, "isInternal": false,
//                   "config": { "retention.ms": "86400000" }, "createdMs": 1700000000000 } ],
//     "deleting": [ { "name": "old", "topicId": "9a1b…-…", "partitions": 3 } ] }
// `config` holds only the keys set on the topic. `deleting` lists deleted topics whose partition
// directories may still be on disk; the registry finishes removing them at the next open.
//
// Partition directories, as Kafka names them: `<topic>-<partition>`; a deleted one is first
// renamed to `<topic>-<partition>.<topicId without dashes>-delete`, freeing the name at once, then
// removed (`removeDeletedPartitionDirs`, which also sweeps leftovers of an interrupted deletion).
import { join } from 'node:path'
import { SluiceError } from '../../base/errors.ts'
import type { Fs } from '../../storage/fs.ts'
import { validateTopicConfig, type TopicConfigOverrides } from './topic-config.ts'
import { validateTopicName } from './topic-name.ts'

/** One topic as persisted. */
export interface TopicRecord {
  name: string
  /** A random UUID, never reused: tells a recreated topic from the one deleted before it. */
  topicId: string
  partitions: number
  isInternal: boolean
  config: TopicConfigOverrides
  createdMs: number
}

/** A deleted topic whose partition directories may still need removing. */
export interface DeletingRecord {
  name: string
  topicId: string
  partitions: number
}

/** The whole file. */
export interface TopicsFile {
  version: 1
  topics: TopicRecord[]
  deleting: DeletingRecord[]
}

/** Suffix of a partition directory being deleted. */
export const DELETE_SUFFIX = '-delete'

/** `<topic>-<partition>`, Kafka's partition directory name. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/** `<topic>-<partition>.<topicId hex>-delete`: a partition directory renamed for deletion. */
export function deletedPartitionDirName(topic: string, partition: number, topicId: string): string {
  return `${topic}-${partition}.${topicId.replaceAll('-', '')}${DELETE_SUFFIX}`
}

/** True for a directory name produced by deletedPartitionDirName. */
export function isDeletedPartitionDir(name: string): boolean {
  return /^.+-\d+\.[0-9a-f]{32}-delete$/.test(name)
}

/** Reads the file; a missing file is an empty data dir. Damage is KAFKA_STORAGE_ERROR (never silently "no topics"). */
export async function readTopicsFile(fs: Fs, path: string): Promise<TopicsFile> {
  if (!(await fs.exists(path))) return { version: 1, topics: [], deleting: [] }
  const bad = (why: string, cause?: unknown): SluiceError =>
    new SluiceError('KAFKA_STORAGE_ERROR', `${path} is damaged (${why}); it is written atomically, so something outside Sluice changed it`, { cause })
  let parsed: Partial<TopicsFile>
  try {
    parsed = JSON.parse((await fs.readFile(path)).toString('utf8')) as Partial<TopicsFile>
  } catch (error) {
    throw bad('not JSON', error)
  }
  if (parsed.version !== 1 || !Array.isArray(parsed.topics) || !Array.isArray(parsed.deleting)) throw bad('not version 1 topic metadata')
  for (const topic of parsed.topics) {
    try {
      validateTopicName(topic.name)
      validateTopicConfig(topic.config, { allowSmallSegments: true })
    } catch (error) {
      throw bad(`topic ${JSON.stringify(topic.name)}: ${(error as Error).message}`, error)
    }
    if (!Number.isSafeInteger(topic.partitions) || topic.partitions < 1 || typeof topic.topicId !== 'string') {
      throw bad(`topic ${topic.name} has ${topic.partitions} partitions / id ${topic.topicId}`)
    }
  }
  return parsed as TopicsFile
}

/** Replaces the file atomically and durably. */
export async function writeTopicsFile(fs: Fs, path: string, file: TopicsFile): Promise<void> {
  try {
    await fs.writeFile(path, Buffer.from(`${JSON.stringify(file, null, 1)}\n`))
  } catch (error) {
    throw new SluiceError('KAFKA_STORAGE_ERROR', `cannot write ${path}: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Renames the partition directories of the deleted topics to their `-delete` names (skipping a
 * topic `isLive` says was recreated: its `<topic>-<p>` directories belong to the new one), makes the
 * renames durable, then removes every `-delete` directory in the data dir.
 */
export async function removeDeletedPartitionDirs(fs: Fs, dataDir: string, deleting: readonly DeletingRecord[], isLive: (topic: string) => boolean): Promise<void> {
  const names = new Set(await fs.readdir(dataDir))
  for (const { name, topicId, partitions } of deleting) {
    if (isLive(name)) continue
    for (let p = 0; p < partitions; p++) {
      const from = partitionDirName(name, p)
      const to = deletedPartitionDirName(name, p, topicId)
      if (!names.has(from)) continue
      await fs.rename(join(dataDir, from), join(dataDir, to))
      names.add(to)
    }
  }
  await fs.fsyncDir(dataDir)
  for (const name of names) {
    if (isDeletedPartitionDir(name)) await fs.rm(join(dataDir, name))
  }
}
