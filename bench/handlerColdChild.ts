/**
 * The transform Lambda's cold start plus one transform, as a fresh process: loads the handler
 * bundle the deploy ships (built by components/handlerBundle.ts),
 * builds the handler as the factory does, and hands it an S3 notification for one raw
 * snapshot. The store is a LocalStore instead of S3 and Glue answers BatchCreatePartition as it
 * does when every partition is new, so the figure is the code's (loading, WebAssembly, the
 * transform), not a network's. Bundled by bench/transformProcess.ts and run
 * with plain node; argv: handler bundle, lake folder, raw key. Prints the outcomes' statuses.
 */
import { LocalStore } from "../lib/storage/localStore";
import type { createTransformHandler as Create } from "../handlers/transform";

async function main(): Promise<void> {
  const [bundle, lake, rawKey] = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createTransformHandler } = require(bundle) as { createTransformHandler: typeof Create };
  const glue = { send: async () => ({ Errors: [] }) } as unknown as NonNullable<Parameters<typeof Create>[1]>["glue"];
  const handler = createTransformHandler({ bucket: "bench-lake", database: "bench" }, { store: new LocalStore(lake), glue });
  // The key as S3 sends it in a notification: URL-encoded.
  const event = { Records: [{ eventName: "ObjectCreated:Put", s3: { bucket: { name: "bench-lake" }, object: { key: encodeURIComponent(rawKey) } } }] };
  const result = await handler(event);
  // On a line of its own: the handler's logger writes JSON lines to stdout too.
  process.stdout.write(`\nOUTCOMES ${JSON.stringify(result.outcomes.map((o) => o.status))}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
