/**
 * A raw snapshot written one top-level array element per line (jsonInLines.ts) parsed from its
 * bytes in pieces (ObjectStore.getPieces), so the whole file is never in memory: each element
 * line is parsed as it comes, and the other lines, the skeleton
 *
 *   {"format":"…","entries":[
 *   ],"artists":[
 *   ],"extraction":{…}}
 *
 * are parsed at the end, each "[\n]" array given its elements. Same value as JSON.parse of the
 * whole text. Undefined when the text is not valid JSON laid out so (a compact document longer
 * than a line may be, a pretty-printed one, a broken one): the caller reads it whole then
 * (parseRawSnapshot), which also gives JSON.parse's own error for invalid text. A compact
 * document shorter than that is one line: it is returned parsed.
 *
 * Checked as it goes: an element line must parse once its one trailing comma is cut, every element
 * line but an array's last ends with a comma, and the skeleton must be valid JSON. A caller may take
 * an array's element lines itself (a LineSink, chosen by the line that opens the array).
 */
import { randomUUID } from "node:crypto";

const NEWLINE = 0x0a;
/**
 * A longer line is not this layout's: each line holds one API object or the document's small
 * frame. A compact snapshot (one line) is then declined early and read whole, rather than
 * gathered piece by piece into a copy of itself.
 */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Where the element lines of one array go. */
export interface LineSink {
  /** One element's JSON text, its trailing comma cut; false when it is not JSON (the parse then gives undefined). */
  line(text: string): boolean;
  /** What stands for the array in the document once its lines are read. */
  finish(): unknown;
}

/** The default sink: each line is JSON.parse'd into an array. */
function parsedElements(): LineSink {
  const elements: unknown[] = [];
  return {
    line(text) {
      try {
        elements.push(JSON.parse(text));
        return true;
      } catch {
        return false;
      }
    },
    finish: () => elements,
  };
}

/**
 * @param sinkFor who takes the element lines of the array a skeleton line opens (the line, up
 *   to its "["); undefined for the default, an array of the parsed elements.
 */
export async function parseJsonLinesInPieces(pieces: AsyncIterable<Uint8Array>, sinkFor?: (openingLine: string) => LineSink | undefined): Promise<unknown> {
  // In the skeleton each array of lines holds one string, this run's marker and the sink's
  // number; the file cannot hold the marker, so only those arrays are given the sinks' elements.
  const marker = `lines:${randomUUID()}:`;
  const skeleton: string[] = [];
  const sinks: LineSink[] = [];
  let sink: LineSink | undefined; // takes the element lines being read
  let lines = 0; // element lines of that array so far
  let commaBefore = false; // the previous element line ended with a comma
  /** One line (without its "\n"); false when the layout is not the one described above. */
  const onLine = (line: string): boolean => {
    const text = line.endsWith("\r") ? line.slice(0, -1) : line; // "\r\n" ends a line too: JSON white space
    if (sink && !text.startsWith("]")) {
      if (lines++ > 0 && !commaBefore) return false;
      commaBefore = text.endsWith(",");
      return sink.line(commaBefore ? text.slice(0, -1) : text);
    }
    if (sink) {
      if (commaBefore) return false; // "[1,\n]" is not JSON
      skeleton.push(JSON.stringify(marker + (sinks.length - 1)));
    }
    skeleton.push(text);
    sink = undefined;
    if (text.endsWith("[")) sinks.push((sink = sinkFor?.(text) ?? parsedElements()));
    lines = 0;
    commaBefore = false;
    return true;
  };

  // The start of a line the previous pieces ended in, piece by piece (copied: a piece may be
  // overwritten by the next), joined once when the line ends.
  let carry: Buffer[] = [];
  let carryBytes = 0;
  for await (const piece of pieces) {
    const buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
      const text = carry.length > 0 ? Buffer.concat([...carry, buf.subarray(0, nl)]).toString("utf8") : buf.toString("utf8", start, nl);
      carry = [];
      carryBytes = 0;
      if (!onLine(text)) return undefined;
      start = nl + 1;
    }
    if (start < buf.length) {
      carry.push(Buffer.from(buf.subarray(start)));
      carryBytes += buf.length - start;
      if (carryBytes > MAX_LINE_BYTES) return undefined;
    }
  }
  // The last line, with no "\n" after it, closes the document: never inside an array of lines.
  if (carry.length > 0 && !onLine(Buffer.concat(carry).toString("utf8"))) return undefined;
  if (sink) return undefined;
  const elementsOf = (value: unknown) => (Array.isArray(value) && value.length === 1 && typeof value[0] === "string" && value[0].startsWith(marker) ? sinks[Number(value[0].slice(marker.length))].finish() : value);
  try {
    return JSON.parse(skeleton.join("\n"), (_key, value: unknown) => elementsOf(value));
  } catch {
    return undefined;
  }
}
