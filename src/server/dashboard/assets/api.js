// The REST API under /api/v1, with the tenant's API key as a Bearer token. The key comes from
// `?key=` once (then it is removed from the address bar) or from the sign-in form, and lives in
// sessionStorage: closing the tab forgets it.

const KEY_STORAGE = 'calsync.apiKey';

export function takeKeyFromUrl() {
  const url = new URL(location.href);
  const key = url.searchParams.get('key');
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  url.searchParams.delete('key');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

export const apiKey = () => sessionStorage.getItem(KEY_STORAGE);
export const setApiKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const forgetApiKey = () => sessionStorage.removeItem(KEY_STORAGE);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** One API call; resolves to the parsed JSON body (undefined for 204), throws ApiError otherwise. */
export async function call(method, path, body) {
  const headers = { authorization: `Bearer ${apiKey() ?? ''}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? `${method} ${path} answered ${res.status}`);
  return json;
}

/** Lists come back as `{<name>: [...]}` (or `{items}` / a bare array): take the array either way. */
function list(body, name) {
  if (Array.isArray(body)) return body;
  return body?.[name] ?? body?.items ?? body?.data ?? [];
}

const id = encodeURIComponent;

export const api = {
  health: () => call('GET', '/health'),
  integrations: async () => list(await call('GET', '/integrations'), 'integrations'),
  calendars: async () => list(await call('GET', '/calendars'), 'calendars'),
  syncCalendar: (calendarId) => call('POST', `/calendars/${id(calendarId)}/sync`, {}),
  conflicts: async () => list(await call('GET', '/conflicts?status=open'), 'conflicts'),
  resolveConflict: (conflictId, choice) => call('POST', `/conflicts/${id(conflictId)}/resolve`, choice),
  deadLetters: async () => list(await call('GET', '/dead-letters'), 'deadLetters'),
  replayDeadLetter: (jobId) => call('POST', `/dead-letters/${id(jobId)}/replay`, {}),
  discardDeadLetter: (jobId) => call('DELETE', `/dead-letters/${id(jobId)}`),
  events: async () => list(await call('GET', '/events?limit=500'), 'events'),
  event: (eventId) => call('GET', `/events/${id(eventId)}`),
  history: async (eventId) => list(await call('GET', `/events/${id(eventId)}/history`), 'history'),
  restore: (eventId, auditId) => call('POST', `/events/${id(eventId)}/restore`, auditId ? { auditId } : {}),
};
