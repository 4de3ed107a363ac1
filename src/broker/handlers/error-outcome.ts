// The error code and message a per-topic or per-resource result carries when a coordinator call
// failed with a SluiceError (admin and group handlers). Anything else is a bug: errorCodeFrom
// rethrows it, which closes the connection. Messages are sent only where the version has a field.
import { isSluiceError } from '../../base/errors.ts'
import { errorCodeOf } from '../../protocol/error-codes.ts'
import { errorCodeFrom } from '../handler.ts'

/** A wire error code with its message (null for success). */
export interface Outcome {
  errorCode: number
  errorMessage: string | null
}

/** Success. */
export const OK: Outcome = { errorCode: 0, errorMessage: null }

/** The outcome of a caught SluiceError (its Kafka code and message); other errors are rethrown. */
export function outcomeOf(error: unknown): Outcome {
  const errorCode = errorCodeFrom(error)
  return { errorCode, errorMessage: isSluiceError(error) ? error.message : null }
}

/** An outcome named by Kafka's error name, with a message. */
export function failure(name: string, message: string): Outcome {
  return { errorCode: errorCodeOf(name), errorMessage: message }
}
