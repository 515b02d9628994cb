/**
 * A full garbage collection, now. For a command that is done with a large working set and is
 * about to load something big (the CLI: the transform's document and rows, then DuckDB for the
 * report): V8 would collect that garbage only when its heap grows further, so without this the
 * two would add up in the process's peak memory.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export function collectGarbage(): void {
  // `gc` is only given to contexts created once the flag is set; it collects the whole heap.
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
