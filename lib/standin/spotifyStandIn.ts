/**
 * A Spotify stand-in on 127.0.0.1 (node:http only): the accounts service (token, authorize)
 * and the Web API routes the extractor uses, serving StandInData in either response shape,
 * with development-mode rules, a rolling-window rate limit and scripted faults. Used by the
 * tests, the offline sample mode and the benchmark. Error bodies are Spotify's own shapes.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import type { Json, StandInData } from "./recordedData";
import { createRateModel, type RateLimitOptions } from "./rateModels";

export type Endpoint = "token" | "authorize" | "playlist" | "playlist_items" | "artist" | "artists_batch" | "album" | "albums_batch";
export const ENDPOINTS: readonly Endpoint[] = ["token", "authorize", "playlist", "playlist_items", "artist", "artists_batch", "album", "albums_batch"];

export interface Fault {
  endpoint: Endpoint;
  /** 1-based occurrence among requests to that endpoint (429s of the rate limit not counted); default 1. */
  nth?: number;
  /** Consecutive occurrences hit, default 1. */
  times?: number;
  /** A 2xx status without `body` serves the real response (with delayMs / truncateBody); anything else answers that status. */
  status: number;
  headers?: Record<string, string>;
  /** The body to answer instead (any status); default for an error status: Spotify's body for it. */
  body?: unknown;
  delayMs?: number;
  truncateBody?: boolean;
  /** Send the headers and the first bytes of the body, then nothing more (the connection stays open). */
  stallBody?: boolean;
  /** Send the body one byte every this many ms. */
  trickleBodyMs?: number;
  /** Answer `status` with the request echoed in the body: its headers and form, as a misbehaving endpoint or proxy might (issue 9 §3.6). */
  echoRequest?: "json" | "text";
}

/** How a reply's body goes out: whole, cut off, stalled after the headers, or a byte at a time. */
type Delivery = { kind: "whole" } | { kind: "truncate" } | { kind: "stall" } | { kind: "trickle"; everyMs: number };

export interface StandInOptions {
  data: StandInData;
  shape?: "items" | "tracks" | "both";
  batchEndpoints?: boolean;
  editorial404?: boolean;
  credentials?: { clientId: string; clientSecret?: string; refreshToken?: string };
  rotateRefreshToken?: boolean;
  tokenTtlS?: number;
  /** Rolling window over Web API requests, shared by every client of the stand-in, and its scenarios (lib/standin/rateModels.ts). */
  rateLimit?: RateLimitOptions;
  faults?: Fault[];
  pageLimitMax?: number;
  /**
   * A hostile or broken items page: rewrites each page served at /items before it is sent (a
   * `next` to another host or back to itself, a lying `total`), as reproduced on a loopback server (issue 9 §3).
   * The page it receives is Spotify's paging object (Web API reference, "Get Playlist Items").
   */
  rewritePage?: (page: Json, at: { offset: number; limit: number; baseUrl: string }) => Json;
}

export interface StandInRequest {
  /** When it arrived (ms epoch). */
  at: number;
  endpoint: Endpoint;
  method: string;
  path: string;
  status: number;
}

export interface StandIn {
  apiUrl: string;
  accountsUrl: string;
  counts(): Record<Endpoint, number>;
  http429(): number;
  /** Requests of the rate model's neighbour (another client of the same app) so far. */
  neighbourRequests(): number;
  requests: StandInRequest[];
  /** Refresh tokens the token endpoint accepts now (the rotated one after a rotation). */
  refreshTokens(): string[];
  close(): Promise<void>;
}

const EDITORIAL_RE = /^(37i9dQZF1|37i9dQZEVXb)/;
const EMBEDDED_PAGE_LIMIT = 100;

function apiError(status: number, message: string): Json {
  return { error: { status, message } };
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "Bad request",
  401: "Invalid access token",
  403: "Forbidden",
  404: "Resource not found",
  429: "API rate limit exceeded",
  500: "Server error",
  502: "Bad gateway",
  503: "Service unavailable",
};

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpReply extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

function fail(status: number, message?: string): never {
  throw new HttpReply({ status, body: apiError(status, message ?? DEFAULT_MESSAGES[status] ?? "Error") });
}

function oauthFail(error: string, description: string, status = 400): never {
  throw new HttpReply({ status, body: { error, error_description: description } });
}

/** The entry in the requested shape: `item` (2026), `track` (old) or both (transition). */
function shapeEntry(entry: Json, shape: "items" | "tracks" | "both"): Json {
  const { item, track, ...rest } = entry;
  const content = item !== undefined ? item : (track ?? null);
  if (shape === "items") return { ...rest, item: content };
  if (shape === "tracks") return { ...rest, track: content };
  return { ...rest, track: content, item: content };
}

