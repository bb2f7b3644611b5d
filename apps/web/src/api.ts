import type { Job, ListJobsResponse, Problem } from '@neural-style/contract';

/** A refusal as the page shows it: the server's problem, or one the page made up for a network failure. */
export class PageProblem extends Error {
  constructor(
    readonly problem: Pick<Problem, 'title' | 'status' | 'detail'> & Partial<Problem>,
    /** Seconds from a Retry-After header (429, 409 in progress). */
    readonly retryAfterSeconds?: number,
  ) {
    super(problem.detail);
    this.name = 'PageProblem';
  }

  get code(): string {
    return this.problem.code ?? (this.problem.status === 0 ? 'NETWORK' : `HTTP_${this.problem.status}`);
  }
}

const KEY_STORAGE = 'neural-style.api-key';

/** The key the user entered, kept in this browser (localStorage) so a reload keeps working. */
export const apiKey = {
  get(): string {
    try {
      return localStorage.getItem(KEY_STORAGE) ?? '';
    } catch {
      return '';
    }
  },
  set(key: string): void {
    try {
      if (key) localStorage.setItem(KEY_STORAGE, key);
      else localStorage.removeItem(KEY_STORAGE);
    } catch {
      // Storage can be off (private mode); the key then lasts until the page is closed.
    }
    memoryKey = key;
  },
  current(): string {
    return memoryKey ?? apiKey.get();
  },
};
let memoryKey: string | undefined;

export function authHeaders(): Record<string, string> {
  const key = apiKey.current();
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** fetch against our API with the key; any answer that is not 2xx/3xx becomes a PageProblem. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { ...authHeaders(), ...init.headers } });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new PageProblem({
      title: 'No connection',
      status: 0,
      detail: 'The server could not be reached.',
    });
  }
  if (!response.ok) throw await problemOf(response);
  return response;
}

export async function callJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  return (await (await call(path, init)).json()) as T;
}

export async function problemOf(response: Response): Promise<PageProblem> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    if (typeof body.detail === 'string') {
      return new PageProblem(
        { ...body, title: body.title ?? response.statusText, status: response.status, detail: body.detail },
        retryAfterSeconds,
      );
    }
  } catch {
    // Not problem+json (a proxy's error page): fall through to the status line.
  }
  return new PageProblem(
    {
      title: response.statusText || 'Error',
      status: response.status,
      detail: `The server answered ${response.status} ${response.statusText}`.trim(),
    },
    retryAfterSeconds,
  );
}

export const jobsApi = {
  create: (form: FormData) => callJson<Job>('/jobs', { method: 'POST', body: form }),
  get: (id: string) => callJson<Job>(`/jobs/${encodeURIComponent(id)}`),
  list: (limit: number) => callJson<ListJobsResponse>(`/jobs?limit=${limit}`),
  cancel: (id: string) => callJson<Job>(`/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
  eventsUrl: (id: string) => `/jobs/${encodeURIComponent(id)}/events`,
};

const imageCache = new Map<string, Promise<string>>();

/**
 * An image the API serves (output, snapshot) as an object URL: <img src> cannot send the key. Results and
 * snapshots never change, so each is fetched once per page.
 */
export function imageUrl(path: string): Promise<string> {
  let cached = imageCache.get(path);
  if (!cached) {
    cached = call(path).then(async (response) => URL.createObjectURL(await response.blob()));
    cached.catch(() => imageCache.delete(path));
    imageCache.set(path, cached);
  }
  return cached;
}

/** Forgets cached images (after the key changed, a retry fetches them again). */
export function clearImageCache(): void {
  imageCache.clear();
}
