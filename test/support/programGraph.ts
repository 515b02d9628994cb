/**
 * Run as a script in a fresh node process (ts-node): loads the Pulumi program (index.ts) under
 * mocks with PLAYLIST_COUNT playlists and prints, as JSON, the resources it registered (type and
 * logical name) and each function's environment variables and tracing mode (TRACING sets config
 * "tracing"), so a test can compare two stacks.
 */
import { loadProgramUnderMocks, recorded } from "./pulumiMocks";

async function main(): Promise<void> {
  const count = Number(process.env.PLAYLIST_COUNT ?? "1");
  const playlists = Array.from({ length: count }, (_, i) => `pl${String(i).padStart(20, "0")}`);
  await loadProgramUnderMocks(playlists, process.env.TRACING ? { tracing: process.env.TRACING } : {});
  const resources = recorded.map((r) => ({ type: r.type, name: r.name }));
  const environments = recorded
    .filter((r) => r.type === "aws:lambda/function:Function")
    .map((r) => ({ name: r.name, variables: (r.inputs.environment?.variables ?? {}) as Record<string, string>, tracingMode: r.inputs.tracingConfig?.mode as string | undefined }));
  const objects = recorded.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2").map((r) => ({ key: r.inputs.key as string, content: r.inputs.content as string }));
  process.stdout.write(`${JSON.stringify({ resources, environments, objects })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
