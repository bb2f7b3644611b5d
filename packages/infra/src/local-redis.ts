import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { connectRedis } from './redis.js';

/** A redis-server that `npm start` started because nothing answered; stopped with `stop()`. */
export interface LocalRedis {
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  /** Where the server keeps its dump (RDB), so queued jobs survive a restart of `npm start`. */
  dataDir: string;
  /** PATH to look for `redis-server` in; default process.env.PATH. */
  searchPath?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const STARTUP_TIMEOUT_MS = 5_000;

/**
 * For `npm start` on a fresh machine: when nothing answers at a loopback REDIS_URL without a password
 * (the default `redis://127.0.0.1:6379` included) and `redis-server` is installed, starts one on that
 * port and returns it. Returns undefined when Redis already answers or the URL is not such a local
 * address (the API then fails with its own message); rejects with one line saying how to get Redis when
 * the binary is missing.
 */
export async function startLocalRedisIfNeeded(
  url: string,
  options: LocalRedisOptions,
): Promise<LocalRedis | undefined> {
  if (await answers(url)) return undefined;
  const parsed = new URL(url);
  if (!LOOPBACK_HOSTS.has(parsed.hostname) || parsed.password || (parsed.pathname || '/') !== '/') {
    return undefined;
  }
  const binary = findOnPath('redis-server', options.searchPath ?? process.env.PATH ?? '');
  if (!binary) {
    throw new Error(
      `Redis is not answering at ${url} and redis-server is not installed: install it ` +
        '(`apt-get install redis-server`, `brew install redis`), run `docker compose up -d redis`, ' +
        'or point REDIS_URL at a running server',
    );
  }
  await mkdir(options.dataDir, { recursive: true });
  const port = parsed.port || '6379';
  const child = spawn(
    binary,
    ['--port', port, '--bind', '127.0.0.1', '--dir', path.resolve(options.dataDir), '--save', '60 1'],
    // Its own process group: Ctrl-C reaches npm start only, which stops Redis after API and worker closed.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = () => stopChild(child, exited);

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      const lastLine = output.trim().split('\n').at(-1) ?? '';
      throw new Error(`redis-server did not start on port ${port}${lastLine ? `: ${lastLine}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.stdout?.off('data', collect);
  child.stderr?.off('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();
  return { pid: child.pid ?? 0, dataDir: options.dataDir, stop };
}

async function answers(url: string): Promise<boolean> {
  try {
    const redis = await connectRedis(url, { name: 'probe', connectTimeoutMs: 1_000 });
    redis.disconnect();
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGTERM makes redis-server write its dump and exit.
  child.kill('SIGTERM');
  await exited;
}
