import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeImage } from '@neural-style/core';
import { randomVggWeights, writeTfjsWeights } from '@neural-style/core/testing';
import { generateWebhookSecret } from '@neural-style/contract';

/**
 * A tiny random VGG19 written as a TF.js layers-model directory, so worker processes load it through
 * VGG19_WEIGHTS exactly as they load the real weights.
 */
export async function writeTinyWeights(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tiny-vgg-'));
  await writeTfjsWeights(dir, randomVggWeights({ seed: 7 }));
  return dir;
}

/** A small PNG with structure (gradients and stripes); `variant` changes the pattern. */
export async function makePng(width: number, height: number, variant = 0): Promise<Uint8Array> {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (Math.round((255 * x) / Math.max(1, width - 1)) ^ (variant * 37)) & 255;
      data[i + 1] = (((x + variant * y) >> 2) % 2) * 120 + Math.round((100 * y) / height);
      data[i + 2] = (variant * 91 + x * y) % 256;
    }
  }
  return encodeImage({ data, width, height }, 'png');
}

export async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Environment of a worker (or API) under test: short locks so a dead worker's job is picked up within
 * seconds, loopback webhooks allowed, the plain JS backend (no thread pool to fight over when test files
 * run side by side).
 */
export function testEnv(overrides: Record<string, string>): Record<string, string | undefined> {
  return {
    ...process.env,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    STYLE_BACKEND: 'cpu',
    WEBHOOK_SECRET: generateWebhookSecret(),
    WEBHOOK_ALLOW_PRIVATE: 'true',
    URL_FETCH_ALLOW_PRIVATE: 'true',
    JOB_LOCK_MS: '2000',
    JOB_STALLED_INTERVAL_MS: '1000',
    SHUTDOWN_GRACE_MS: '0',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://api.test',
    ...overrides,
  };
}
