import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@neural-style/infra/testing';

/**
 * The probe's memory case: N concurrent ~106 MB JSON bodies (four images at MAX_UPLOAD_BYTES in base64)
 * against an API process of its own, while /healthz is polled every 100 ms. Prints JSON: the answers,
 * the API's peak RSS (VmHWM) and the /healthz latencies.
 *
 *   npx tsx scripts/bench-large-bodies.ts [MAX_INFLIGHT_BODY_BYTES (0 = off)] [concurrent bodies, default 3]
 */
const budget = process.argv[2] ?? String(128 * 1024 * 1024);
const concurrent = Number(process.argv[3] ?? 3);
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

const port = await freePort();
const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-bodies-'));
const api = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'apps/api/src/main.ts'], {
  cwd: repoRoot,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `{bench-bodies-${randomBytes(4).toString('hex')}}`,
    MAX_INFLIGHT_BODY_BYTES: budget,
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    RATE_LIMIT_PER_MINUTE: '0',
    API_KEYS: '',
    LOG_LEVEL: 'silent',
  },
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let ready = false; !ready;) {
    ready = await fetch(`${base}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const image = () => ({ data: randomBytes(MAX_UPLOAD_BYTES).toString('base64') });
  const body = JSON.stringify({
    content: image(),
    init: image(),
    styles: [image(), image()],
    options: { init: 'image' },
  });
  const rssAtStart = await peakRssMb(api.pid!);

  const latencies: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const started = performance.now();
      await fetch(`${base}/healthz`).catch(() => undefined);
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: concurrent }, async () => {
      const response = await fetch(`${base}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).catch((error: unknown) => ({ status: 0, json: async () => ({ code: String(error) }) }));
      const { code } = (await response.json()) as { code?: string };
      return `${response.status} ${code ?? ''}`.trim();
    }),
  );
  const elapsedMs = performance.now() - started;
  polling = false;
  await poller;
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      maxInflightBodyBytes: Number(budget),
      bodyBytes: body.length,
      concurrent,
      answers,
      elapsedMs: Math.round(elapsedMs),
      rssMb: { atStart: rssAtStart, peak: await peakRssMb(api.pid!) },
      healthzMs: {
        samples: latencies.length,
        median: Math.round(latencies[latencies.length >> 1] ?? 0),
        max: Math.round(latencies.at(-1) ?? 0),
      },
    }),
  );
} finally {
  api.kill('SIGTERM');
  await new Promise((resolve) => api.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
}

/** The process's peak resident set (VmHWM) in MB. */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}
