import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { probeImage } from '../image.js';
import { CliError } from './exit-codes.js';

const errnoCode = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

/**
 * Reads an input image and checks its header (format, pixel limit), so a bad input fails in
 * milliseconds instead of after the weights and the backend are loaded.
 */
export async function readInputImage(
  file: string,
  label: string,
  maxInputPixels: number | undefined,
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') throw new CliError('input', `${label} not found: ${file}`);
    if (code === 'EISDIR') throw new CliError('input', `${label} is a directory, not an image: ${file}`);
    throw new CliError('input', `cannot read ${label} ${file} (${code ?? String(error)})`);
  }
  await probeImage(bytes, { label: `${label} ${file}`, maxInputPixels });
  return bytes;
}

/** Creates the folder and checks it is writable before a long run, not after it. */
export async function ensureWritableDir(dir: string, what: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new CliError('output', `cannot write ${what} into ${dir} (${errnoCode(error) ?? String(error)})`);
  }
}

/** Temp file in the same folder, then rename: readers never see a half-written image. */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const temporary = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temporary, bytes);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new CliError('output', `cannot write ${file} (${errnoCode(error) ?? String(error)})`);
  }
}
