/** What the small commands (query, report, status) share: where they print, and how they read their flags. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { terminalSafe } from "../lib/query/terminalText";

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

type Options = Record<string, { type: "string" | "boolean"; short?: string }>;
/** The flags' values: text for string flags, true for boolean ones; undefined when not given. */
type Values<O extends Options> = { [K in keyof O]?: O[K]["type"] extends "string" ? string : boolean };

/**
 * The command's flags (and positionals when allowed), with --help/-h added; or the exit code
 * after printing the usage: 0 for --help, 2 with the reason for a flag it does not know.
 */
export function readFlags<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  io: CliIo,
  allowPositionals = false,
): { values: Values<O>; positionals: string[] } | { exit: number } {
  let parsed;
  try {
    const config: ParseArgsConfig = { args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true };
    parsed = parseArgs(config);
  } catch (err) {
    io.err(`${terminalSafe((err as Error).message)}\n\n${usage}\n`);
    return { exit: 2 };
  }
  if (parsed.values.help) {
    io.out(`${usage}\n`);
    return { exit: 0 };
  }
  return { values: parsed.values as Values<O>, positionals: parsed.positionals };
}
