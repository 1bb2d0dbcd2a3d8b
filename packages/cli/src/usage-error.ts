/**
 * A mistake in how the command was called (a bad flag value, a missing budget). The CLI prints its message with a
 * pointer to `--help` and exits with code 2; every other failure exits with 1.
 * @module
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
