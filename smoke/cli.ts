/**
 * The smoke check as a command: flags and stack outputs in, lines out, an exit status back.
 * Everything outside (stdin, the SDK's region chain, clients, time) is injected, so tests run it whole.
 */
import type { Clock } from "./clock";
import { buildSettings, flagsAreComplete, parseFlags, regionFromInputs, USAGE } from "./options";
import { runSmoke } from "./runSmoke";
import type { SmokeClients } from "./settings";
import { parseStackOutputs } from "./stackOutputs";
import { SmokeFailure } from "./stepFailure";
import { SmokeUsageError } from "./usageError";

export interface CliDeps {
  /** The text piped in, or undefined when nothing is piped (a terminal). */
  readStdin: () => Promise<string | undefined>;
  /** The region from the AWS SDK's chain (AWS_REGION, profile), or undefined. */
  sdkRegion: () => Promise<string | undefined>;
  makeClients: (region: string) => SmokeClients;
  clock: Clock;
  out: (line: string) => void;
  err: (line: string) => void;
}

export const EXIT = { passed: 0, failed: 1, usage: 2 } as const;

export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      deps.out(USAGE);
      return EXIT.passed;
    }
    const stdin = flagsAreComplete(flags) ? undefined : await deps.readStdin();
    const outputs = parseStackOutputs(stdin ?? "");
    const sdkRegion = regionFromInputs(flags, outputs) ? undefined : await deps.sdkRegion();
    const settings = buildSettings(flags, outputs, sdkRegion);
    await runSmoke({ settings, clients: deps.makeClients(settings.region), clock: deps.clock }, deps.out);
    return EXIT.passed;
  } catch (err) {
    if (err instanceof SmokeUsageError) {
      deps.err(err.message);
      return EXIT.usage;
    }
    if (err instanceof SmokeFailure) {
      deps.err(err.message);
      return EXIT.failed;
    }
    throw err;
  }
}
