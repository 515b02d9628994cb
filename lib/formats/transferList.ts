/**
 * What postMessage may transfer (move, not copy) to send `bytes`: its buffer, when the view
 * spans all of it. A view into a larger or shared buffer (Node's Buffer pool) is copied instead:
 * transferring would take the rest of that buffer from its other users.
 */
export function transferList(bytes: Uint8Array): ArrayBuffer[] {
  const buffer = bytes.buffer;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength ? [buffer] : [];
}
