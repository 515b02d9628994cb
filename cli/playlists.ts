/** Which playlists to read: --playlist flags, else SPOTIFY_PLAYLISTS, else pipeline.config.json. */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { normalizePlaylistId } from "../lib/lake/layout";
import { describeZodError } from "../lib/spotify/schemas";
import { UsageError } from "./args";

export const CONFIG_FILE = "pipeline.config.json";

const ConfigFile = z.object({ playlists: z.array(z.string().min(1)).min(1) });

export interface PlaylistSelection {
  ids: string[];
  source: string;
}

export function resolvePlaylists(flags: string[], env: NodeJS.ProcessEnv = process.env, configFile = path.resolve(CONFIG_FILE)): PlaylistSelection | undefined {
  // A bad id is a usage error wherever it came from (exit 2), and the message names where to fix it.
  const normalize = (ids: string[], source: string) => {
    try {
      return [...new Set(ids.map(normalizePlaylistId))];
    } catch (err) {
      throw new UsageError(`${source}: ${(err as Error).message}`);
    }
  };
  if (flags.length > 0) return { ids: normalize(flags, "--playlist"), source: "--playlist" };
  const fromEnv = (env.SPOTIFY_PLAYLISTS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (fromEnv.length > 0) return { ids: normalize(fromEnv, "SPOTIFY_PLAYLISTS"), source: "SPOTIFY_PLAYLISTS" };
  if (existsSync(configFile)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(configFile, "utf8"));
    } catch (err) {
      throw new UsageError(`${configFile} is not valid JSON (${(err as Error).message}). It should look like {"playlists": ["<playlist id>"]}.`);
    }
    const parsed = ConfigFile.safeParse(json);
    if (!parsed.success) {
      throw new UsageError(`${configFile} does not fit at ${describeZodError(parsed.error)}. It should look like {"playlists": ["<playlist id>"]}.`);
    }
    return { ids: normalize(parsed.data.playlists, configFile), source: configFile };
  }
  return undefined;
}
