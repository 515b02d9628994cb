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
  help: boolean;
}

export const USAGE = `Usage: npm start -- [--playlist ID]... [--date YYYY-MM-DD] [--lake DIR] [--stage extract|transform|all]

  --playlist ID   a playlist id, spotify:playlist: URI or open.spotify.com link (repeatable).
                  Otherwise from SPOTIFY_PLAYLISTS (comma-separated) or pipeline.config.json {"playlists": [...]}.
  --date DATE     the snapshot date, from 2008-10-07 to tomorrow (default: today in UTC)
  --lake DIR      the lake folder (default: ./lake)
  --stage STAGE   extract, transform or all (default: all)

Credentials come from SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and SPOTIFY_REFRESH_TOKEN
(or the token file written by "npm run auth"). Without any, the run uses bundled sample data.`;

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
        help: { type: "boolean", short: "h" },
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
    help: values.help ?? false,
  };
}
