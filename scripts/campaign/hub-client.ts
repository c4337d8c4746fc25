/**
 * WedSync's side: calsync's REST API (`/api/v1`, API key), as the host app uses it — create events,
 * change their description with the version read (If-Match), list conflicts, ask for syncs.
 */
import type { EventView } from './event-view.js';

export interface HubEventJson {
  id: string;
  version: number;
  event: {
    title: string;
    location?: string;
    description?: string;
    start: HubTime;
    end?: HubTime;
  };
}

type HubTime = { kind: 'date'; date: string } | { kind: 'floating'; local: string } | { kind: 'utc'; utc: string } | { kind: 'zoned'; local: string; tzid: string; iana?: string };

export interface ConflictJson {
  id: string;
  calendarId: string;
  hubEventId: string;
  type: string;
  fields: string[];
  status: string;
  hub?: { title?: string; location?: string; description?: string };
  remote?: { title?: string; location?: string; description?: string };
  base?: { title?: string; location?: string; description?: string };
  resolution?: { take: string; by: string };
  createdAt: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Offset of `zone` at the instant `ms` (ms to add to UTC to get wall-clock time). */
function zoneOffsetMs(zone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
}

export function hubTimeMs(t: HubTime | undefined): number {
  if (!t) return Number.NaN;
  if (t.kind === 'utc') return Date.parse(t.utc);
  if (t.kind === 'zoned') {
    const zone = t.iana ?? t.tzid;
    const wall = Date.parse(`${t.local}Z`);
    try {
      // Two passes settle DST edges well enough for the campaign's (UTC) events.
      const first = wall - zoneOffsetMs(zone, wall);
      return wall - zoneOffsetMs(zone, first);
    } catch {
      return Number.NaN;
    }
  }
  return Number.NaN;
}

export class HubClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new HttpError(res.status, `${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async list(): Promise<HubEventJson[]> {
    const out: HubEventJson[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.call<{ items: HubEventJson[]; next?: string }>('GET', `/events?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      out.push(...page.items);
      if (!page.next) return out;
      after = page.next;
    }
  }

  get(id: string): Promise<HubEventJson> {
    return this.call('GET', `/events/${encodeURIComponent(id)}`);
  }

  create(input: { title: string; location: string; description: string; start: string; end: string }): Promise<HubEventJson> {
    return this.call('POST', '/events', input);
  }

  patch(id: string, version: number, fields: { description: string }): Promise<HubEventJson> {
    return this.call('PATCH', `/events/${encodeURIComponent(id)}`, fields, { 'if-match': `"${version}"` });
  }

  history(id: string): Promise<unknown[]> {
    return this.call('GET', `/events/${encodeURIComponent(id)}/history`);
  }

  conflicts(): Promise<ConflictJson[]> {
    return this.call('GET', '/conflicts');
  }

  calendars(): Promise<{ id: string; integrationId: string; name: string }[]> {
    return this.call('GET', '/calendars');
  }

  integrations(): Promise<{ id: string; name: string; status: string }[]> {
    return this.call('GET', '/integrations');
  }

  syncIntegration(id: string): Promise<unknown> {
    return this.call('POST', `/integrations/${encodeURIComponent(id)}/sync`, {});
  }

  async views(): Promise<EventView[]> {
    return (await this.list()).map((h) => ({
      side: 'hub' as const,
      ref: h.id,
      title: h.event.title,
      location: h.event.location ?? '',
      description: h.event.description ?? '',
      startMs: hubTimeMs(h.event.start),
      endMs: hubTimeMs(h.event.end),
    }));
  }
}
