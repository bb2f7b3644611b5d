import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '@neural-style/core';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';
import { startWorker, type RunningWorker } from '@neural-style/worker';
import { makePng, testEnv, writeTinyWeights } from '../../worker/test/support/fixtures.js';
import {
  browserAvailable,
  buildPage,
  launchChromium,
  listenApi,
  recordProgress,
  watchConsole,
  type ListeningApi,
} from './support/browser.js';

/**
 * The page in a real browser (Debian's Chromium driven by playwright-core) against the real service: the
 * API (buildApp + createServices) serving the page built from the current sources, a worker with a tiny
 * random VGG19, real Redis and filesystem storage. One API is open (no keys), one has API_KEYS.
 */

const KEY = 'key-acme';
const prefix = uniquePrefix('web');
/** Enough iterations at 32 px for the tiny network that the run lasts a few progress updates. */
const ITERATIONS = 20;

describe.runIf(browserAvailable())('the web page in Chromium', () => {
  let page: { root: string; remove(): Promise<void> };
  let weightsDir: string;
  let dataDir: string;
  let open: ListeningApi;
  let keyed: ListeningApi;
  let limited: ListeningApi;
  let worker: RunningWorker;
  let browser: Browser;
  let content: Buffer;
  let style: Buffer;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'web-data-'));
    [page, weightsDir, browser, content, style] = await Promise.all([
      buildPage(),
      writeTinyWeights(),
      launchChromium(),
      makePng(48, 36, 1).then(Buffer.from),
      makePng(32, 32, 4).then(Buffer.from),
    ]);
    const env = testEnv({
      QUEUE_PREFIX: prefix,
      STORAGE: 'fs',
      DATA_DIR: dataDir,
      VGG19_WEIGHTS: weightsDir,
      RATE_LIMIT_PER_MINUTE: '0',
    });
    // Two APIs on one queue: jobs of either are run by the one worker.
    [open, keyed, limited, worker] = await Promise.all([
      listenApi({ ...env, API_KEYS: '' }, page.root),
      listenApi({ ...env, API_KEYS: `acme:${KEY}` }, page.root),
      listenApi({ ...env, API_KEYS: '', RATE_LIMIT_PER_MINUTE: '5' }, page.root),
      startWorker({ env, log: () => {} }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.close(0);
    await open?.close();
    await limited?.close();
    if (keyed) {
      await deleteKeysWithPrefix(keyed.services.redis, prefix);
      await keyed.close();
    }
    await Promise.all([page?.remove(), rm(weightsDir, { recursive: true, force: true })]);
    await rm(dataDir, { recursive: true, force: true });
  });

  async function openPage(
    api: ListeningApi,
    viewport = { width: 1100, height: 900 },
  ): Promise<{ context: BrowserContext; tab: Page; errors: (expected?: number[]) => string[] }> {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    const tab = await context.newPage();
    const console = watchConsole(tab);
    await tab.goto(api.baseUrl);
    // The form is built from the served OpenAPI document: wait for it.
    await tab.getByLabel('Size', { exact: true }).waitFor();
    return { context, tab, errors: console.errors };
  }

  async function pickImages(tab: Page, contentFile: { name: string; mimeType: string; buffer: Buffer }) {
    await tab.getByLabel('Content image', { exact: true }).setInputFiles(contentFile);
    await tab.getByLabel('Style image', { exact: true }).setInputFiles({
      name: 'style.png',
      mimeType: 'image/png',
      buffer: style,
    });
  }

  async function dropFile(tab: Page, zone: string, file: { name: string; mimeType: string; buffer: Buffer }) {
    const dataTransfer = await tab.evaluateHandle(
      ({ name, mimeType, bytes }) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
        return transfer;
      },
      { name: file.name, mimeType: file.mimeType, bytes: [...file.buffer] },
    );
    await tab.dispatchEvent(zone, 'drop', { dataTransfer });
  }

  async function jobCount(api: ListeningApi): Promise<number> {
    const response = await fetch(`${api.baseUrl}/jobs?limit=100`);
    return ((await response.json()) as { jobs: unknown[] }).jobs.length;
  }

  const contentPng = () => ({ name: 'photo.png', mimeType: 'image/png', buffer: content });

  async function expectResult(tab: Page, width: number, height: number): Promise<void> {
    const result = tab.getByRole('img', { name: 'Result', exact: true });
    await result.waitFor({ timeout: 60_000 });
    await tab.waitForFunction(
      () => (document.querySelector('img[alt="Result"]') as HTMLImageElement | null)?.naturalWidth,
    );
    expect(
      await result.evaluate((image: HTMLImageElement) => [image.naturalWidth, image.naturalHeight]),
    ).toEqual([width, height]);
  }

  it('stylizes: pick images, Stylize, progress moves, Result, Download, reopen from history', async () => {
    const { context, tab, errors } = await openPage(open);
    expect(await tab.getByLabel('API key').isVisible()).toBe(false);
    await pickImages(tab, contentPng());
    await tab.getByLabel('Size', { exact: true }).fill('32');
    await tab.getByLabel('Iterations', { exact: true }).fill(String(ITERATIONS));
    const progress = await recordProgress(tab);
    await tab.getByRole('button', { name: 'Stylize' }).click();

    await expectResult(tab, 32, 24);
    const values = await progress();
    expect(values.at(-1)).toBe(ITERATIONS);
    // It moved: at least one value on the way, between the start and the end.
    expect(
      values.some((value) => value > 0 && value < ITERATIONS),
      JSON.stringify(values),
    ).toBe(true);
    expect(await tab.getByRole('progressbar').getAttribute('aria-valuemax')).toBe(String(ITERATIONS));
    expect(await tab.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(false);
    const jobUrl = tab.url();
    expect(jobUrl).toMatch(/#\/jobs\/job_[0-9A-Z]{26}$/);

    const [download] = await Promise.all([
      tab.waitForEvent('download'),
      tab.getByRole('link', { name: 'Download' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^painting-job_[0-9A-Z]{26}\.png$/);
    const saved = await readFile((await download.path())!);
    const decoded = await decodeImage(new Uint8Array(saved));
    expect([decoded.width, decoded.height]).toEqual([32, 24]);

    // A fresh load of the page lists the job; its entry reopens the result.
    await tab.goto(open.baseUrl);
    const entry = tab.locator(`a[href="${new URL(jobUrl).hash}"]`);
    await entry.waitFor();
    expect(await entry.textContent()).toContain('succeeded');
    // Its thumbnail is the result, fetched once the entry is in view.
    await entry.scrollIntoViewIfNeeded();
    await entry.locator('img').waitFor();
    expect(await entry.locator('img').evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(32);
    await entry.click();
    await expectResult(tab, 32, 24);
    expect(await tab.getByRole('progressbar').getAttribute('aria-valuenow')).toBe(String(ITERATIONS));

    // A deep link opens the same view.
    await tab.goto(jobUrl);
    await tab.reload();
    await expectResult(tab, 32, 24);
    expect(errors()).toEqual([]);
    await context.close();
  });

  it('a lost event stream reconnects, and the result still arrives', async () => {
    const { context, tab, errors } = await openPage(open);
    let dropped = 0;
    await tab.route('**/jobs/*/events', (route) =>
      dropped++ === 0 ? route.abort('connectionreset') : route.continue(),
    );
    await pickImages(tab, contentPng());
    await tab.getByLabel('Size', { exact: true }).fill('24');
    await tab.getByLabel('Iterations', { exact: true }).fill('5');
    await tab.getByRole('button', { name: 'Stylize' }).click();
    await tab
      .getByText(/Connection lost \(the connection was lost\); reconnecting in 3 s \(attempt 1\)/)
      .waitFor();
    await expectResult(tab, 24, 18);
    expect(dropped).toBe(2);
    expect(await tab.getByText('Connection lost').isVisible()).toBe(false);
    expect(errors(['net::ERR_CONNECTION_RESET'])).toEqual([]);
    await context.close();
  });

  it('Cancel stops a running job', async () => {
    const { context, tab, errors } = await openPage(open);
    await pickImages(tab, contentPng());
    await tab.getByLabel('Size', { exact: true }).fill('24');
    await tab.getByLabel('Iterations', { exact: true }).fill('5000');
    await tab.getByRole('button', { name: 'Stylize' }).click();
    await tab.waitForFunction(
      () => Number(document.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow')) > 0,
    );
    await tab.getByRole('button', { name: 'Cancel' }).click();
    await tab.getByText('Canceled', { exact: true }).waitFor();
    expect(await tab.getByRole('button', { name: 'Cancel' }).isVisible()).toBe(false);
    expect(Number(await tab.getByRole('progressbar').getAttribute('aria-valuenow'))).toBeLessThan(5000);
    expect(errors()).toEqual([]);
    await context.close();
  });

  it('a text file as content: an alert with the problem detail, nothing queued', async () => {
    const { context, tab, errors } = await openPage(open);
    const jobsBefore = await jobCount(open);
    await pickImages(tab, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await tab.getByRole('button', { name: 'Stylize' }).click();
    const alert = tab.getByRole('alert');
    await alert.getByText('content image', { exact: false }).waitFor();
    const text = await alert.textContent();
    expect(text).toContain('Not a usable image');
    expect(text).toContain('Choose an image file');
    expect(tab.url()).not.toContain('#/jobs/');
    expect(await jobCount(open)).toBe(jobsBefore);
    expect(errors([422])).toEqual([]);
    await context.close();
  });

  it('over the rate limit: an alert says how long to wait', async () => {
    const { context, tab, errors } = await openPage(limited);
    await pickImages(tab, contentPng());
    // Use up this minute's and the next one's allowance, so the window cannot roll over mid-test.
    const window = Math.floor(Date.now() / 60_000);
    for (const minute of [window, window + 1]) {
      await limited.services.redis.set(`${prefix}:ratelimit:public:${minute}`, 100, 'PX', 120_000);
    }
    await tab.getByRole('button', { name: 'Stylize' }).click();
    const alert = tab.getByRole('alert');
    await alert.getByText('More than 5 requests in one minute').waitFor();
    expect(await alert.textContent()).toMatch(/Too many requests for now: wait \d+ s, then try again/);
    expect(errors([429])).toEqual([]);
    await context.close();
  });

  it('a refused option is marked at its field and explained, by the page or by the server', async () => {
    const { context, tab, errors } = await openPage(open);
    await pickImages(tab, contentPng());
    await tab.getByLabel('Size', { exact: true }).fill('5');
    await tab.getByRole('button', { name: 'Stylize' }).click();
    // Checked in the page from the schema's range, before anything is sent.
    await tab.getByText('Enter a number 16 to 4096').waitFor();
    expect(await tab.getByLabel('Size', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(tab.url()).not.toContain('#/jobs/');

    // One only the server can judge (a count that must match another option): its refusal marks the field.
    await tab.getByLabel('Size', { exact: true }).fill('24');
    await tab.getByText('More options').click();
    const layerWeights = tab.getByLabel('Style layer weights', { exact: true });
    await layerWeights.fill('1, 2');
    await tab.getByRole('button', { name: 'Stylize' }).click();
    await tab.getByRole('alert').getByText('The style options are not valid').waitFor();
    expect(await tab.getByRole('alert').textContent()).toContain('Correct the marked option');
    expect(await layerWeights.getAttribute('aria-invalid')).toBe('true');
    expect(await tab.locator('#option-styleLayerWeights-error').textContent()).toBe(
      'needs one weight per style layer (5), got 2',
    );
    expect(await tab.getByLabel('Size', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(errors([400])).toEqual([]);
    await context.close();
  });

  it('with API_KEYS: asks for the key, a wrong one shows an alert, the right one works (dropped files, phone-sized)', async () => {
    const { context, tab, errors } = await openPage(keyed, { width: 375, height: 740 });
    const keyField = tab.getByLabel('API key');
    await keyField.waitFor();
    // Drag-and-drop: the content onto its zone, the style onto its own.
    await dropFile(tab, '#content-drop', contentPng());
    await dropFile(tab, '#style-drop', { name: 'dropped.png', mimeType: 'image/png', buffer: style });
    await tab.getByRole('img', { name: 'Preview of the content image photo.png' }).waitFor();
    await tab.getByRole('img', { name: 'Preview of the style image dropped.png' }).waitFor();
    expect(
      await tab
        .getByLabel('Content image', { exact: true })
        .evaluate((input: HTMLInputElement) => input.files?.[0]?.name),
    ).toBe('photo.png');
    await tab.getByLabel('Size', { exact: true }).fill('24');
    await tab.getByLabel('Iterations', { exact: true }).fill('3');

    await keyField.fill('wrong-key');
    await tab.getByRole('button', { name: 'Stylize' }).click();
    await tab.getByRole('alert').getByText('The API key is not valid').waitFor();

    await keyField.fill(KEY);
    // Keyboard only: Enter in the key field submits the form.
    await keyField.press('Enter');
    await expectResult(tab, 24, 18);
    expect(await tab.getByRole('alert').textContent()).toBe('');
    // Nothing sticks out sideways on a phone.
    expect(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(errors([401])).toEqual([]);
    await context.close();
  });
});
