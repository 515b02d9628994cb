"use strict";
/**
 * Loads Vega and Vega-Lite. Both ship as ES modules only, and Vega's graph has a top-level
 * await (vega-canvas tries `await import("canvas")`), which require() cannot load (Node's
 * ERR_REQUIRE_ASYNC_MODULE). This file is plain CommonJS JavaScript, not compiled by
 * TypeScript (which would turn import() into require()), so the import() below stays Node's
 * real dynamic import; cli/launch.js keeps both packages outside the bundle for the same reason.
 */
exports.loadVega = () => Promise.all([import("vega"), import("vega-lite")]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
