/**
 * Errors that name what was wrong. Every user-facing failure in optdesk should say
 * which field (or file and line) and why, so a trader can fix the input.
 */
export class InputError extends Error {
  constructor(
    /** The offending field, argument or `file:line`. */
    readonly field: string,
    /** Why it is wrong, as a sentence fragment: "must be a date like 2013-10-07". */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'InputError';
  }
}
