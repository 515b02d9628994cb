/**
 * JSON.parse of a large document without the document as one string. A raw snapshot is one
 * object whose big members are arrays (entries, artists, albums); decoding all of it first
 * makes one string of twice its size in bytes as soon as it holds a character beyond Latin-1
 * (an artist's name in Japanese is enough), alive next to the parsed objects. Here the bytes
 * are walked once to find each top-level member and each element of a top-level array, and
 * only those small slices are decoded and parsed, so each slice's string dies young.
 *
 * A top-level array written one element per line (jsonInLines.ts, how the extractor writes raw
 * snapshots) is cut at its line breaks, found by native search, without walking the elements'
 * bytes; one that is not (a snapshot written before, or by another tool) is walked as above.
 *
 * Gives the same value as JSON.parse(text) for any valid document (the value of each slice is
 * JSON.parse's own; the walk only finds where slices begin and end). For anything else (not an
 * object, malformed, a UTF-8 byte order mark) it returns undefined: the caller then parses the
 * whole text to get JSON.parse's own error message.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Index just past the string that starts at `i` (a quote), or -1 when it does not end. */
function stringEnd(bytes: Uint8Array, i: number): number {
  // Jump from quote to quote (indexOf is native); a quote ends the string unless an odd run of
  // backslashes stands before it.
  for (let j = bytes.indexOf(QUOTE, i + 1); j >= 0; j = bytes.indexOf(QUOTE, j + 1)) {
    let backslashes = 0;
    while (bytes[j - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j + 1;
  }
  return -1;
}

/** Index just past the value that starts at `i`, or -1. Only finds the end: JSON.parse checks the value. */
function valueEnd(bytes: Uint8Array, i: number): number {
  const first = bytes[i];
  if (first === QUOTE) return stringEnd(bytes, i);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number, true, false or null: up to the next delimiter.
    let j = i;
    while (j < bytes.length && !isSpace(bytes[j]) && bytes[j] !== COMMA && bytes[j] !== CLOSE_BRACE && bytes[j] !== CLOSE_BRACKET) j++;
    return j > i ? j : -1;
  }
  let depth = 0;
  for (let j = i; j < bytes.length; j++) {
    const b = bytes[j];
    if (b === QUOTE) {
      j = stringEnd(bytes, j) - 1;
      if (j < 0) return -1;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
    else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}

/**
 * The elements of a top-level array laid out one per line, "[\n" at `start`, each line an element
 * followed by "," but the last, then a line starting with "]"; and the index just past that "]".
 * Undefined when the array is not laid out so: then it is walked byte by byte. A line that parses
 * once its one trailing comma is cut is one whole element (JSON.parse accepts nothing less, and
 * no JSON value holds a raw line break), so what this accepts is a valid array with these elements.
 */
export function elementsByLine(bytes: Uint8Array, parse: (start: number, end: number) => unknown, start: number): { elements: unknown[]; end: number } | undefined {
  const elements: unknown[] = [];
  let line = start + 2;
  try {
    for (;;) {
      const lineEnd = bytes.indexOf(NEWLINE, line);
      if (lineEnd < 0) return undefined;
      const more = bytes[lineEnd - 1] === COMMA;
      elements.push(parse(line, more ? lineEnd - 1 : lineEnd));
      line = lineEnd + 1;
      if (!more) return bytes[line] === CLOSE_BRACKET ? { elements, end: line + 1 } : undefined;
    }
  } catch {
    return undefined;
  }
}

function skipSpace(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isSpace(bytes[i])) i++;
  return i;
}

/**
 * The parsed document, its top-level arrays parsed element by element; undefined when it is
 * not a well-formed JSON object (parse the whole text then, for the error). With `lineArrays`,
 * `bytes` is a skeleton whose top-level "[\n]" arrays are replaced by those values (the arrays of
 * their element lines, or what a LineSink made of them), in order, and each must be taken
 * (jsonLinesInPieces.ts).
 */
export function parseJsonInParts(bytes: Uint8Array, lineArrays?: unknown[]): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parse = (start: number, end: number): unknown => JSON.parse(buffer.toString("utf8", start, end));
  try {
    let i = skipSpace(bytes, 0);
    if (bytes[i] !== OPEN_BRACE) return undefined;
    const doc: Record<string, unknown> = {};
    i = skipSpace(bytes, i + 1);
    if (bytes[i] === CLOSE_BRACE) return skipSpace(bytes, i + 1) === bytes.length && !lineArrays?.length ? doc : undefined;
    for (;;) {
      if (bytes[i] !== QUOTE) return undefined;
      const keyEnd = stringEnd(bytes, i);
      if (keyEnd < 0) return undefined;
      const key = parse(i, keyEnd) as string;
      i = skipSpace(bytes, keyEnd);
      if (bytes[i] !== COLON) return undefined;
      i = skipSpace(bytes, i + 1);
      let value: unknown;
      let byLine: { elements: unknown[]; end: number } | undefined;
      if (lineArrays && bytes[i] === OPEN_BRACKET && bytes[i + 1] === NEWLINE) {
        // A skeleton (jsonLinesInPieces.ts): this array's element lines were cut out and parsed already.
        if (bytes[i + 2] !== CLOSE_BRACKET || lineArrays.length === 0) return undefined;
        value = lineArrays.shift();
        i += 3;
      } else if ((byLine = bytes[i] === OPEN_BRACKET && bytes[i + 1] === NEWLINE ? elementsByLine(bytes, parse, i) : undefined)) {
        value = byLine.elements;
        i = byLine.end;
      } else if (bytes[i] === OPEN_BRACKET) {
        const elements: unknown[] = [];
        i = skipSpace(bytes, i + 1);
        if (bytes[i] !== CLOSE_BRACKET) {
          for (;;) {
            const end = valueEnd(bytes, i);
            if (end < 0) return undefined;
            elements.push(parse(i, end));
            i = skipSpace(bytes, end);
            if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
            else if (bytes[i] === CLOSE_BRACKET) break;
            else return undefined;
          }
        }
        i++;
        value = elements;
      } else {
        const end = valueEnd(bytes, i);
        if (end < 0) return undefined;
        value = parse(i, end);
        i = end;
      }
      // As JSON.parse: a repeated key keeps its last value; "__proto__" is an own property.
      Object.defineProperty(doc, key, { value, enumerable: true, writable: true, configurable: true });
      i = skipSpace(bytes, i);
      if (bytes[i] === COMMA) i = skipSpace(bytes, i + 1);
      else if (bytes[i] === CLOSE_BRACE) return skipSpace(bytes, i + 1) === bytes.length && !lineArrays?.length ? doc : undefined;
      else return undefined;
    }
  } catch {
    return undefined;
  }
}
