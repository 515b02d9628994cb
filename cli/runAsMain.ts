import { terminalSafe } from "../lib/query/terminalText";

/** Runs a command's function on the process's arguments: its result is the exit code, an unexpected error is printed (escaped) with exit 1. */
export function runAsMain(command: (argv: string[]) => Promise<number>): void {
  command(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${terminalSafe((err as Error).stack ?? String(err))}\n`);
      process.exitCode = 1;
    },
  );
}
