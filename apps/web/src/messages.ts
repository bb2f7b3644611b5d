import type { PageProblem } from './api.js';
import { byId, h } from './dom.js';

/** What the person can do about a refusal: the server's `detail` says what happened, this says what next. */
export function whatToDo(problem: PageProblem): string {
  switch (problem.code) {
    case 'UNAUTHORIZED':
      return 'Enter a valid API key in the "API key" field, then try again.';
    case 'RATE_LIMITED':
      return `Too many requests for now: wait ${problem.retryAfterSeconds ?? 60} s, then try again.`;
    case 'IMAGE_INVALID':
      return 'Choose an image file (JPEG, PNG, WebP, …) that opens in an image viewer.';
    case 'IMAGE_TOO_LARGE':
      return 'Choose an image with fewer pixels, or shrink it first.';
    case 'PAYLOAD_TOO_LARGE':
      return 'Choose a smaller file.';
    case 'INVALID_OPTIONS':
      return 'Correct the marked option, then press Stylize again.';
    case 'VALIDATION_FAILED':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'Check the images and options, then press Stylize again.';
    case 'NOT_FOUND':
      return 'It may have expired or belong to another key; start a new painting.';
    case 'JOB_NOT_CANCELABLE':
      return 'Nothing to cancel: the job has already ended.';
    case 'JOB_NOT_FINISHED':
      return 'Wait for the job to finish.';
    case 'NETWORK':
      return 'Check your connection, then try again.';
    default:
      return problem.problem.status >= 500
        ? 'Try again in a moment; if it keeps failing, tell whoever runs this service.'
        : 'Try again.';
  }
}

export interface AlertContent {
  title: string;
  detail: string;
  hint: string;
  action?: { label: string; run: () => void };
}

/**
 * The page's one alert region: role=alert, always in the page (empty when there is nothing to say), so
 * screen readers announce each new message.
 */
export function showAlert(content: AlertContent): void {
  const region = byId('alert');
  region.replaceChildren(
    h(
      'div',
      { class: 'alert-body' },
      h('p', {}, h('strong', {}, `${content.title}: `), content.detail),
      h('p', {}, content.hint),
      h(
        'p',
        { class: 'alert-actions' },
        content.action
          ? h('button', { type: 'button', on: { click: () => content.action?.run() } }, content.action.label)
          : null,
        h('button', { type: 'button', class: 'secondary', on: { click: clearAlert } }, 'Dismiss'),
      ),
    ),
  );
}

export function showProblem(problem: PageProblem, action?: AlertContent['action']): void {
  showAlert({
    title: problem.problem.title,
    detail: problem.problem.detail,
    hint: whatToDo(problem),
    ...(action ? { action } : {}),
  });
}

export function clearAlert(): void {
  const region = byId('alert');
  region.replaceChildren();
}
