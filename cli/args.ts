/** The command line of `npm start`: a contract other tools rely on. */
import { parseArgs } from "node:util";
import { assertSnapshotDateInRange, normalizePlaylistId, todayUtc } from "../lib/lake/layout";

export const STAGES = ["extract", "transform", "all"] as const;
export type Stage = (typeof STAGES)[number];

export interface RunArgs {
  playlists: string[];
  date: string;
  /** Whether --date was given: `--stage transform` without it rebuilds every snapshot in the lake. */
  dateGiven: boolean;
  lake: string;
  stage: Stage;
  /** Whether to end with the DuckDB report (rows per table, top 10, changes): `all` does by default, `transform` only when asked. */
  report: boolean;
  /** Whether to print every file, API call count and table size, not only the chart. */
  verbose: boolean;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: npm start -- [--playlist ID]... [--date YYYY-MM-DD] [--lake DIR] [--stage extract|transform|all] [--report|--no-report]

  --playlist ID   a playlist id, spotify:playlist: URI or open.spotify.com link (repeatable).
                  Otherwise from SPOTIFY_PLAYLISTS (comma-separated) or pipeline.config.json {"playlists": [...]}.
  --date DATE     the snapshot date, from 2008-10-07 to tomorrow (default: today in UTC)
  --lake DIR      the lake folder (default: ./lake)
  --stage STAGE   extract, transform or all (default: all)
  --report        end with the lake report read through DuckDB: rows per table, each playlist's
                  chart (position, change, NEW/RE, peak, days on; entries, exits, moves)
                  and the history page written into the lake (default for all; --no-report leaves them out)
  --verbose       also print each file written, the API calls and the rows per table
  --version       print the version

Credentials come from SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and SPOTIFY_REFRESH_TOKEN
(or the token file written by "npm run auth"). Without any, the run uses bundled sample data.
Settings are read from, highest first: the flags, the environment, a .env file in the current
folder (KEY=value lines), pipeline.config.json, the defaults.`;

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${USAGE}`);
    this.name = "UsageError";
  }
}

export function parseRunArgs(argv: string[], now: Date = new Date()): RunArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        playlist: { type: "string", multiple: true, short: "p" },
        date: { type: "string" },
        lake: { type: "string" },
        stage: { type: "string" },
        report: { type: "boolean" },
        "no-report": { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  const stage = (values.stage ?? "all") as Stage;
  if (!STAGES.includes(stage)) throw new UsageError(`Unknown stage "${values.stage}": use extract, transform or all.`);
  if (values.report && values["no-report"]) throw new UsageError("--report and --no-report contradict each other: give one.");
  if (values.report && stage === "extract") throw new UsageError("--report needs tables: use it with --stage transform or all.");
  const usage = <T>(check: () => T): T => {
    try {
      return check();
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  const date = values.date === undefined ? todayUtc(now) : usage(() => assertSnapshotDateInRange(values.date!, now));
  const playlists = usage(() => (values.playlist ?? []).map(normalizePlaylistId));
  // An empty --lake would silently mean the current folder.
  if (values.lake !== undefined && values.lake.trim() === "") throw new UsageError(`--lake needs a folder, for example --lake lake; it was empty.`);
  return {
    playlists,
    date,
    dateGiven: values.date !== undefined,
    lake: values.lake ?? "lake",
    stage,
    // The report loads DuckDB: the demo run shows it, a transform job asks for it.
    report: values["no-report"] ? false : (values.report ?? stage === "all"),
    verbose: values.verbose ?? false,
    help: values.help ?? false,
    version: values.version ?? false,
  };
}
