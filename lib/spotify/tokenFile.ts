/**
 * Where the local run keeps the user's refresh token: written by `npm run auth`, read by
 * `npm start`, and rewritten when Spotify rotates the token. Owner-only permissions.
 * A rotated token's file also lists hashes (never the tokens) of the tokens it replaced, so a
 * run whose SPOTIFY_REFRESH_TOKEN still holds one of them knows the file's token is newer.
 */
import { createHash } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";

export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SPOTIFY_TOKEN_FILE ?? ".spotify-token.json");
}

interface TokenFileContent {
  refresh_token: string;
  client_id?: string;
  saved_at: string;
  /** sha256 (hex) of the refresh tokens this one replaced by rotation, oldest first. */
  replaces?: string[];
}

/** How many replaced tokens a file remembers. */
const LINEAGE = 20;

export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function readRefreshToken(file: string): string | undefined {
  return readTokenFile(file)?.refreshToken;
}

/** The file's token and the hashes of the tokens it replaced; undefined when there is no file. */
export function readTokenFile(file: string): { refreshToken: string; replaces: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<TokenFileContent>;
    if (typeof parsed.refresh_token === "string" && parsed.refresh_token.length > 0) {
      const replaces = Array.isArray(parsed.replaces) ? parsed.replaces.filter((h): h is string => typeof h === "string") : [];
      return { refreshToken: parsed.refresh_token, replaces };
    }
  } catch {
    // fall through to the error below
  }
  throw new Error(`${file} is not a token file written by "npm run auth": delete it and run "npm run auth" again.`);
}

/**
 * Writes the token file. `replaced`: the token Spotify rotated away (from wherever it came), remembered
 * by hash with the lineage already in the file; without it (a new sign-in) the lineage starts over.
 */
export async function writeRefreshToken(file: string, refreshToken: string, clientId?: string, replaced?: string): Promise<void> {
  let replaces: string[] | undefined;
  if (replaced !== undefined) {
    let earlier: string[] = [];
    try {
      earlier = readTokenFile(file)?.replaces ?? [];
    } catch {
      // an unreadable file is replaced whole
    }
    replaces = [...earlier, tokenHash(replaced)].slice(-LINEAGE);
  }
  const content: TokenFileContent = { refresh_token: refreshToken, client_id: clientId, saved_at: new Date().toISOString(), ...(replaces ? { replaces } : {}) };
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(tmp, JSON.stringify(content, null, 2) + "\n", { mode: 0o600 });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true, recursive: false }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`could not write the token file ${file}${code ? ` (${code})` : ""}`, { cause: err });
  }
}
