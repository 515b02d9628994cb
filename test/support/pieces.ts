/** The bytes of `text` in pieces of `size`, every piece in the same buffer, overwritten by the next (as LocalStore.getPieces does). */
export async function* piecesOf(text: string, size: number): AsyncIterable<Uint8Array> {
  const all = Buffer.from(text, "utf8");
  const shared = Buffer.alloc(size);
  for (let at = 0; at < all.length; at += size) {
    const n = all.copy(shared, 0, at, at + size);
    yield shared.subarray(0, n);
  }
}
