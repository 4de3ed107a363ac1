// Processors of the stateless stream nodes: filter, map, mapValues, flatMap, flatMapValues, peek,
// foreach, keyBy, split/branch, merge and the pass-through nodes (late records, toStream). Each
// applies the user function recorded in the topology node and forwards to its Downstream; what a
// user function throws propagates to the task, which hands it to the app's error handler.
import { SluiceError } from '../../../base/errors.ts'
import type { KeyValue, TopologyNode } from '../../topology/index.ts'
import type { Processor } from '../processor.ts'
import type { Downstream } from './forward.ts'

function checkKeyValue(node: string, result: unknown): KeyValue<unknown, unknown> {
  if (result === null || typeof result !== 'object' || !('key' in result) || !('value' in result)) {
    throw new SluiceError('INVALID_RECORD', `${node}: the mapper must return { key, value }, got ${typeof result === 'object' ? JSON.stringify(result) : String(result)}`)
  }
  return result as KeyValue<unknown, unknown>
}

function checkIterable(node: string, result: unknown): Iterable<unknown> {
  if (result === null || typeof result !== 'object' || typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new SluiceError('INVALID_RECORD', `${node}: the mapper must return an iterable (an array), got ${String(result)}`)
  }
  return result as Iterable<unknown>
}

/**
 * The processor of a stateless node, or undefined when the node kind is stateful or a sink.
 * @example const p = statelessProcessor(filterNode, downstream); p?.process('k', 1, 0)
 */
export function statelessProcessor(node: TopologyNode, next: Downstream, branches: ReadonlyMap<string, Downstream>): Processor | undefined {
  switch (node.kind) {
    case 'filter': {
      const predicate = node.predicate
      return { process: (k, v, t) => { if (predicate(v, k)) next.process(k, v, t) } }
    }
    case 'map': {
      const mapper = node.mapper
      return { process: (k, v, t) => { const r = checkKeyValue(node.id, mapper(v, k)); next.process(r.key, r.value, t) } }
    }
    case 'map-values': {
      const mapper = node.mapper
      return { process: (k, v, t) => next.process(k, mapper(v, k), t) }
    }
    case 'flat-map': {
      const mapper = node.mapper
      return { process: (k, v, t) => { for (const r of checkIterable(node.id, mapper(v, k))) { const kv = checkKeyValue(node.id, r); next.process(kv.key, kv.value, t) } } }
    }
    case 'flat-map-values': {
      const mapper = node.mapper
      return { process: (k, v, t) => { for (const r of checkIterable(node.id, mapper(v, k))) next.process(k, r, t) } }
    }
    case 'peek': {
      const action = node.action
      return { process: (k, v, t) => { action(v, k); next.process(k, v, t) } }
    }
    case 'foreach': {
      const action = node.action
      return { process: (k, v) => { action(v, k) } }
    }
    case 'key-by': {
      const selector = node.selector
      return { process: (k, v, t) => next.process(selector(v, k), v, t) }
    }
    case 'split': {
      const routes = node.branches.map((b) => ({ predicate: b.predicate, to: branches.get(b.output)! }))
      return {
        process: (k, v, t) => {
          for (const route of routes) {
            if (route.predicate(v, k)) {
              route.to.process(k, v, t)
              return
            }
          }
        },
      }
    }
    case 'branch': case 'merge': case 'late-records': case 'to-stream':
      return next
    default:
      return undefined
  }
}
