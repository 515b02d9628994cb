/** A problem with the command line or the stack outputs given: the check did not start. */
export class SmokeUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SmokeUsageError";
  }
}
