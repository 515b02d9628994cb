/**
 * A full garbage collection, now, when the process was started with --expose-gc (`npm start` is):
 * for a command that is done with a large working set and is about to load something big (the
 * CLI: the transform's rows, then DuckDB for the report). V8 would collect that garbage only when
 * its heap grows further, so without this the two would add up in the process's peak memory.
 * Without the flag it does nothing.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
