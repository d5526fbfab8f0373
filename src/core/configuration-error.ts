/**
 * Invalid input. The message names the input, says what is wrong and shows a correct example,
 * so it can be printed to the user as it is.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';

  constructor(
    /** The input or file field at fault, e.g. `objectives` or `experiment: spec.duration.intervalSeconds`. */
    readonly input: string,
    problem: string,
    example?: string,
  ) {
    super(`Invalid ${input}: ${problem}${example ? `\n  Example: ${example}` : ''}`);
  }
}
