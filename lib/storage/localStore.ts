import { promises as fs } from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { ObjectNotFoundError, type ObjectStore } from "./objectStore";
import { removeStaleTmpFiles, tmpPathFor } from "./staleTmp";

export class SymlinkInLakeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SymlinkInLakeError";
  }
}

/**
 * A lake folder on disk. Writes go to a temporary file then rename, so a crash never leaves half
 * a file; the first write into a folder removes the stale temporary files a killed run left there.
 */
export class LocalStore implements ObjectStore {
  readonly root: string;
  /** Folders already swept for stale .tmp files by this store (once each is enough). */
  private readonly swept = new Set<string>();
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get location(): string {
    return this.root;
  }

  pathOf(key: string): string {
    const full = path.resolve(this.root, key);
    if (full !== this.root && !full.startsWith(this.root + path.sep)) {
      throw new Error(`Key "${key}" points outside the lake ${this.root}.`);
    }
    return full;
  }

  /**
   * Refuses a write through a symbolic link below the lake folder: a linked date folder
   * (snapshot_date=... -> another lake) would have the write land in that other lake, replacing
   * its files. The lake folder itself may be a link (it is the user's choice of where the lake is).
   */
  private async assertNoLinkOnTheWay(target: string): Promise<void> {
    const parts = path.relative(this.root, target).split(path.sep);
    let current = this.root;
    for (const part of parts) {
      current = path.join(current, part);
      let stat;
      try {
        stat = await fs.lstat(current);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // nothing below can exist yet
        throw err;
      }
      if (stat.isSymbolicLink()) {
        const to = await fs.readlink(current).catch(() => "?");
        throw new SymlinkInLakeError(
          `Refusing to write ${path.relative(this.root, target)}: ${current} is a symbolic link (to ${to}), so the write would land outside the lake ${this.root}. ` +
            `Replace the link with a real folder (copy what it points to), or point --lake at the other lake.`,
        );
      }
    }
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await this.assertNoLinkOnTheWay(target);
    await fs.mkdir(dir, { recursive: true });
    if (!this.swept.has(dir)) {
      this.swept.add(dir);
      await removeStaleTmpFiles(dir);
    }
    const tmp = tmpPathFor(target, randomBytes(4).toString("hex"));
    try {
      await fs.writeFile(tmp, body);
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /** ObjectStore.create: the body goes to a temporary file that is hard-linked to the key; link(2) fails with EEXIST when the key exists, atomically. */
  async create(key: string, body: Uint8Array | string): Promise<boolean> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = tmpPathFor(target, randomBytes(4).toString("hex"));
    try {
      await fs.writeFile(tmp, body);
      await fs.link(tmp, target);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new ObjectNotFoundError(key, this.location);
      throw err;
    }
  }

  async *getPieces(key: string, pieceBytes = 1 << 20): AsyncIterable<Uint8Array> {
    let file: fs.FileHandle;
    try {
      file = await fs.open(this.pathOf(key), "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new ObjectNotFoundError(key, this.location);
      throw err;
    }
    try {
      // One buffer for every piece (see ObjectStore.getPieces): pieces that died one by one
      // would pile up as garbage outside the heap, which V8 collects late.
      const buffer = Buffer.allocUnsafe(pieceBytes);
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, pieceBytes, null);
        if (bytesRead === 0) return;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await file.close();
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.pathOf(key))).isFile();
    } catch {
      return false;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
        throw err;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else if (e.isFile() && !e.name.endsWith(".tmp")) {
          const key = path.relative(this.root, full).split(path.sep).join("/");
          if (key.startsWith(prefix)) keys.push(key);
        }
      }
    };
    // Start from the deepest folder the prefix names, not the whole lake.
    const dirPart = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    await walk(this.pathOf(dirPart || "."));
    return keys.sort();
  }
}
