/**
 * Starts a bench TypeScript file in a process of its own (ts-node, transpile only: the parent has
 * type-checked it), with an IPC channel for messages and the parent's stdout and stderr.
 * BENCH_CPU_PROF=<folder> has each such process write a V8 CPU profile there when it exits
 * (node --cpu-prof), to see where a bench's child processes spend their time.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";

export function forkTs(file: string, args: string[]): ChildProcess {
  const profileFolder = process.env.BENCH_CPU_PROF;
  const profile = profileFolder ? ["--cpu-prof", `--cpu-prof-dir=${profileFolder}`, `--cpu-prof-name=${path.basename(file, ".ts")}-${process.hrtime.bigint()}.cpuprofile`] : [];
  return fork(path.join(__dirname, file), args, {
    execArgv: ["-r", "ts-node/register/transpile-only", ...profile],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}
