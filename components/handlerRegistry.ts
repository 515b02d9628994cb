/**
 * The one list of deployed handlers: file under handlers/ and the factory export the Lambda
 * runs once per cold start. Used by the components, test/serialize.test.ts and bench/lambda.ts.
 * The handler modules are imported for their types only (erased at compile time), so loading
 * this file loads no handler, SDK client or logger, yet the type checker refuses an export name
 * the module does not have or that is not a handler factory.
 */
import type * as extractModule from "../handlers/extract";
import type * as transformModule from "../handlers/transform";
import type * as viewsModule from "../handlers/views";
import type * as fanoutModule from "../handlers/fanout";
import type * as compactModule from "../handlers/compact";
import { EXTRACT_HANDLER } from "../contracts/extract";
import { TRANSFORM_HANDLER } from "../contracts/transform";
import { VIEWS_HANDLER } from "../contracts/views";
import { FANOUT_HANDLER } from "../contracts/fanout";
import { COMPACT_HANDLER } from "../contracts/compact";

/** Export names of a module whose value builds a Lambda handler (a function returning an async function). */
type FactoryExport<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => (...a: never[]) => Promise<unknown> ? K : never;
}[keyof M] &
  string;

export interface HandlerRef {
  /** handlers/<entry>.ts */
  readonly entry: string;
  readonly exportName: string;
}

/** Checks `ref.exportName` against the module type M at compile time; returns `ref` unchanged. */
export function registered<M>() {
  return <const R extends { entry: string; exportName: FactoryExport<M> }>(ref: R): R => ref;
}

export const HANDLERS = {
  extract: registered<typeof extractModule>()(EXTRACT_HANDLER),
  transform: registered<typeof transformModule>()(TRANSFORM_HANDLER),
  views: registered<typeof viewsModule>()(VIEWS_HANDLER),
  fanout: registered<typeof fanoutModule>()(FANOUT_HANDLER),
  compact: registered<typeof compactModule>()(COMPACT_HANDLER),
} as const satisfies Record<string, HandlerRef>;

export type HandlerName = keyof typeof HANDLERS;
export const HANDLER_NAMES = Object.keys(HANDLERS) as HandlerName[];
