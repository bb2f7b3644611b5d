import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '@neural-style/contract';
import {
  connectRedis,
  duplicateRedis,
  JobEventHub,
  publishCancel,
  publishJobEvent,
  subscribeCancels,
} from '@neural-style/infra';
import { uniquePrefix } from '@neural-style/infra/testing';

const prefix = uniquePrefix('events');
let redis: Redis;
let subscriber: Redis;

beforeAll(async () => {
  redis = await connectRedis('redis://127.0.0.1:6379');
  subscriber = await duplicateRedis(redis, 'events-test-subscriber');
});
afterAll(() => {
  subscriber.disconnect();
  redis.disconnect();
});

const progress = (iteration: number): JobEvent => ({
  event: 'progress',
  data: { iteration, iterations: 3, losses: { content: 1, style: 1, tv: 1, total: 3 } },
});

function nextValues<T>(count: number): { push: (value: T) => void; done: Promise<T[]> } {
  const values: T[] = [];
  let resolve: (values: T[]) => void = () => {};
  const done = new Promise<T[]>((r) => (resolve = r));
  return {
    push: (value) => {
      values.push(value);
      if (values.length === count) resolve(values);
    },
    done,
  };
}

describe('JobEventHub', () => {
  it('delivers a job’s events in order to its listeners and every event to global listeners', async () => {
    const hub = new JobEventHub(subscriber, prefix);
    await hub.start();
    const forA = nextValues<JobEvent>(3);
    const all = nextValues<string>(4);
    hub.subscribe('job_A', (_id, event) => forA.push(event));
    hub.subscribeAll((id) => all.push(id));

    await publishJobEvent(redis, prefix, 'job_A', progress(1));
    await publishJobEvent(redis, prefix, 'job_B', progress(1));
    await redis.publish(`${prefix}:events:job_A`, '{"not":"an event"}');
    await publishJobEvent(redis, prefix, 'job_A', progress(2));
    await publishJobEvent(redis, prefix, 'job_A', { event: 'snapshot', data: { iteration: 2, url: 'u' } });

    expect(await forA.done).toEqual([
      progress(1),
      progress(2),
      { event: 'snapshot', data: { iteration: 2, url: 'u' } },
    ]);
    expect(await all.done).toEqual(['job_A', 'job_B', 'job_A', 'job_A']);
    await hub.close();
  });

  it('stops delivering after unsubscribe', async () => {
    const hub = new JobEventHub(subscriber, prefix);
    await hub.start();
    const seen: number[] = [];
    const first = nextValues<number>(1);
    const stop = hub.subscribe('job_C', (_id, event) => {
      if (event.event !== 'progress') return;
      seen.push(event.data.iteration);
      first.push(event.data.iteration);
    });
    const marker = nextValues<string>(2);
    hub.subscribeAll((id) => marker.push(id));
    await publishJobEvent(redis, prefix, 'job_C', progress(1));
    // Delivery is asynchronous: unsubscribe only once the first event has arrived.
    await first.done;
    stop();
    await publishJobEvent(redis, prefix, 'job_C', progress(2));
    await marker.done;
    expect(seen).toEqual([1]);
    await hub.close();
  });
});

describe('cancel broadcast', () => {
  it('reaches subscribers', async () => {
    const cancelSubscriber = await duplicateRedis(redis, 'cancel-subscriber');
    const received = nextValues<string>(2);
    const stop = await subscribeCancels(cancelSubscriber, prefix, received.push);
    await publishCancel(redis, prefix, 'job_1');
    await publishCancel(redis, prefix, 'job_2');
    expect(await received.done).toEqual(['job_1', 'job_2']);
    await stop();
    cancelSubscriber.disconnect();
  });
});
