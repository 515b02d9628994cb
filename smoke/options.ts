/**
 * The command line: flags override the stack's outputs; together they must name everything the
 * check needs, and a missing one is named with both the output and the flag that give it.
 */
import { parseArgs } from "node:util";
import { normalizePlaylistId } from "../lib/lake/layout";
import { DEFAULT_EXTRACT_ATTEMPTS, DEFAULT_WAIT_S, type SmokeSettings, type SmokeWaits } from "./settings";
import { regionFromConsoleUrl, type StackOutputs } from "./stackOutputs";
import { SmokeUsageError } from "./usageError";

const STRING_FLAGS = [
  "lake-bucket",
  "extract-function",
  "transform-function",
  "views-function",
  "database",
  "workgroup",
  "playlist",
  "region",
  "wait-raw",
  "wait-tables",
  "wait-partition",
  "wait-query",
  "poll",
  "extract-attempts",
] as const;

export type Flags = Partial<Record<(typeof STRING_FLAGS)[number], string>> & { help?: boolean };

export const USAGE = `Usage: pulumi stack output --json | npm run smoke [-- flags]
       npm run smoke -- --lake-bucket B --extract-function F --database D --workgroup W --playlist ID [--region R]

Invokes the extractor for one playlist, then waits for its raw snapshot, the transform's Parquet
files, the day's partition in the Glue catalog, and a count over latest_snapshot in Athena.
AWS credentials come from the usual SDK chain (AWS_PROFILE, SSO, environment, ...).

Flags (each overrides the stack output in brackets):
  --lake-bucket NAME         [lakeBucket]
  --extract-function NAME    [extractFunctionName]
  --database NAME            [glueDatabase]
  --workgroup NAME           [athenaWorkgroup]
  --playlist ID              [first of playlists]  a playlist id, URI or open.spotify.com link
  --region REGION            [region of athenaConsoleUrl, else the SDK's region]
  --transform-function NAME  [transformFunctionName]  only named in hints
  --views-function NAME      [viewsFunctionName]      only named in hints
Bounds (the waits in seconds):
  --extract-attempts N  invocations while the extractor stops early to resume (default ${DEFAULT_EXTRACT_ATTEMPTS})
  --wait-raw S          the raw snapshot in S3 after the invocation (default ${DEFAULT_WAIT_S.raw})
  --wait-tables S       the transform's Parquet files (default ${DEFAULT_WAIT_S.tables})
  --wait-partition S    the partition in the Glue catalog (default ${DEFAULT_WAIT_S.partition})
  --wait-query S        the Athena query, asked again while the view is not published (default ${DEFAULT_WAIT_S.query})
  --poll S              time between two looks (default ${DEFAULT_WAIT_S.poll})
Exit status: 0 passed, 1 a step failed, 2 bad flags or outputs.`;

export function parseFlags(argv: string[]): Flags {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: "string" as const }])),
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    return values as Flags;
  } catch (err) {
    throw new SmokeUsageError(`${(err as Error).message}. Run \`npm run smoke -- --help\` for the flags.`);
  }
}

/** True when the flags alone name everything required (then stdin need not be read). */
export function flagsAreComplete(flags: Flags): boolean {
  return Boolean(flags["lake-bucket"] && flags["extract-function"] && flags.database && flags.workgroup && flags.playlist && flags.region);
}

/** The region the flags or the outputs give, before asking the SDK's own chain. */
export function regionFromInputs(flags: Flags, outputs: StackOutputs): string | undefined {
  return flags.region || regionFromConsoleUrl(outputs.athenaConsoleUrl);
}

function attempts(flags: Flags): number {
  const raw = flags["extract-attempts"];
  if (raw === undefined) return DEFAULT_EXTRACT_ATTEMPTS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new SmokeUsageError(`--extract-attempts ${JSON.stringify(raw)} is not a whole number of at least 1.`);
  return n;
}

function waitMs(flags: Flags, flag: "wait-raw" | "wait-tables" | "wait-partition" | "wait-query" | "poll", fallbackS: number): number {
  const raw = flags[flag];
  if (raw === undefined) return fallbackS * 1000;
  const s = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(s) || s <= 0) throw new SmokeUsageError(`--${flag} ${JSON.stringify(raw)} is not a positive number of seconds.`);
  return Math.round(s * 1000);
}

export function buildSettings(flags: Flags, outputs: StackOutputs, sdkRegion: string | undefined): SmokeSettings {
  const missing: string[] = [];
  const need = (value: string | undefined, what: string, output: string, flag: string): string => {
    if (!value) missing.push(`${what} (output ${output}, or --${flag})`);
    return value ?? "";
  };
  const lakeBucket = need(flags["lake-bucket"] ?? outputs.lakeBucket, "the lake bucket", "lakeBucket", "lake-bucket");
  const extractFunction = need(flags["extract-function"] ?? outputs.extractFunctionName, "the extract function", "extractFunctionName", "extract-function");
  const database = need(flags.database ?? outputs.glueDatabase, "the Glue database", "glueDatabase", "database");
  const workgroup = need(flags.workgroup ?? outputs.athenaWorkgroup, "the Athena workgroup", "athenaWorkgroup", "workgroup");
  const playlist = need(flags.playlist ?? outputs.playlists?.[0], "a playlist", "playlists", "playlist");
  const region = regionFromInputs(flags, outputs) ?? sdkRegion;
  if (!region) missing.push("the AWS region (--region, AWS_REGION or your profile's region; the output athenaConsoleUrl names the stack's)");
  if (missing.length > 0) {
    throw new SmokeUsageError(
      `Missing ${missing.join("; ")}. Pipe \`pulumi stack output --json\` into \`npm run smoke\`, or pass the flags (\`npm run smoke -- --help\`).`,
    );
  }
  let playlistId: string;
  try {
    playlistId = normalizePlaylistId(playlist);
  } catch (err) {
    throw new SmokeUsageError((err as Error).message);
  }
  const waits: SmokeWaits = {
    rawMs: waitMs(flags, "wait-raw", DEFAULT_WAIT_S.raw),
    tablesMs: waitMs(flags, "wait-tables", DEFAULT_WAIT_S.tables),
    partitionMs: waitMs(flags, "wait-partition", DEFAULT_WAIT_S.partition),
    queryMs: waitMs(flags, "wait-query", DEFAULT_WAIT_S.query),
    pollMs: waitMs(flags, "poll", DEFAULT_WAIT_S.poll),
  };
  return {
    region: region ?? "",
    lakeBucket,
    extractFunction,
    transformFunction: flags["transform-function"] ?? outputs.transformFunctionName,
    viewsFunction: flags["views-function"] ?? outputs.viewsFunctionName,
    crawlerNames: outputs.crawlerNames ?? [],
    athenaConsoleUrl: outputs.athenaConsoleUrl,
    database,
    workgroup,
    playlistId,
    extractAttempts: attempts(flags),
    waits,
  };
}
