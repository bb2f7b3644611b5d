/**
 * docs/images/web-running.png and web-done.png: the page painting Tübingen in the style of The Starry
 * Night with the real VGG19 weights, coarse to fine (128 then 256 px), in its second pass and at the end.
 * Needs ../shared (weights and images), Redis and Chromium; run with
 * `nice -n 10 npm run screenshots -w @neural-style/web`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { deleteKeysWithPrefix, uniquePrefix } from '@neural-style/infra/testing';
import { startWorker } from '@neural-style/worker';
import { buildPage, launchChromium, listenApi, webDir } from '../test/support/browser.js';

const repoRoot = path.resolve(webDir, '../..');
const shared = path.resolve(repoRoot, process.env.SHARED_DIR ?? '../shared');
const SIZE = 256;
const MULTISCALE_MIN_SIZE = 128;
/** Of the first pass; the second gets ITERATION_DECAY times fewer. */
const ITERATIONS = 100;
/** Into the second pass, so that the progress line shows "pass 2 of 2" and the ETA over the plan. */
const SECOND_PASS_SHOT = ITERATIONS + 12;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'web-shots-'));
  const prefix = uniquePrefix('web-shots');
  const env = {
    ...process.env,
    QUEUE_PREFIX: prefix,
    STORAGE: 'fs',
    DATA_DIR: dataDir,
    API_KEYS: '',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    VGG19_WEIGHTS: path.join(shared, 'weights/vgg19/tfjs-notop-hybrid'),
  };
  const page = await buildPage();
  const api = await listenApi(env, page.root);
  const worker = await startWorker({ env, log: (line) => console.log(line) });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      viewport: { width: 1180, height: 900 },
      deviceScaleFactor: 1,
    });
    const tab = await context.newPage();
    await tab.goto(api.baseUrl);
    await tab
      .getByLabel('Content image', { exact: true })
      .setInputFiles(path.join(shared, 'images/content/tubingen.jpg'));
    await tab
      .getByLabel('Style image', { exact: true })
      .setInputFiles(path.join(shared, 'images/style/starry_night.jpg'));
    await tab.getByLabel('Size', { exact: true }).fill(String(SIZE));
    await tab.getByLabel('Iterations', { exact: true }).fill(String(ITERATIONS));
    await tab.getByText('More options').click();
    await tab.getByLabel('Multiscale', { exact: true }).check();
    await tab.getByLabel('Multiscale min size', { exact: true }).fill(String(MULTISCALE_MIN_SIZE));
    // Folded again, so that the screenshots show the run rather than every option.
    await tab.getByText('More options').click();
    await tab.getByRole('button', { name: 'Stylize' }).click();

    // In the second pass, with a snapshot of that stage on screen.
    await tab.waitForFunction(
      (threshold) => {
        const image = document.querySelector<HTMLImageElement>('img[alt^="Latest snapshot"]');
        const iteration = Number(/iteration (\d+)/.exec(image?.alt ?? '')?.[1] ?? 0);
        return image?.complete && image.naturalWidth > 0 && iteration >= threshold;
      },
      SECOND_PASS_SHOT,
      { timeout: 20 * 60_000, polling: 500 },
    );
    await save(await tab.screenshot({ fullPage: true }), 'web-running.png');

    await tab.getByRole('img', { name: 'Result', exact: true }).waitFor({ timeout: 20 * 60_000 });
    await tab.waitForFunction(
      () => document.querySelector<HTMLImageElement>('img[alt="Result"]')?.naturalWidth,
    );
    // History thumbnails load once they scroll into view.
    await tab.locator('.history li').first().scrollIntoViewIfNeeded();
    await tab.locator('.history img').first().waitFor();
    await save(await tab.screenshot({ fullPage: true }), 'web-done.png');
  } finally {
    await browser.close();
    await worker.close(0);
    await deleteKeysWithPrefix(api.services.redis, prefix);
    await api.close();
    await page.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A palette PNG keeps a screenshot of photos and text well under 300 KB. */
async function save(png: Buffer, name: string): Promise<void> {
  const file = path.join(repoRoot, 'docs/images', name);
  const small = await sharp(png).png({ palette: true, quality: 90, effort: 10 }).toBuffer();
  await writeFile(file, small);
  console.log(`${file}: ${small.length} bytes`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
