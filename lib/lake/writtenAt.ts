/**
 * When a file of a local lake was complete, or when a file last landed in a folder: LocalStore
 * writes by renaming a finished temporary file into place (lib/storage/localStore.ts), so a
 * file's modification time is when it was whole, and its folder's changes with the rename.
 */
import { statSync } from "node:fs";

/** The modification time in ms, or undefined when nothing is there. */
export function writtenAtMs(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
