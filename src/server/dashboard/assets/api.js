// The REST API under /api/v1. A person signs in once — email and password, or the token of a one-time
// link (`#signin=…`, a URL fragment: never sent to the server, removed from the address bar at once) —
// and `POST /api/v1/session` answers with an HttpOnly session cookie every later call (and the /ws
// WebSocket) rides on. Machines use API keys; the demo's `?key=` link still works and is removed too.

/** The key of a `?key=` link, removed from the address bar (and so from history); undefined without one. */
export function takeKeyFromUrl() {
  const url = new URL(location.href);
  const key = url.searchParams.get('key');
  if (!key) return undefined;
  url.searchParams.delete('key');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
  return key;
}

/** The token of a `#signin=…` link, removed from the address bar; undefined without one. */
export function takeSignInTokenFromUrl() {
  const match = /(?:^#|&)signin=([^&]+)/.exec(location.hash);
  if (!match) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(match[1]);
}

/** Signs in (`{email, password}`, `{token}` or `{key}`); throws ApiError (401) when it is not accepted. */
export const signIn = (credentials) => call('POST', '/session', typeof credentials === 'string' ? { key: credentials } : credentials);
export const whoAmI = () => call('GET', '/session');
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
  agenda: (days = 42) => call('GET', `/agenda?days=${days}`),
  connect: (kind, body) => call('POST', `/integrations/${kind === 'icloud' ? 'icloud' : 'caldav'}`, body),
  startOutlook: (body) => call('POST', '/integrations/outlook/start', body),
  updateCalendar: (calendarId, patch) => call('PATCH', `/calendars/${id(calendarId)}`, patch),
  syncCalendar: (calendarId) => call('POST', `/calendars/${id(calendarId)}/sync`, {}),
  conflicts: async () => list(await call('GET', '/conflicts?status=open'), 'conflicts'),
  resolveConflict: (conflictId, choice) => call('POST', `/conflicts/${id(conflictId)}/resolve`, choice),
  deadLetters: async () => list(await call('GET', '/dead-letters'), 'deadLetters'),
  notificationEndpoints: async () => list(await call('GET', '/notification-endpoints'), 'endpoints'),
  replayDeadLetter: (jobId) => call('POST', `/dead-letters/${id(jobId)}/replay`, {}),
  discardDeadLetter: (jobId) => call('DELETE', `/dead-letters/${id(jobId)}`),
  events: async () => list(await call('GET', '/events?limit=500'), 'events'),
  event: (eventId) => call('GET', `/events/${id(eventId)}`),
  history: async (eventId) => list(await call('GET', `/events/${id(eventId)}/history`), 'history'),
  restore: (eventId, auditId) => call('POST', `/events/${id(eventId)}/restore`, auditId ? { auditId } : {}),
};
