/**
 * A worker thread that writes Parquet (parquetWorkerEncoder.ts starts it): it takes a table's
 * Arrow IPC stream and answers with the Parquet bytes, or with the error's message. Both buffers
 * are transferred, not copied. It loads parquet-wasm (and compiles its wasm) on its own core.
 */
import { parentPort } from "node:worker_threads";
import type { ParquetReply, ParquetRequest } from "./parquetEncoder";
import { parquetOfArrowIpc } from "./parquetFromIpc";
import { transferList } from "./transferList";

const port = parentPort;
if (!port) throw new Error("lib/formats/parquetWorker is a worker thread's script: start it with startParquetWorker (parquetWorkerEncoder.ts).");

port.on("message", ({ id, ipc }: ParquetRequest) => {
  let reply: ParquetReply;
  try {
    reply = { id, bytes: parquetOfArrowIpc(ipc) };
  } catch (err) {
    reply = { id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply, "bytes" in reply ? transferList(reply.bytes) : []);
});
