/**
 * Temporary files a killed writer left behind. LocalStore writes each object to
 * "<target>.<pid>.<random>.tmp" and renames it into place; a kill -9 mid-write leaves the
 * .tmp file (no reader ever sees it: list() skips .tmp files), and it can be large.
 *
 * A .tmp file is stale, and removed, only when both hold:
 * - it was last written more than STALE_TMP_AGE_MS ago (a live writer's file grows, so its
 *   modification time keeps moving), and
 * - the process named in it is not running on this machine (a reused pid keeps the file until
 *   that process ends too: the safe side).
 * A concurrent writer's file is never touched.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

export const STALE_TMP_AGE_MS = 10 * 60 * 1000;

/** LocalStore's temporary name for a target: the writer's pid and a random part. */
export function tmpPathFor(target: string, pid: number, random: string): string {
  return `${target}.${pid}.${random}.tmp`;
}

const TMP_NAME = /\.(\d+)\.[0-9a-f]+\.tmp$/;

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the stale .tmp files of one folder; returns their paths. A file that vanished meanwhile is fine. */
export async function removeStaleTmpFiles(dir: string, now: number = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TMP_NAME.exec(name);
    if (!m) continue;
    const full = path.join(dir, name);
    const stat = await fs.stat(full).catch(() => undefined);
    if (!stat?.isFile() || now - stat.mtimeMs <= STALE_TMP_AGE_MS || isRunning(Number(m[1]))) continue;
    await fs.rm(full, { force: true });
    removed.push(full);
  }
  return removed;
}
