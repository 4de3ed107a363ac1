// What a streams app does with a record it cannot process: a deserialization error (bad bytes) or
// an exception from a user function. 'fail' stops the app with the error (Kafka Streams' default
// LogAndFail); 'skip' logs it and goes on (LogAndContinue); { deadLetter: topic } writes the
// original record, untouched, to that topic with headers saying what failed, and goes on. A
// function decides per error. Every handled error is counted in the app's metrics.
import { SluiceError } from '../../base/errors.ts'

/** Where an error happened and to which record. */
export interface ErrorContext {
  /** 'deserialize' (source bytes), 'process' (a user function), 'serialize' (an output). */
  stage: 'deserialize' | 'process' | 'serialize'
  topic: string
  partition: number
  offset: number
  /** The topology node whose function threw, when known. */
  node: string | undefined
}

/** What to do with a failed record. */
export type ErrorAction = 'fail' | 'skip' | { deadLetter: string }

/** The app option: an action for every error, or a function choosing per error. */
export type ErrorHandler = ErrorAction | ((error: unknown, context: ErrorContext) => ErrorAction)

/** Validates the option; returns a function. */
export function resolveErrorHandler(handler: ErrorHandler | undefined): (error: unknown, context: ErrorContext) => ErrorAction {
  if (handler === undefined) return () => 'fail'
  if (typeof handler === 'function') return handler
  checkAction(handler)
  return () => handler
}

/** Throws INVALID_ARGUMENT unless `action` is 'fail', 'skip' or { deadLetter: topic }. */
export function checkAction(action: unknown): ErrorAction {
  if (action === 'fail' || action === 'skip') return action
  if (action !== null && typeof action === 'object' && typeof (action as { deadLetter?: unknown }).deadLetter === 'string' && (action as { deadLetter: string }).deadLetter.length > 0) {
    return action as { deadLetter: string }
  }
  throw new SluiceError('INVALID_ARGUMENT', `onError must be 'fail', 'skip', { deadLetter: '<topic>' } or a function returning one, got ${JSON.stringify(action)}`)
}

/** Headers a dead-letter record carries besides the original ones. */
export function deadLetterHeaders(error: unknown, context: ErrorContext): Array<[string, Buffer]> {
  const message = error instanceof Error ? error.message : String(error)
  return [
    ['sluice.error.stage', Buffer.from(context.stage)],
    ['sluice.error.message', Buffer.from(message.slice(0, 4096))],
    ['sluice.error.topic', Buffer.from(context.topic)],
    ['sluice.error.partition', Buffer.from(String(context.partition))],
    ['sluice.error.offset', Buffer.from(String(context.offset))],
    ...(context.node === undefined ? [] : [['sluice.error.node', Buffer.from(context.node)] as [string, Buffer]]),
  ]
}

/** The error that stops an app under 'fail': names the record and keeps the cause. */
export class StreamsProcessingError extends SluiceError {
  override name = 'StreamsProcessingError'
  readonly context: ErrorContext

  constructor(error: unknown, context: ErrorContext) {
    const message = error instanceof Error ? error.message : String(error)
    super('INVALID_RECORD', `streams app failed at ${context.stage} of ${context.topic}-${context.partition}@${context.offset}${context.node === undefined ? '' : ` in ${context.node}`}: ${message}`, { cause: error })
    this.context = context
  }
}
