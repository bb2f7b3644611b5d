export { startWorker, type RunningWorker, type StartWorkerOptions } from './worker.js';
export { ABORT_REASONS } from './abort-reasons.js';
export type { JobOutcome } from './child/run-job.js';
export {
  createWebhookWorker,
  retryDelayMs,
  type WebhookDeliverySettings,
} from './webhooks/webhook-worker.js';
