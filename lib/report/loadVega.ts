import * as path from "node:path";
import type { loadVega as LoadVega } from "./vegaModules";

/**
 * Vega and Vega-Lite, through lib/report/vegaModules.js required from its own place: two folders
 * below the project root from here and from the CLI's bundle in .build/cli/ alike (as sql/ is
 * found in lib/query/sqlFiles.ts). Bundled, its import() would run in the bundle's vm.Script,
 * which has no dynamic import.
 */
export const loadVega: typeof LoadVega = () => (require(path.resolve(__dirname, "../../lib/report/vegaModules.js")) as { loadVega: typeof LoadVega }).loadVega();
