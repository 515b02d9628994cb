/**
 * A failed step of the smoke check: what went wrong, what it waited for, and where to look.
 * The runner adds the step's number, name and time, so each step only says what it knows.
 */
export class StepFailure extends Error {
  constructor(
    /** One sentence: what went wrong. */
    readonly detail: string,
    /** What the step waited for: bucket/key, table/partition, query id and state. */
    readonly waitedFor: string[],
    /** Log groups, console links and other places that explain the failure. */
    readonly lookAt: string[],
  ) {
    super(detail);
    this.name = "StepFailure";
  }
}

/** A failure of the whole check, as printed: the step named first. */
export class SmokeFailure extends Error {
  constructor(
    readonly step: number,
    readonly stepCount: number,
    readonly title: string,
    readonly elapsedMs: number,
    readonly failure: StepFailure,
  ) {
    super(formatFailure(step, stepCount, title, elapsedMs, failure));
    this.name = "SmokeFailure";
  }
}

function formatFailure(step: number, stepCount: number, title: string, elapsedMs: number, f: StepFailure): string {
  const lines = [`Step ${step}/${stepCount} "${title}" failed after ${(elapsedMs / 1000).toFixed(1)} s: ${f.detail}`];
  if (f.waitedFor.length > 0) lines.push("  Waited for:", ...f.waitedFor.map((w) => `    ${w}`));
  if (f.lookAt.length > 0) lines.push("  Where to look:", ...f.lookAt.map((l) => `    ${l}`));
  return lines.join("\n");
}

/** The name and message of an AWS SDK (or any) error, without a final period, for a failure's detail. */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\.+$/, "");
}
