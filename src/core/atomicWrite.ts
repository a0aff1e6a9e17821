/**
 * Atomic, durable file writes: the data goes to a uniquely named temporary file beside the target,
 * is flushed to the disk, and the temporary file is renamed over the target; then the folder is
 * flushed, so that the rename itself survives a power cut. A rename within one folder is atomic, so
 * a reader (the viewer following a run, a resumed training, `tf.loadLayersModel`) never sees half a
 * file, and a crash leaves the old file intact. Without the first flush the disk may record the
 * rename before the data, and a power cut would leave an empty file under the real name. The
 * temporary file is removed if the write fails.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

function temporaryName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Write `data` to `file` through a temporary file renamed over it: readers see the old file or the new one, never half. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const tmp = temporaryName(file);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDirSync(path.dirname(file));
}

/** The asynchronous `writeFileAtomicSync`. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryName(file);
  try {
    await writeFileSynced(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(file));
}

/**
 * Write `data` to `file` and flush it to the disk, without a temporary file: for files in a
 * folder that nobody reads until the whole folder is complete and renamed into place.
 */
export async function writeFileSynced(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flush a folder's entries (files created, renamed or removed in it) to the disk. */
export async function syncDir(dir: string): Promise<void> {
  // Windows cannot open a folder as a file; NTFS journals renames itself.
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The synchronous `syncDir`. */
function syncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
