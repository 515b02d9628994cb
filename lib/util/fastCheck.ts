/**
 * A fast yes/no check compiled from a zod schema, for the hot path: it says whether zod would
 * accept a value without building zod's result, issues or copies. zod stays the one definition
 * and the only explanation: on "no", call the schema's safeParse for the error message, so the
 * messages are zod's own.
 *
 * It follows the schema's definition (zod 4's `_zod.def`), so a change to a schema changes the
 * check with it. Every kind of node or check it does not know exactly is handed to zod for that
 * node (`schema.safeParse(v).success`): slower there, never different. A node is only ever
 * answered here when the answer is the one zod gives (test/fastCheck.test.ts holds that on
 * valid and broken values).
 */
import type { z } from "zod";

type Check = (value: unknown) => boolean;

interface Def {
  type: string;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  checks?: { _zod: { def: CheckDef } }[];
  // The fields below exist depending on the type.
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  entries?: Record<string, unknown>;
}

interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: number;
  inclusive?: boolean;
}

const compiled = new WeakMap<z.ZodType, Check>();

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def & Partial<CheckDef> } })._zod.def;

/** The check of one zod check on a value already of the right type, or undefined when zod must decide. */
function checkOf(def: CheckDef, kind: "string" | "number" | "array"): Check | undefined {
  const size = kind === "array" ? (v: unknown) => (v as unknown[]).length : (v: unknown) => (v as string).length;
  switch (def.check) {
    case "min_length":
      return kind === "number" ? undefined : (v) => size(v) >= def.minimum!;
    case "max_length":
      return kind === "number" ? undefined : (v) => size(v) <= def.maximum!;
    case "length_equals":
      return kind === "number" ? undefined : (v) => size(v) === def.length!;
    case "greater_than":
      return kind !== "number" ? undefined : def.inclusive ? (v) => (v as number) >= def.value! : (v) => (v as number) > def.value!;
    case "less_than":
      return kind !== "number" ? undefined : def.inclusive ? (v) => (v as number) <= def.value! : (v) => (v as number) < def.value!;
    case "number_format":
      if (kind !== "number") return undefined;
      if (def.format === "safeint") return (v) => Number.isSafeInteger(v);
      if (def.format === "int32") return (v) => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) <= 2 ** 31 - 1;
      if (def.format === "uint32") return (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 2 ** 32 - 1;
      return undefined;
    case "string_format": {
      // Only a plain regex and the ISO formats, whose zod check is their pattern and nothing else
      // ($ZodISODate and the others only set def.pattern for $ZodCheckStringFormat): other
      // formats (email, url, ...) may check more than their pattern.
      if (kind !== "string" || !PATTERN_ONLY_FORMATS.has(def.format ?? "") || !def.pattern) return undefined;
      const pattern = def.pattern;
      return (v) => {
        pattern.lastIndex = 0;
        return pattern.test(v as string);
      };
    }
    default:
      return undefined;
  }
}

const PATTERN_ONLY_FORMATS = new Set(["regex", "date", "datetime", "time", "duration"]);

/** A type test followed by the node's checks, or undefined when one of the checks is unknown. */
function withChecks(def: Def & Partial<CheckDef>, kind: "string" | "number" | "array", isType: Check): Check | undefined {
  const defs: CheckDef[] = (def.checks ?? []).map((c) => c._zod.def);
  if (def.check) defs.push(def as CheckDef); // z.iso.datetime(), z.int32(): the schema is its own check
  const checks: Check[] = [];
  for (const d of defs) {
    const c = checkOf(d, kind);
    if (!c) return undefined;
    checks.push(c);
  }
  if (checks.length === 0) return isType;
  return (v) => {
    if (!isType(v)) return false;
    for (let i = 0; i < checks.length; i++) if (!checks[i](v)) return false;
    return true;
  };
}

/**
 * An object's check with each key read by name (`o["id"]`), compiled per object schema: V8 caches
 * such reads, while `o[keys[i]]` in a loop is one uncached lookup per key (see
 * lib/formats/compileRow.ts). Run cold, as the CLI runs, checking the 10,000-entry benchmark
 * snapshot's tracks, artists and albums took 40 to 55 ms with the loop. Keys become JSON string
 * literals, which are JavaScript string literals, so no key can become code.
 */
