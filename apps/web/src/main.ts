import type { Job } from '@neural-style/contract';
import './style.css';
import { apiKey, call, clearImageCache, jobsApi, PageProblem } from './api.js';
import { readApiDescription, type ApiDescription } from './api-description.js';
import { byId } from './dom.js';
import { History } from './history.js';
import { JobView } from './job-view.js';
import { clearAlert, showAlert, showProblem } from './messages.js';
import { describeNumber } from './option-fields.js';
import { renderOptionsForm, type OptionsForm } from './options-form.js';
import { ImagePickers } from './pickers.js';

/** Shown up front; every other option is folded into "More options". */
const COMMON_OPTIONS = ['size', 'iterations', 'styleWeight', 'preserveColors'];
/** Snapshots the page asks for per run (unless the person sets snapshotEvery), so the painting can be watched. */
const SNAPSHOTS_PER_RUN = 20;

const keyField = byId('key-field');
const keyInput = byId<HTMLInputElement>('api-key');
const submitButton = byId<HTMLButtonElement>('submit');

function revealKeyField(): void {
  keyField.hidden = false;
}

const history = new History(byId('recent'), revealKeyField);
const jobView = new JobView(byId('job'), () => void history.refresh(), revealKeyField);
/** The job just created, handed to the view so it need not be fetched again. */
let created: Job | undefined;

function route(focus: boolean): void {
  const id = /^#\/jobs\/([^/?#]+)$/.exec(location.hash)?.[1];
  if (!id) {
    jobView.hide();
    return;
  }
  const jobId = decodeURIComponent(id);
  void jobView.open(jobId, created?.id === jobId ? created : undefined);
  created = undefined;
  if (focus) jobView.focus();
}

function setUpKeyField(): void {
  const stored = apiKey.current();
  if (stored) {
    keyInput.value = stored;
    revealKeyField();
  }
  keyInput.addEventListener('change', () => {
    apiKey.set(keyInput.value.trim());
    clearImageCache();
    void history.refresh();
  });
}

/** The page suggests a snapshot every twentieth of the run until the person types their own value. */
function suggestSnapshots(form: OptionsForm): void {
  const snapshots = form.control('snapshotEvery');
  const iterations = form.control('iterations');
  if (!(snapshots instanceof HTMLInputElement) || !iterations) return;
  let edited = false;
  snapshots.addEventListener('input', () => (edited = true));
  const suggest = () => {
    const count = Number(iterations.value);
    if (!edited && Number.isInteger(count) && count > 0) {
      snapshots.value = String(Math.max(1, Math.round(count / SNAPSHOTS_PER_RUN)));
    }
  };
  iterations.addEventListener('input', suggest);
  suggest();
  const help = document.getElementById(`${snapshots.id}-help`);
  help?.append(` This page suggests one every 1/${SNAPSHOTS_PER_RUN} of the run, so you can watch it paint.`);
}

/** The start-image picker appears when the init option asks for an image (and the server takes one). */
function linkInitImage(form: OptionsForm, description: ApiDescription): void {
  const init = form.control('init');
  if (!init || !description.initImage) return;
  const update = () => (byId('init-field').hidden = init.value !== 'image');
  init.addEventListener('change', update);
  update();
}

async function submit(form: OptionsForm, pickers: ImagePickers): Promise<void> {
  clearAlert();
  if (!keyField.hidden) apiKey.set(keyInput.value.trim());
  const options = form.collect();
  if (!options) return;
  const body = new FormData();
  if (!pickers.fill(body)) return;
  body.append('options', JSON.stringify(options));
  submitButton.disabled = true;
  submitButton.setAttribute('aria-busy', 'true');
  try {
    const job = await jobsApi.create(body);
    created = job;
    location.hash = `#/jobs/${job.id}`;
    void history.refresh();
  } catch (error) {
    if (!(error instanceof PageProblem)) throw error;
    if (error.code === 'UNAUTHORIZED') {
      revealKeyField();
      keyInput.focus();
    } else if (error.code === 'INVALID_OPTIONS' && error.problem.errors) {
      form.showErrors(error.problem.errors);
    }
    showProblem(error);
  } finally {
    submitButton.disabled = false;
    submitButton.removeAttribute('aria-busy');
  }
}

async function loadDescription(): Promise<ApiDescription> {
  const response = await call('/openapi.json');
  return readApiDescription(await response.json());
}

async function main(): Promise<void> {
  setUpKeyField();
  window.addEventListener('hashchange', () => route(true));
  // A file dropped next to a drop zone must not replace the page with the file.
  for (const type of ['dragover', 'drop']) window.addEventListener(type, (event) => event.preventDefault());
  route(false);
  void history.refresh();

  let description: ApiDescription;
  try {
    description = await loadDescription();
  } catch (error) {
    submitButton.disabled = true;
    const detail = error instanceof PageProblem ? error.problem.detail : String(error);
    showAlert({
      title: 'The form could not be built',
      detail: `Reading the API description (/openapi.json) failed: ${detail}`,
      hint: 'Reload the page; if it keeps failing, the server may be restarting.',
      action: { label: 'Reload', run: () => location.reload() },
    });
    return;
  }
  const form = renderOptionsForm(
    byId('common-options'),
    byId('more-options'),
    description.options,
    COMMON_OPTIONS,
  );
  const pickers = new ImagePickers(describeNumber('weight', description.styleWeight), description.masks);
  suggestSnapshots(form);
  linkInitImage(form, description);
  byId<HTMLFormElement>('job-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void submit(form, pickers);
  });
}

void main();
