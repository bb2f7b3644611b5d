export * from './errors.js';
export * from './job.js';
export * from './http.js';
export * from './queue.js';
export * from './events.js';
export * from './webhook-events.js';
export * from './webhooks.js';
export * from './duration.js';
