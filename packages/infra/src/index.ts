export * from './config.js';
export * from './redis.js';
export * from './storage/index.js';
export * from './job-store.js';
export * from './events.js';
export * from './net.js';
export * from './retention.js';
export { newJobId } from './ids.js';
export * from './webhooks.js';
