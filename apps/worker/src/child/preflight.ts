import { loadConfig } from '@neural-style/infra';
import { errorMessage } from '@neural-style/vocabulary';
import { createEngineFromConfig } from './context.js';

/**
 * Run in a child process at worker start: loads the backend and the weights exactly as the job processor
 * will, and reports the backend (or the error) to the parent. A worker that cannot run jobs (no GPU with
 * STYLE_BACKEND=tensorflow-gpu, missing weights) then refuses to start instead of failing every job.
 * A separate process, so the parent never loads TensorFlow (nor holds GPU memory).
 */
let report: { ok: true; backend: unknown } | { ok: false; message: string };
try {
  const engine = await createEngineFromConfig(loadConfig(process.env));
  report = { ok: true, backend: engine.backend };
  engine.dispose();
} catch (error) {
  report = { ok: false, message: errorMessage(error) };
}
// Exit once the report is handed over; nothing else here needs a clean shutdown.
process.send?.(report, () => process.exit(0));
