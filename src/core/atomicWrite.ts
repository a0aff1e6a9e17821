/**
 * Atomic file writes: the data goes to a uniquely named temporary file beside the target, which is
 * then renamed over it. A rename within one folder is atomic, so a reader (the viewer following a
 * run, a resumed training, `tf.loadLayersModel`) never sees half a file, and a crash leaves the old
 * file intact. The temporary file is removed if the write fails.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

function temporaryName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Write `data` to `file` through a temporary file renamed over it: readers see the old file or the new one, never half. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const tmp = temporaryName(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The asynchronous `writeFileAtomicSync`. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryName(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
