/**
 * Secrets out of text shown to people: a token endpoint (or anything between us and it) may echo
 * the request, and an echoed body must not carry the refresh token, the client secret or the
 * Basic credentials into an error message or a log.
 */
const MARK = "[redacted]";

/** Every spelling a secret can take in an echoed request: as is, form-encoded, and base64 "id:secret". */
function spellings(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
  return [...forms].filter((s) => s.length >= 4);
}

/** `text` with the given secrets, Basic/Bearer credentials and refresh_token / client_secret values replaced. */
export function redact(text: string, secrets: readonly (string | undefined)[], clientId?: string): string {
  let out = text;
  const given = secrets.filter((s): s is string => !!s);
  const basic = clientId ? given.map((s) => Buffer.from(`${clientId}:${s}`).toString("base64")) : [];
  for (const secret of [...given, ...basic].sort((a, b) => b.length - a.length)) for (const form of spellings(secret)) if (out.includes(form)) out = out.split(form).join(MARK);
  // Whatever the caller did not know about: credentials in headers, and secret fields in forms or JSON.
  out = out.replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/gi, `$1 ${MARK}`);
  out = out.replace(/((?:refresh_token|client_secret|access_token|code_verifier)["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi, `$1${MARK}`);
  return out;
}