function objectCheck(keys: readonly string[], checks: readonly Check[], known: ReadonlySet<string> | undefined): Check {
  const reads = keys.map((key, i) => `if (!check${i}(o[${JSON.stringify(key)}])) return false;`);
  const strangers = known ? "for (const k in o) if (!known.has(k)) return false;" : "";
  const source = `"use strict";\nreturn function (o) {\nif (typeof o !== "object" || o === null || Array.isArray(o)) return false;\n${reads.join("\n")}\n${strangers}\nreturn true;\n};`;
  // Code from text (see above): only the schema's keys go into it, each as a string literal.
  return new Function(...keys.map((_, i) => `check${i}`), "known", source)(...checks, known) as Check;
}

function build(schema: z.ZodType): Check {
  const def = defOf(schema);
  const byZod: Check = (v) => schema.safeParse(v).success;
  const noChecks = !def.checks || def.checks.length === 0;
  switch (def.type) {
    case "string":
      return withChecks(def, "string", (v) => typeof v === "string") ?? byZod;
    case "number":
      // zod 4 rejects NaN and ±Infinity.
      return withChecks(def, "number", (v) => typeof v === "number" && Number.isFinite(v)) ?? byZod;
    case "boolean":
      return noChecks ? (v) => typeof v === "boolean" : byZod;
    case "null":
      return noChecks ? (v) => v === null : byZod;
    case "undefined":
      return noChecks ? (v) => v === undefined : byZod;
    case "unknown":
    case "any":
      return noChecks ? () => true : byZod;
    case "literal": {
      const values = def.values ?? [];
      return noChecks ? (v) => values.includes(v) : byZod;
    }
    case "enum": {
      const values = Object.values(def.entries ?? {});
      return noChecks ? (v) => values.includes(v) : byZod;
    }
    case "optional": {
      if (!noChecks) return byZod;
      const inner = fastCheck(def.innerType!);
      return (v) => v === undefined || inner(v);
    }
    case "nullable": {
      if (!noChecks) return byZod;
      const inner = fastCheck(def.innerType!);
      return (v) => v === null || inner(v);
    }
    case "union": {
      if (!noChecks) return byZod;
      const options = def.options!.map((o) => fastCheck(o));
      return (v) => options.some((o) => o(v));
    }
    case "array": {
      const element = fastCheck(def.element!);
      return (
        withChecks(def, "array", (v) => {
          if (!Array.isArray(v)) return false;
          for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
          return true;
        }) ?? byZod
      );
    }
    case "record": {
      // z.record(z.string(), value): every own enumerable key but "__proto__" (which zod skips)
      // has a valid value. Only for what JSON.parse makes, an object of Object.prototype without
      // symbol keys; anything else zod decides.
      const key = def.keyType ? defOf(def.keyType) : undefined;
      if (!noChecks || key?.type !== "string" || (key.checks && key.checks.length > 0) || key.check) return byZod;
      const value = fastCheck(def.valueType!);
      return (v) => {
        if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype || Object.getOwnPropertySymbols(v).length > 0) return byZod(v);
        const o = v as Record<string, unknown>;
        for (const k of Object.keys(o)) if (k !== "__proto__" && !value(o[k])) return false;
        return true;
      };
    }
    case "object": {
      if (!noChecks) return byZod;
      const keys = Object.keys(def.shape!);
      const checks = keys.map((k) => fastCheck(def.shape![k]));
      const catchall = def.catchall ? defOf(def.catchall).type : undefined;
      // No catchall: zod strips unknown keys; "unknown": keeps them; "never": rejects them. Any other catchall: zod decides.
      if (catchall !== undefined && catchall !== "unknown" && catchall !== "never") return byZod;
      return objectCheck(keys, checks, catchall === "never" ? new Set(keys) : undefined);
    }
    default:
      return byZod;
  }
}

/** The compiled check of a schema (compiled once per schema). */
export function fastCheck(schema: z.ZodType): Check {
  let check = compiled.get(schema);
  if (!check) {
    // Set before building, so a schema that reaches itself (z.lazy) finds a check in progress.
    compiled.set(schema, (v) => check!(v));
    check = build(schema);
    compiled.set(schema, check);
  }
  return check;
}
