// The REST API under /api/v1. The API key is used once, to sign in: `POST /api/v1/session` trades it
// for an HttpOnly session cookie, and every later call (and the /ws WebSocket) rides on that cookie.
// The key is never stored by the page and never put in a URL. It comes from the sign-in form, or from
// `?key=` once (the demo's link), which is removed from the address bar at once.

/** The key of a `?key=` link, removed from the address bar (and so from history); undefined without one. */
export function takeKeyFromUrl() {
  const url = new URL(location.href);
  const key = url.searchParams.get('key');
  if (!key) return undefined;
  url.searchParams.delete('key');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
  return key;
}

/** Signs in with an API key; throws ApiError (401) when it is not accepted. */
export const signIn = (key) => call('POST', '/session', { key });
export const signOut = () => call('DELETE', '/session');

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** One API call; resolves to the parsed JSON body (undefined for 204), throws ApiError otherwise. */
export async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
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
