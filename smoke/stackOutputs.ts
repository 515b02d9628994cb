/**
 * The stack's outputs as `pulumi stack output --json` prints them: one JSON object, output name
 * to value (contract C3 fixes the names). Only the outputs the smoke check reads are checked.
 */
import { z } from "zod";
import { SmokeUsageError } from "./usageError";

const OUTPUTS = z.object({
  lakeBucket: z.string().min(1).optional(),
  glueDatabase: z.string().min(1).optional(),
  athenaWorkgroup: z.string().min(1).optional(),
  extractFunctionName: z.string().min(1).optional(),
  transformFunctionName: z.string().min(1).optional(),
  viewsFunctionName: z.string().min(1).optional(),
  crawlerNames: z.array(z.string()).optional(),
  athenaConsoleUrl: z.string().optional(),
  playlists: z.array(z.string()).optional(),
});

export type StackOutputs = z.infer<typeof OUTPUTS>;

/** The outputs the smoke check reads (index.ts must export them under these names). */
export const OUTPUT_NAMES = Object.keys(OUTPUTS.shape) as (keyof StackOutputs)[];

const PIPE_HINT = "pipe the stack's outputs in (`pulumi stack output --json | npm run smoke`) or pass flags (`npm run smoke -- --help`)";

/** Empty input means no outputs (flags only). */
export function parseStackOutputs(text: string): StackOutputs {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SmokeUsageError(
      `The input on stdin is not JSON (${(err as Error).message}); it starts with ${JSON.stringify(text.trim().slice(0, 40))}. ` +
        `Use \`pulumi stack output --json\` (not the table \`pulumi stack output\` prints), or ${PIPE_HINT}.`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SmokeUsageError(`The JSON on stdin is not an object of stack outputs; ${PIPE_HINT}.`);
  }
  const parsed = OUTPUTS.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new SmokeUsageError(`The stack outputs on stdin have unexpected values (${fields}); ${PIPE_HINT}.`);
  }
  return parsed.data;
}

/** The stack's region, from the Athena console link it exports (https://<region>.console.aws.amazon.com/...). */
export function regionFromConsoleUrl(url: string | undefined): string | undefined {
  return url ? /^https:\/\/([a-z]{2}(?:-[a-z]+)+-\d+)\.console\.aws\.amazon\.com\//.exec(url)?.[1] : undefined;
}
