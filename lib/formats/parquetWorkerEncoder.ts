/**
 * Parquet written in a worker thread, for the CLI: the thread starts (and loads parquet-wasm) on
 * the machine's other core while this one builds the rows; then this thread builds each table's
 * column buffers (arrowColumns.ts), hands them over (transferred, not copied) and encodes the CSV files while the worker makes the Arrow IPC stream and writes the
 * Parquet. The bytes are those of parquet.ts: the same functions make them.
 *
 * CLI only: the Lambda handlers are serialized closures (aws.lambda.CallbackFunction) with no
 * file of their own to start a thread from, and a Lambda's one vCPU at the default memory size
 * would gain little from a second thread.
 *
 * A worker that fails (cannot start, crashes, or answers with an error) rejects the tables it
 * was given with an error that names the table; nothing is written for that snapshot
 * (writeCheckedTables encodes everything before writing). There is no silent fallback to
 * encoding inline: a worker that cannot start means a broken build, and the message says so.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { ColumnDef, Row, TableName } from "../tables/schema";
import type { ParquetEncoder, ParquetReply, ParquetRequest } from "./parquetEncoder";
import { arrayBuffersOf, checkedColumnBuffers, type ColumnBuffers } from "./arrowColumns";

/** The buffers that can move to the thread: each whole ArrayBuffer once (one shared by two views is listed once). */
function transferable(buffers: readonly ColumnBuffers[]): ArrayBuffer[] {
  return [...new Set(arrayBuffersOf(buffers))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

export interface ParquetWorkerEncoder extends ParquetEncoder {
  /** The Parquet bytes of a table of `length` rows given as its column buffers (checkedColumnBuffers), which are transferred to the thread. */
  encodeColumns(table: TableName, columns: readonly ColumnDef[], length: number, buffers: ColumnBuffers[]): Promise<Uint8Array>;
  /** Stops the thread; whatever it was still encoding is rejected. */
  close(): Promise<void>;
}

/** The worker's script: parquetWorker.js beside this code (cli/launch.js bundles it into .build/cli/), or its TypeScript source under ts-node (tests). */
function startWorker(): Worker {
  if (__filename.endsWith(".ts")) {
    const source = path.join(__dirname, "parquetWorker.ts");
    const code = `require(require.resolve("ts-node/register/transpile-only", { paths: [${JSON.stringify(__dirname)}] })); require(${JSON.stringify(source)});`;
    return new Worker(code, { eval: true });
  }
  return new Worker(path.join(__dirname, "parquetWorker.js"));
}

export class ParquetWorkerError extends Error {
  constructor(table: TableName, why: string) {
    super(`Parquet encoding of table ${table} failed in the worker thread: ${why}`);
    this.name = "ParquetWorkerError";
  }
}

/**
 * An encoder whose thread starts when the first tables are expected (expectTables) or encoded:
 * after the raw snapshot is parsed, so the thread and its wasm (about 30 MiB) are not alive beside
 * the raw bytes and the parsed document, the largest moment of a run. The thread is ready in
 * about the time the rows take to build.
 */
export function startParquetWorker(): ParquetWorkerEncoder {
  const pending = new Map<number, { table: TableName; resolve: (bytes: Uint8Array) => void; reject: (err: Error) => void }>();
  let worker: Worker | undefined;
  let stopped: string | undefined;
  let nextId = 0;

  const failAll = (why: string) => {
    stopped ??= why; // the first reason: after close(), the exit that follows is not news
    for (const { table, reject } of pending.values()) reject(new ParquetWorkerError(table, stopped));
    pending.clear();
    worker?.unref();
  };
  const thread = (): Worker => {
    if (worker) return worker;
    const started = startWorker();
    // Referenced only while a table is being encoded: an idle worker must not keep the process alive.
    started.unref();
    started.on("message", (reply: ParquetReply) => {
      const request = pending.get(reply.id);
      if (!request) return;
      pending.delete(reply.id);
      if (pending.size === 0) started.unref();
      if ("error" in reply) request.reject(new ParquetWorkerError(request.table, reply.error));
      else request.resolve(reply.bytes);
    });
    started.on("error", (err) => failAll(`${err.message} (if a file of .build/cli/ is missing, delete that folder and run again to rebuild it)`));
    started.on("exit", (code) => failAll(`the thread stopped (exit code ${code})`));
    return (worker = started);
  };

  const encodeColumns = (table: TableName, columns: readonly ColumnDef[], length: number, buffers: ColumnBuffers[]): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      if (stopped !== undefined) return reject(new ParquetWorkerError(table, stopped));
      const id = nextId++;
      const w = thread();
      if (pending.size === 0) w.ref();
      pending.set(id, { table, resolve, reject });
      const request: ParquetRequest = { id, columns, length, buffers };
      w.postMessage(request, transferable(buffers));
    });

  return {
    encodeColumns,
    async encode(table: TableName, columns: readonly ColumnDef[], rows: readonly Row[]): Promise<Uint8Array> {
      if (stopped !== undefined) throw new ParquetWorkerError(table, stopped);
      return encodeColumns(table, columns, rows.length, checkedColumnBuffers(columns, rows));
    },
    expectTables(): void {
      if (stopped === undefined) thread();
    },
    async close(): Promise<void> {
      failAll("the worker was closed");
      await worker?.terminate();
    },
  };
}
