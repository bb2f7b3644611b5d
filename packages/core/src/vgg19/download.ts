import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

import { StyleTransferError } from '@neural-style/vocabulary';

export const CANONICAL_WEIGHTS_FILE = 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5';
export const CANONICAL_WEIGHTS_URL = `https://storage.googleapis.com/tensorflow/keras-applications/vgg19/${CANONICAL_WEIGHTS_FILE}`;
/** The file_hash keras-applications passes to get_file for this file. */
export const CANONICAL_WEIGHTS_MD5 = '253f8cb515780f3b799900260a226db6';

const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export interface DownloadWeightsOptions {
  /** Defaults to $XDG_CACHE_HOME/neural-style or ~/.cache/neural-style. */
  cacheDir?: string;
  url?: string;
  /** Expected SHA-256 (hex); takes precedence over md5. */
  sha256?: string;
  /** Expected MD5 (hex); defaults to CANONICAL_WEIGHTS_MD5. */
  md5?: string;
  signal?: AbortSignal;
  /** Give up when no bytes arrive for this long, so a dead connection cannot hang the CLI. */
  stallTimeoutMs?: number;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export function defaultWeightsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'neural-style');
}

/** Where `style-transfer weights` puts the canonical file. */
export function cachedWeightsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(defaultWeightsCacheDir(env), CANONICAL_WEIGHTS_FILE);
}

/**
 * Downloads the canonical Keras VGG19 notop file into the cache directory and returns its path.
 * Streams into a temporary file beside the target and renames it only after the checksum matches,
 * so the cache never holds a partial or corrupt file. A verified cached file is reused as is.
 */
export async function downloadVgg19Weights(options: DownloadWeightsOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? defaultWeightsCacheDir();
  const url = options.url ?? CANONICAL_WEIGHTS_URL;
  const algorithm = options.sha256 ? 'sha256' : 'md5';
  const expected = (options.sha256 ?? options.md5 ?? CANONICAL_WEIGHTS_MD5).toLowerCase();
  const target = path.join(cacheDir, CANONICAL_WEIGHTS_FILE);

  if ((await fileDigest(target, algorithm).catch(() => undefined)) === expected) return target;

  await mkdir(cacheDir, { recursive: true }).catch((error: unknown) => {
    throw downloadFailed(`cannot create the weights cache directory ${cacheDir} (${errorMessage(error)})`);
  });
  const temporary = `${target}.${process.pid}.${randomUUID().slice(0, 8)}.part`;
  try {
    const actual = await fetchToFile(url, temporary, algorithm, options);
    if (actual !== expected) {
      throw downloadFailed(
        `checksum mismatch for ${url}: ${algorithm} ${actual}, expected ${expected}; the download was discarded`,
      );
    }
    await rename(temporary, target);
    return target;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function fetchToFile(
  url: string,
  destination: string,
  algorithm: 'md5' | 'sha256',
  options: DownloadWeightsOptions,
): Promise<string> {
  const stall = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const armStallTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), stallTimeoutMs);
  };
  const describeFailure = (error: unknown): StyleTransferError => {
    if (options.signal?.aborted) return new StyleTransferError('ABORTED', 'VGG19 weights download aborted');
    if (stall.signal.aborted) {
      return downloadFailed(`no data from ${url} for ${stallTimeoutMs / 1000} s; ${howToProvideByHand(url)}`);
    }
    return downloadFailed(`could not download ${url} (${errorMessage(error)}); ${howToProvideByHand(url)}`);
  };

  armStallTimer();
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      if (options.signal?.aborted || stall.signal.aborted) throw describeFailure(error);
      throw downloadFailed(
        `could not reach ${new URL(url).host} (${errorMessage(error)}); ${howToProvideByHand(url)}`,
      );
    }
    if (!response.ok || !response.body) {
      throw downloadFailed(`${url} answered HTTP ${response.status}; ${howToProvideByHand(url)}`);
    }
    const totalBytes = Number(response.headers.get('content-length')) || undefined;
    const hash = createHash(algorithm);
    let receivedBytes = 0;
    await pipeline(
      Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          armStallTimer();
          hash.update(chunk);
          receivedBytes += chunk.length;
          options.onProgress?.(receivedBytes, totalBytes);
          yield chunk;
        }
      },
      createWriteStream(destination),
    ).catch((error: unknown) => {
      throw describeFailure(error);
    });
    return hash.digest('hex');
  } finally {
    clearTimeout(timer);
  }
}

function howToProvideByHand(url: string): string {
  return `download ${url} by hand and set VGG19_WEIGHTS to that file (or to a TF.js VGG19 model directory)`;
}

function downloadFailed(problem: string): StyleTransferError {
  return new StyleTransferError('WEIGHTS_DOWNLOAD_FAILED', `VGG19 weights download failed: ${problem}.`);
}

async function fileDigest(file: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps the useful part (ENOTFOUND, ECONNREFUSED ...) in the cause.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
