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
  const members: string[] = [];
  // The same members, in the same order, as JSON.stringify writes them (own enumerable string keys; undefined, functions and symbols left out).
  for (const [key, value] of Object.entries(doc)) {
    const element = (v: unknown) => JSON.stringify(v) ?? "null"; // as JSON.stringify writes an array's undefined element
    if (Array.isArray(value) && value.length > 0) members.push(`${JSON.stringify(key)}:[\n${value.map(element).join(",\n")}\n]`);
    else {
      const text = JSON.stringify(value) as string | undefined;
      if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
    }
  }
  return `{${members.join(",")}}`;
}
