/**
 * A worker thread that writes Parquet (parquetWorkerEncoder.ts starts it): it takes a table's
 * column buffers, makes their Arrow IPC stream and its Parquet bytes, and answers with the bytes
 * or with the error's message. Buffers and bytes are transferred, not copied. It loads
 * parquet-wasm (and compiles the wasm) on its own core; the stream is assembled without
 * apache-arrow (arrowIpc.ts).
 */
import { parentPort } from "node:worker_threads";
import type { ParquetReply, ParquetRequest } from "./parquetEncoder";
import { parquetOfArrowIpc } from "./parquetFromIpc";
import { arrowIpcStream } from "./arrowIpc";
import { transferList } from "./transferList";

const port = parentPort;
if (!port) throw new Error("lib/formats/parquetWorker is a worker thread's script: start it with startParquetWorker (parquetWorkerEncoder.ts).");

port.on("message", ({ id, columns, length, buffers }: ParquetRequest) => {
  let reply: ParquetReply;
  try {
    reply = { id, bytes: parquetOfArrowIpc(arrowIpcStream(columns, length, buffers), columns) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, "bytes" in reply ? transferList(reply.bytes) : []);
});
