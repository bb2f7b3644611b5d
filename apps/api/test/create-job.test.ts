import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobSchema, QueueJobDataSchema } from '@neural-style/contract';
import { storageKeys } from '@neural-style/infra';
import { auth, jpegImage, postMultipart, pngImage, startTestApi, type TestApi } from './support.js';

let api: TestApi;
let imageServer: Server;
let imageBase: string;
let png: Buffer;
let jpeg: Buffer;

beforeAll(async () => {
  api = await startTestApi('create', { URL_FETCH_ALLOW_PRIVATE: 'true' });
  png = await pngImage();
  jpeg = await jpegImage();
  imageServer = createServer((request, response) => {
    if (request.url === '/style.jpg') response.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
  imageBase = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await api.close();
  await new Promise((resolve) => imageServer.close(resolve));
});

describe('POST /jobs', () => {
  it('accepts multipart uploads: 202, Location, queued job, inputs stored, queue entry', async () => {
    const response = await postMultipart(api, [
      { name: 'content', value: png, contentType: 'image/png' },
      { name: 'style', value: jpeg, contentType: 'image/jpeg' },
      { name: 'style', value: png, contentType: 'image/png' },
      { name: 'styleWeights', value: '[2, 1]' },
      { name: 'options', value: JSON.stringify({ iterations: 7, size: 64 }) },
      { name: 'webhook', value: 'https://hooks.example.com/n' },
      { name: 'webhookEvents', value: 'job.succeeded, job.failed' },
    ]);
    expect(response.statusCode, response.body).toBe(202);
    const job = JobSchema.parse(response.json());
    expect(response.headers.location).toBe(`/jobs/${job.id}`);
    expect(job.status).toBe('queued');
    expect(job.options).toMatchObject({ iterations: 7, size: 64, optimizer: 'lbfgs', styleWeight: 100 });

    const queued = await api.services.jobQueue.getJob(job.id);
    const data = QueueJobDataSchema.parse(queued?.data);
    expect(data).toMatchObject({
      jobId: job.id,
      tenant: 'acme',
      inputs: {
        content: storageKeys.content(job.id),
        styles: [
          { key: storageKeys.style(job.id, 0), weight: 2 },
          { key: storageKeys.style(job.id, 1), weight: 1 },
        ],
      },
      webhook: { url: 'https://hooks.example.com/n', events: ['job.succeeded', 'job.failed'] },
    });
    expect(Buffer.from(await api.services.storage.get(data.inputs.content))).toEqual(png);
    expect(Buffer.from(await api.services.storage.get(data.inputs.styles[0]!.key))).toEqual(jpeg);
  });

  it('accepts JSON with base64 data and URLs (fetched by the API)', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/jobs',
      headers: auth(),
      payload: {
        content: { data: png.toString('base64') },
        styles: [{ url: `${imageBase}/style.jpg`, weight: 0.5 }],
        options: { optimizer: 'adam' },
      },
    });
    expect(response.statusCode, response.body).toBe(202);
    const job = JobSchema.parse(response.json());
    const data = QueueJobDataSchema.parse((await api.services.jobQueue.getJob(job.id))?.data);
    expect(data.options.optimizer).toBe('adam');
    expect(data.inputs.styles).toEqual([{ key: storageKeys.style(job.id, 0), weight: 0.5 }]);
    expect(Buffer.from(await api.services.storage.get(data.inputs.styles[0]!.key))).toEqual(jpeg);
  });

  it('takes an init image for init "image"', async () => {
    const response = await postMultipart(api, [
      { name: 'content', value: png },
      { name: 'style', value: jpeg },
      { name: 'init', value: png },
      { name: 'options', value: '{"init":"image"}' },
    ]);
    expect(response.statusCode, response.body).toBe(202);
    const data = QueueJobDataSchema.parse(
      (await api.services.jobQueue.getJob(response.json<{ id: string }>().id))?.data,
    );
    expect(data.inputs.init).toBe(storageKeys.init(data.jobId));
  });
});
