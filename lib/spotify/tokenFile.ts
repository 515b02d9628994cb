/**
 * Where the local run keeps the user's refresh token: written by `npm run auth`, read by
 * `npm start`, and rewritten when Spotify rotates the token. Owner-only permissions.
 */
import { promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";

export function defaultTokenFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SPOTIFY_TOKEN_FILE ?? ".spotify-token.json");
}

interface TokenFileContent {
  refresh_token: string;
  client_id?: string;
  saved_at: string;
}

export function readRefreshToken(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<TokenFileContent>;
    if (typeof parsed.refresh_token === "string" && parsed.refresh_token.length > 0) return parsed.refresh_token;
  } catch {
    // fall through to the error below
  }
  throw new Error(`${file} is not a token file written by "npm run auth": delete it and run "npm run auth" again.`);
}

export async function writeRefreshToken(file: string, refreshToken: string, clientId?: string): Promise<void> {
  const content: TokenFileContent = { refresh_token: refreshToken, client_id: clientId, saved_at: new Date().toISOString() };
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(content, null, 2) + "\n", { mode: 0o600 });
  await fs.rename(tmp, file);
}
