/**
 * Starts a bench TypeScript file in a process of its own (ts-node, transpile only: the parent has
 * type-checked it), with an IPC channel for messages and the parent's stdout and stderr.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";

export function forkTs(file: string, args: string[]): ChildProcess {
  return fork(path.join(__dirname, file), args, {
    execArgv: ["-r", "ts-node/register/transpile-only"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}
