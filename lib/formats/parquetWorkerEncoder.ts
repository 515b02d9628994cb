/**
 * Parquet written in a worker thread, for the CLI: the thread starts (and compiles parquet-wasm's
 * wasm) on the machine's other core while this one reads and parses the raw snapshot; later this
 * thread builds each table's Arrow IPC stream, hands it over (transferred, not copied) and
 * encodes the CSV files while the worker writes the Parquet ones. The bytes are those of
 * parquet.ts: the same function writes them (parquetFromIpc.ts).
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
import { checkedArrowIpc } from "./parquetIpc";
import { transferList } from "./transferList";

export interface ParquetWorkerEncoder extends ParquetEncoder {
  /** The Parquet bytes of a table given as its Arrow IPC stream (checkedArrowIpc), which is transferred to the thread. */
  encodeArrowIpc(table: TableName, ipc: Uint8Array): Promise<Uint8Array>;
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

/** Starts the thread now, so it is ready by the time the first table is encoded. */
export function startParquetWorker(): ParquetWorkerEncoder {
  const worker = startWorker();
  // Referenced only while a table is being encoded: an idle worker must not keep the process alive.
  worker.unref();
  const pending = new Map<number, { table: TableName; resolve: (bytes: Uint8Array) => void; reject: (err: Error) => void }>();
  let stopped: string | undefined;
  let nextId = 0;

  const failAll = (why: string) => {
    stopped ??= why; // the first reason: after close(), the exit that follows is not news
    for (const { table, reject } of pending.values()) reject(new ParquetWorkerError(table, stopped));
    pending.clear();
    worker.unref();
  };
  worker.on("message", (reply: ParquetReply) => {
    const request = pending.get(reply.id);
    if (!request) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ("error" in reply) request.reject(new ParquetWorkerError(request.table, reply.error));
    else request.resolve(reply.bytes);
  });
  worker.on("error", (err) => failAll(`${err.message} (if a file of .build/cli/ is missing, delete that folder and run again to rebuild it)`));
  worker.on("exit", (code) => failAll(`the thread stopped (exit code ${code})`));

  const encodeArrowIpc = (table: TableName, ipc: Uint8Array): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      if (stopped !== undefined) return reject(new ParquetWorkerError(table, stopped));
      const id = nextId++;
      if (pending.size === 0) worker.ref();
      pending.set(id, { table, resolve, reject });
      const request: ParquetRequest = { id, ipc };
      worker.postMessage(request, transferList(ipc));
    });

  return {
    encodeArrowIpc,
    async encode(table: TableName, columns: readonly ColumnDef[], rows: readonly Row[]): Promise<Uint8Array> {
      if (stopped !== undefined) throw new ParquetWorkerError(table, stopped);
      return encodeArrowIpc(table, checkedArrowIpc(columns, rows));
    },
    async close(): Promise<void> {
      failAll("the worker was closed");
      await worker.terminate();
    },
  };
}
