/**
 * Run as a script in a fresh node process (ts-node): loads the Pulumi program (index.ts) under
 * mocks, waits for every resource, and prints the modules it loaded, one per line, so a test can
 * hold the program's load to what a deploy needs (no handler code, SDK clients or logger).
 */
import { loadProgramUnderMocks } from "./pulumiMocks";

async function main(): Promise<void> {
  await loadProgramUnderMocks(["1Cp6VQCKf2VL4sP09jN9oX"]);
  process.stdout.write(`${Object.keys(require.cache).join("\n")}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
