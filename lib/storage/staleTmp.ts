/**
 * Temporary files a killed writer left behind. LocalStore writes each object to
 * "<target>.<host>.<pid>.<random>.tmp" and renames it into place; a kill -9 mid-write leaves the
 * .tmp file (no reader ever sees it: list() skips .tmp files), and it can be large.
 *
 * A .tmp file is stale, and removed, when either holds:
 * - it was written on this machine by a process that is no longer running (a reused pid keeps
 *   the file until the rule below applies: the safe side);
 * - it has not been written to for STALE_TMP_AGE_MS, whoever wrote it (a live writer's file grows,
 *   so its modification time keeps moving; this covers a lake shared between machines, where
 *   another machine's pid says nothing here).
 * A concurrent writer's file is never touched.
 */
import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";

export const STALE_TMP_AGE_MS = 60 * 60 * 1000;

/** This machine's name as it appears in a temporary file name: letters, digits and dashes only. */
export const TMP_HOST = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 64) || "host";

/** LocalStore's temporary name for a target: the writer's host and pid, and a random part. */
export function tmpPathFor(target: string, random: string, host: string = TMP_HOST, pid: number = process.pid): string {
  return `${target}.${host}.${pid}.${random}.tmp`;
}

const TMP_NAME = /\.([A-Za-z0-9-]+)\.(\d+)\.[0-9a-f]+\.tmp$/;

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
    if (!stat?.isFile()) continue;
    const writerGone = m[1] === TMP_HOST && !isRunning(Number(m[2]));
    if (!writerGone && now - stat.mtimeMs <= STALE_TMP_AGE_MS) continue;
    await fs.rm(full, { force: true });
    removed.push(full);
  }
  return removed;
}