export async function startSpotifyStandIn(options: StandInOptions): Promise<StandIn> {
  const shape = options.shape ?? "items";
  const batchEndpoints = options.batchEndpoints ?? false;
  const editorial404 = options.editorial404 ?? true;
  const tokenTtlS = options.tokenTtlS ?? 3600;
  const pageLimitMax = options.pageLimitMax ?? 50;
  const data = options.data;

  const counts = Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<Endpoint, number>;
  const occurrences = Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<Endpoint, number>;
  let http429 = 0;
  const requests: StandInRequest[] = [];
  const accessTokens = new Map<string, number>(); // token -> expiry (ms epoch)
  const validRefreshTokens = new Set<string>(options.credentials?.refreshToken ? [options.credentials.refreshToken] : []);
  const authCodes = new Map<string, { challenge: string; redirectUri: string; clientId: string; scope: string }>();
  let baseUrl = "";

  const issueTokens = (withRefresh: string | undefined, scope?: string): Json => {
    const access = randomBytes(18).toString("base64url");
    accessTokens.set(access, Date.now() + tokenTtlS * 1000);
    const body: Json = { access_token: access, token_type: "Bearer", expires_in: tokenTtlS };
    if (withRefresh) body.refresh_token = withRefresh;
    if (scope !== undefined) body.scope = scope;
    return body;
  };

  const clientFrom = (req: http.IncomingMessage, form: URLSearchParams): { id?: string; secret?: string } => {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Basic ")) {
      const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
      const i = decoded.indexOf(":");
      return { id: decoded.slice(0, i), secret: decoded.slice(i + 1) };
    }
    return { id: form.get("client_id") ?? undefined, secret: form.get("client_secret") ?? undefined };
  };

  const handleToken = (req: http.IncomingMessage, raw: string): Reply => {
    const form = new URLSearchParams(raw);
    const client = clientFrom(req, form);
    const creds = options.credentials;
    if (creds && client.id !== creds.clientId) oauthFail("invalid_client", "Invalid client");
    switch (form.get("grant_type")) {
      case "client_credentials": {
        if (!client.secret) oauthFail("invalid_client", "Invalid client secret");
        if (creds && (creds.clientSecret === undefined || client.secret !== creds.clientSecret)) oauthFail("invalid_client", "Invalid client secret");
        return { status: 200, body: issueTokens(undefined) };
      }
      case "refresh_token": {
        const token = form.get("refresh_token");
        if (!token) oauthFail("invalid_request", "refresh_token must be supplied");
        if (creds && client.secret !== undefined && creds.clientSecret !== undefined && client.secret !== creds.clientSecret) oauthFail("invalid_client", "Invalid client secret");
        if (creds && !validRefreshTokens.has(token)) oauthFail("invalid_grant", "Invalid refresh token");
        let next: string | undefined;
        if (options.rotateRefreshToken) {
          next = randomBytes(24).toString("base64url");
          validRefreshTokens.delete(token);
          validRefreshTokens.add(next);
        }
        return { status: 200, body: issueTokens(next, "playlist-read-private playlist-read-collaborative") };
      }
      case "authorization_code": {
        const code = form.get("code") ?? "";
        const grant = authCodes.get(code);
        if (!grant) oauthFail("invalid_grant", "Invalid authorization code");
        authCodes.delete(code);
        if (form.get("redirect_uri") !== grant.redirectUri) oauthFail("invalid_grant", "Invalid redirect URI");
        if (client.id !== grant.clientId) oauthFail("invalid_client", "Invalid client");
        const verifier = form.get("code_verifier") ?? "";
        if (createHash("sha256").update(verifier).digest("base64url") !== grant.challenge) oauthFail("invalid_grant", "code_verifier was incorrect");
        const refresh = randomBytes(24).toString("base64url");
        validRefreshTokens.add(refresh);
        return { status: 200, body: issueTokens(refresh, grant.scope) };
      }
      default:
        oauthFail("unsupported_grant_type", "grant_type parameter is missing or not supported");
    }
  };

  const handleAuthorize = (url: URL): Reply => {
    const q = url.searchParams;
    const clientId = q.get("client_id") ?? "";
    const redirectUri = q.get("redirect_uri") ?? "";
    if (options.credentials && clientId !== options.credentials.clientId) return { status: 400, body: "INVALID_CLIENT: Invalid client" };
    if (q.get("response_type") !== "code") return { status: 400, body: "response_type must be code" };
    if (!redirectUri) return { status: 400, body: "INVALID_CLIENT: Invalid redirect URI" };
    if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) return { status: 400, body: "code_challenge (S256) required" };
    const code = randomBytes(16).toString("base64url");
    authCodes.set(code, { challenge: q.get("code_challenge")!, redirectUri, clientId, scope: q.get("scope") ?? "" });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    if (q.get("state") !== null) target.searchParams.set("state", q.get("state")!);
    return { status: 302, headers: { location: target.toString() } };
  };

  const checkBearer = (req: http.IncomingMessage): void => {
    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    const expiry = accessTokens.get(token);
    if (expiry === undefined) fail(401, token ? "Invalid access token" : "No token provided");
    if (Date.now() >= expiry) fail(401, "The access token expired");
  };

  const playlistOr404 = (id: string) => {
    if (editorial404 && EDITORIAL_RE.test(id)) fail(404);
    const p = data.playlists[id];
    if (!p) fail(404);
    return p;
  };

  const pageUrl = (path: string, offset: number, limit: number, extra: URLSearchParams): string => {
    const q = new URLSearchParams({ offset: String(offset), limit: String(limit) });
    for (const [k, v] of extra) if (k !== "offset" && k !== "limit") q.set(k, v);
    return `${baseUrl}/v1${path}?${q.toString()}`;
  };

  const pageOf = (id: string, path: string, offset: number, limit: number, extra: URLSearchParams): Json => {
    const entries = data.playlists[id].entries;
    const total = entries.length;
    return {
      href: pageUrl(path, offset, limit, extra),
      items: entries.slice(offset, offset + limit).map((e) => shapeEntry(e, shape)),
      limit,
      next: offset + limit < total ? pageUrl(path, offset + limit, limit, extra) : null,
      offset,
      previous: offset > 0 ? pageUrl(path, Math.max(0, offset - limit), limit, extra) : null,
      total,
    };
  };

  const intParam = (q: URLSearchParams, name: string, fallback: number): number => {
    const v = q.get(name);
    if (v === null) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) fail(400, `Invalid ${name}`);
    return n;
  };

  const idsParam = (q: URLSearchParams, max: number): string[] => {
    const ids = (q.get("ids") ?? "").split(",").filter((s) => s.length > 0);
    if (ids.length === 0) fail(400, "invalid id");
    if (ids.length > max) fail(400, "Too many ids requested");
    return ids;
  };

  /** Which endpoint a request is for, or undefined (answered 404 without counting). */
  const classify = (method: string, path: string): Endpoint | undefined => {
    if (path === "/accounts/api/token" && method === "POST") return "token";
    if (path === "/accounts/authorize" && method === "GET") return "authorize";
    if (method !== "GET") return undefined;
    if (/^\/v1\/playlists\/[^/]+$/.test(path)) return "playlist";
    if (/^\/v1\/playlists\/[^/]+\/(items|tracks)$/.test(path)) return "playlist_items";
    if (/^\/v1\/artists\/[^/]+$/.test(path)) return "artist";
    if (path === "/v1/artists") return "artists_batch";
    if (/^\/v1\/albums\/[^/]+$/.test(path)) return "album";
    if (path === "/v1/albums") return "albums_batch";
    return undefined;
  };

  const serveApi = (endpoint: Endpoint, url: URL): Reply => {
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent); // ["v1", "playlists", id, ...]
    const q = url.searchParams;
    switch (endpoint) {
      case "playlist": {
        const p = playlistOr404(parts[2]);
        const page = pageOf(parts[2], `/playlists/${parts[2]}/items`, 0, EMBEDDED_PAGE_LIMIT, new URLSearchParams());
        const body: Json = { ...p.playlist };
        if (shape !== "items") body.tracks = page;
        if (shape !== "tracks") body.items = page;
        return { status: 200, body };
      }
      case "playlist_items": {
        playlistOr404(parts[2]);
        if (parts[3] === "tracks" && !batchEndpoints) fail(403); // the old path is closed to development-mode apps
        const limit = intParam(q, "limit", 20);
        if (limit < 1 || limit > pageLimitMax) fail(400, "Invalid limit");
        const offset = intParam(q, "offset", 0);
        const page = pageOf(parts[2], `/playlists/${parts[2]}/${parts[3]}`, offset, limit, q);
        return { status: 200, body: options.rewritePage ? options.rewritePage(page, { offset, limit, baseUrl }) : page };
      }
      case "artist": {
        const artist = data.artists[parts[2]];
        if (!artist) fail(404);
        return { status: 200, body: artist };
      }
      case "album": {
        const album = data.albums[parts[2]];
        if (!album) fail(404);
        return { status: 200, body: album };
      }
      case "artists_batch": {
        if (!batchEndpoints) fail(403);
        return { status: 200, body: { artists: idsParam(q, 50).map((id) => data.artists[id] ?? null) } };
      }
      case "albums_batch": {
        if (!batchEndpoints) fail(403);
        return { status: 200, body: { albums: idsParam(q, 20).map((id) => data.albums[id] ?? null) } };
      }
      default:
        fail(404);
    }
  };

  const rateModel = options.rateLimit ? createRateModel(options.rateLimit) : undefined;

  const faultFor = (endpoint: Endpoint, occurrence: number): Fault | undefined =>
    (options.faults ?? []).find((f) => {
      if (f.endpoint !== endpoint) return false;
      const first = f.nth ?? 1;
      return occurrence >= first && occurrence < first + (f.times ?? 1);
    });

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });

  const send = (res: http.ServerResponse, reply: Reply, delivery: Delivery = { kind: "whole" }): void => {
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let payload = "";
    if (reply.body !== undefined) {
      payload = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      headers["content-type"] ??= typeof reply.body === "string" ? "text/plain; charset=utf-8" : "application/json; charset=utf-8";
    }
    const bytes = Buffer.from(payload, "utf8");
    headers["content-length"] = String(bytes.length);
    res.writeHead(reply.status, headers);
    if (delivery.kind === "truncate") {
      // Promise the whole body, send half, then cut the connection: a body cut off in transit.
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
      return;
    }
    if (delivery.kind === "stall") {
      res.write(bytes.subarray(0, 1)); // headers and a byte, then silence until the client gives up
      return;
    }
    if (delivery.kind === "trickle") {
      let i = 0;
      const timer = setInterval(() => {
        if (res.destroyed || i >= bytes.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(bytes.subarray(i, i + 1));
        i++;
      }, delivery.everyMs);
      res.on("close", () => clearInterval(timer));
      return;
    }
    res.end(bytes);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", baseUrl);
    const endpoint = classify(method, url.pathname);
    const raw = await readBody(req);
    if (!endpoint) {
      send(res, { status: 404, body: apiError(404, "Service not found") });
      return;
    }
    const record = (status: number) => {
      requests.push({ at: Date.now(), endpoint, method, path: url.pathname + url.search, status });
      if (status === 429) http429++;
      else counts[endpoint]++;
    };

    const isApi = url.pathname.startsWith("/v1/");
    const admission = isApi ? rateModel?.admit(Date.now()) : undefined;
    if (admission && !admission.admitted) {
      record(429);
      send(res, { status: 429, headers: admission.retryAfter !== undefined ? { "retry-after": admission.retryAfter } : {}, body: apiError(429, DEFAULT_MESSAGES[429]) });
      return;
    }

    const occurrence = ++occurrences[endpoint];
    const fault = faultFor(endpoint, occurrence);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (res.destroyed || req.socket.destroyed) return; // the client gave up (timeout)

    let reply: Reply;
    if (fault?.echoRequest) {
      const echo = `echo: ${req.method} ${req.url} authorization=${req.headers.authorization ?? ""} body=${raw}`;
      reply = { status: fault.status, body: fault.echoRequest === "text" ? echo : { error: "invalid_request", error_description: echo } };
    } else if (fault && (fault.status < 200 || fault.status >= 300 || fault.body !== undefined)) {
      reply = { status: fault.status, headers: fault.headers, body: fault.body !== undefined ? fault.body : apiError(fault.status, DEFAULT_MESSAGES[fault.status] ?? "Error") };
    } else {
      try {
        if (endpoint === "token") reply = handleToken(req, raw);
        else if (endpoint === "authorize") reply = handleAuthorize(url);
        else {
          checkBearer(req);
          reply = serveApi(endpoint, url);
        }
      } catch (err) {
        if (!(err instanceof HttpReply)) throw err;
        reply = err.reply;
      }
      if (fault?.headers) reply = { ...reply, headers: { ...(reply.headers ?? {}), ...fault.headers } };
    }
    record(reply.status);
    const delivery: Delivery = fault?.truncateBody
      ? { kind: "truncate" }
      : fault?.stallBody
        ? { kind: "stall" }
        : fault?.trickleBodyMs
          ? { kind: "trickle", everyMs: fault.trickleBodyMs }
          : { kind: "whole" };
    send(res, reply, delivery);
  };

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: apiError(500, `stand-in error: ${(err as Error).message}`) });
      else res.destroy();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl: `${baseUrl}/v1`,
    accountsUrl: `${baseUrl}/accounts`,
    counts: () => ({ ...counts }),
    http429: () => http429,
    neighbourRequests: () => rateModel?.neighbourRequests() ?? 0,
    requests,
    refreshTokens: () => [...validRefreshTokens],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
