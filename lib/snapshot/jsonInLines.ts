/**
 * The text of a raw snapshot as the extractor writes it: JSON.stringify's, except that each
 * top-level array has one element per line:
 *
 *   {"format":"…","playlist":{…},"entries":[
 *   {…first entry…},
 *   {…last entry…}
 *   ],"artists":[
 *   …
 *   ],"extraction":{…}}
 *
 * Still one JSON document with the same value (JSON.parse gives what it gives for
 * JSON.stringify's text), a little longer (a line break per element). JSON text never holds a raw
 * line break inside a value (JSON.stringify escapes it), so the transform finds each element's
 * end with a native search for the next "\n" instead of walking its bytes (parseJsonInParts.ts).
 */
export function stringifyInLines(doc: object): string {
  return encodeInLines(doc).toString("utf8");
}

/**
 * stringifyInLines' text as UTF-8 bytes, what a store writes. Each element is encoded on its own
 * and the bytes copied once into the result: joining many strings that hold non-Latin-1
 * characters, then encoding the joined text, costs several times more (docs/performance.md, fleet).
 */
export function encodeInLines(doc: object): Buffer {
  const parts: string[] = ["{"];
  // The same members, in the same order, as JSON.stringify writes them (own enumerable string keys; undefined, functions and symbols left out).
  for (const [key, value] of Object.entries(doc)) {
    const separator = parts.length > 1 ? "," : "";
    if (Array.isArray(value) && value.length > 0) {
      parts.push(`${separator}${JSON.stringify(key)}:[\n`);
      for (let i = 0; i < value.length; i++) {
        if (i > 0) parts.push(",\n");
        parts.push((JSON.stringify(value[i]) as string | undefined) ?? "null"); // as JSON.stringify writes an array's undefined element (or hole)
      }
      parts.push("\n]");
    } else {
      const text = JSON.stringify(value) as string | undefined;
      if (text !== undefined) parts.push(`${separator}${JSON.stringify(key)}:${text}`);
    }
  }
  parts.push("}");
  const out = Buffer.allocUnsafe(parts.reduce((n, part) => n + Buffer.byteLength(part), 0));
  let at = 0;
  for (const part of parts) at += out.write(part, at);
  return out;
}
