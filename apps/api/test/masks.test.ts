import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema, QueueJobDataSchema } from '@neural-style/contract';
import { storageKeys } from '@neural-style/infra';
import { auth, postMultipart, pngImage, startTestApi, type Part, type TestApi } from './support.js';

let api: TestApi;
let content: Buffer;
let style: Buffer;
let mask: Buffer;

beforeAll(async () => {
  api = await startTestApi('masks');
  content = await pngImage(64, 48);
  style = await pngImage(32, 32, '#2040c0');
  mask = await pngImage(128, 96, '#ffffff');
});
afterAll(async () => {
  await api.close();
});

const post = (parts: Part[]) => postMultipart(api, parts);

describe('POST /jobs with masks', () => {
  it('stores a multipart mask part with the style part before it, and a style mask', async () => {
    const styleMask = await pngImage(16, 16, '#808080');
    const response = await post([
      { name: 'content', value: content },
      { name: 'style', value: style },
      { name: 'mask', value: mask },
      { name: 'style', value: style },
      { name: 'styleMask', value: styleMask },
    ]);
    expect(response.statusCode, response.body).toBe(202);
    const job = JobSchema.parse(response.json());
    const data = QueueJobDataSchema.parse((await api.services.jobQueue.getJob(job.id))?.data);
    expect(data.inputs.styles).toEqual([
      { key: storageKeys.style(job.id, 0), weight: 1, mask: storageKeys.mask(job.id, 0) },
      { key: storageKeys.style(job.id, 1), weight: 1, styleMask: storageKeys.styleMask(job.id, 1) },
    ]);
    expect(Buffer.from(await api.services.storage.get(storageKeys.mask(job.id, 0)))).toEqual(mask);
    expect(Buffer.from(await api.services.storage.get(storageKeys.styleMask(job.id, 1)))).toEqual(styleMask);
  });

  it('takes a base64 mask beside its style in JSON', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/jobs',
      headers: auth(),
      payload: {
        content: { data: content.toString('base64') },
        styles: [{ data: style.toString('base64'), mask: { data: mask.toString('base64') } }],
      },
    });
    expect(response.statusCode, response.body).toBe(202);
    const job = JobSchema.parse(response.json());
    const data = QueueJobDataSchema.parse((await api.services.jobQueue.getJob(job.id))?.data);
    expect(data.inputs.styles[0]?.mask).toBe(storageKeys.mask(job.id, 0));
  });

  it('answers 422 MASK_MISMATCH when a mask has another aspect ratio than the content', async () => {
    const response = await post([
      { name: 'content', value: content },
      { name: 'style', value: style },
      { name: 'mask', value: await pngImage(32, 32) },
    ]);
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.json()).toMatchObject({
      code: 'MASK_MISMATCH',
      detail: expect.stringMatching(/mask of style image 1 is 32x32 but the content image is 64x48/),
    });
  });

  it('refuses a mask that is not an image (422), one before any style, and two for one style (400)', async () => {
    const broken = await post([
      { name: 'content', value: content },
      { name: 'style', value: style },
      { name: 'mask', value: mask.subarray(0, 40) },
    ]);
    expect(broken.statusCode).toBe(422);
    expect(broken.json()).toMatchObject({
      code: 'IMAGE_INVALID',
      detail: expect.stringMatching(/mask of style image 1/),
    });
    const early = await post([
      { name: 'content', value: content },
      { name: 'mask', value: mask },
      { name: 'style', value: style },
    ]);
    expect(early.statusCode).toBe(400);
    expect(early.json().detail).toMatch(/"mask" part must follow the "style" part/);
    const twice = await post([
      { name: 'content', value: content },
      { name: 'style', value: style },
      { name: 'mask', value: mask },
      { name: 'mask', value: mask },
    ]);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().detail).toMatch(/Style image 1 has two "mask" parts/);
  });
});
