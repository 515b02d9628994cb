/**
 * Environment variables between a component (which sets them) and its handler (which reads
 * them): the parsing both sides share. No runtime imports, so components can load a contract
 * without pulling a handler, an SDK client or the logger.
 */

/** The one whole-number parser of the project (Pulumi config and Lambda environment alike). */
export function parseWholeNumber(value: string | number | undefined, what: string, range: { min: number; max: number }, fix = ""): number {
  // Decimal digits only: Number() alone would also take "0x10", "1e3" and "".
  const n = typeof value === "number" ? value : value !== undefined && /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < range.min || n > range.max) {
    throw new Error(`${what} is ${JSON.stringify(value)}: use a whole number from ${range.min} to ${range.max}${fix ? ` (${fix})` : ""}.`);
  }
  return n;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A variable that must be set and non-empty (a bucket, an ARN, a name). */
export function requireEnv(env: Env, name: string, functionLabel: string): string {
  const value = env[name];
  if (!value) throw new Error(`The ${functionLabel} function needs ${name} in its environment; redeploy with \`pulumi up\`.`);
  return value;
}

/** An optional whole number: undefined when unset or empty. */
export function optionalWholeNumber(env: Env, name: string, range: { min: number; max: number }): number | undefined {
  const raw = env[name];
  return raw === undefined || raw === "" ? undefined : parseWholeNumber(raw, name, range);
}

export function choiceEnv<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name] || fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new Error(`${name}="${raw}": use ${choices.join(" or ")}.`);
  return raw as T;
}
