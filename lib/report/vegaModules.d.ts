import type * as Vega from "vega";

/** What the page uses of Vega-Lite: compiling a Vega-Lite spec to a Vega spec. */
export interface VegaLite {
  compile(spec: object): { spec: Vega.Spec };
}

export function loadVega(): Promise<{ vega: typeof Vega; vegaLite: VegaLite }>;
