import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { buildApp, createServices, type ConnectedServices } from '@neural-style/api';
import { loadConfig } from '@neural-style/infra';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const webDir = fileURLToPath(new URL('../../', import.meta.url));

/** Whether the browser tests can run; in CI a missing browser is a failure, never a silent skip. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const message =
    `No Chromium at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (.ci/run does) ` +
    'or set CHROMIUM_PATH';
  if (process.env.CI) throw new Error(message);
  console.warn(`SKIPPING the browser tests of apps/web. ${message}`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Playwright gives each launch a fresh temporary profile (user-data dir).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The page built from the current sources into a temporary folder (not apps/web/dist, which may be stale). */
export async function buildPage(): Promise<{ root: string; remove(): Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'web-build-'));
  await build({
    configFile: path.join(webDir, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: root, emptyOutDir: true },
  });
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}

export interface ListeningApi {
  app: FastifyInstance;
  services: ConnectedServices;
  baseUrl: string;
  close(): Promise<void>;
}

/** buildApp + createServices on loopback, as `npm start` runs it, serving the given page build. */
export async function listenApi(
  env: Record<string, string | undefined>,
  webRoot: string,
): Promise<ListeningApi> {
  const services = await createServices(loadConfig(env));
  const app = await buildApp(services, { logger: false, webRoot });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    services,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await services.close();
    },
  };
}

/**
 * Every console error and uncaught exception of a page. Chromium logs each failed fetch ("Failed to load
 * resource: … status of 401", "… net::ERR_FAILED"); `expected` lists the statuses and network errors a
 * scenario provokes on purpose.
 */
export function watchConsole(page: Page): { errors(expected?: (number | string)[]): string[] } {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') seen.push(message.text());
  });
  page.on('pageerror', (error) => seen.push(`uncaught: ${error.message}`));
  return {
    errors: (expected = []) =>
      seen.filter((text) => {
        if (!text.startsWith('Failed to load resource')) return true;
        return !expected.some((what) =>
          typeof what === 'number' ? text.includes(`status of ${what} `) : text.includes(what),
        );
      }),
  };
}

/** Records every aria-valuenow the progress bar takes, from now on. */
export async function recordProgress(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const bar = document.querySelector('[role="progressbar"]');
    const values: number[] = [];
    (window as unknown as { progressValues: number[] }).progressValues = values;
    if (!bar) throw new Error('no progress bar');
    new MutationObserver(() => values.push(Number(bar.getAttribute('aria-valuenow')))).observe(bar, {
      attributes: true,
      attributeFilter: ['aria-valuenow'],
    });
  });
  return () => page.evaluate(() => (window as unknown as { progressValues: number[] }).progressValues);
}
