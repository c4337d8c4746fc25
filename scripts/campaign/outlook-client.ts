/**
 * The other Outlook client: edits the emulator's mailbox through its Graph API in-process
 * (`emu.admin.act`, which change-notifies like any Outlook client's write), never through the proxy.
 */
import type { GraphEmulator } from '../../src/emulator/graph/index.js';
import type { EventView } from './event-view.js';

interface GraphEventJson {
  id: string;
  subject?: string | null;
  location?: { displayName?: string | null } | null;
  body?: { contentType?: string | null; content?: string | null } | null;
  start?: { dateTime: string; timeZone: string } | null;
  end?: { dateTime: string; timeZone: string } | null;
  type?: string;
}

/** Graph `dateTimeTimeZone` in UTC (the default without a `Prefer` zone) → ms. */
function graphMs(t: { dateTime: string; timeZone: string } | null | undefined): number {
  if (!t) return Number.NaN;
  if (t.timeZone !== 'UTC') return Number.NaN;
  return Date.parse(`${t.dateTime.replace(/\.\d+$/, '')}Z`);
}

const htmlText = (s: string): string =>
  s
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

export class OutlookClient {
  constructor(
    private readonly emu: GraphEmulator,
    private readonly mailbox: string,
  ) {}

  async create(input: { subject: string; location: string; body: string; startMs: number; endMs: number }): Promise<string> {
    const at = (ms: number): { dateTime: string; timeZone: string } => ({ dateTime: new Date(ms).toISOString().replace(/\.\d{3}Z$/, ''), timeZone: 'UTC' });
    const res = await this.emu.admin.act(this.mailbox, 'POST', '/events', {
      subject: input.subject,
      location: { displayName: input.location },
      body: { contentType: 'text', content: input.body },
      start: at(input.startMs),
      end: at(input.endMs),
    });
    if (res.status !== 201) throw new Error(`Graph POST /events: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return (res.body as { id: string }).id;
  }

  /** PATCH one event's subject; false when the event is gone (404). */
  async setSubject(id: string, subject: string): Promise<boolean> {
    const res = await this.emu.admin.act(this.mailbox, 'PATCH', `/events/${encodeURIComponent(id)}`, { subject });
    if (res.status === 404) return false;
    if (res.status !== 200) throw new Error(`Graph PATCH /events/${id}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return true;
  }

  /** Every event of the mailbox's default calendar (series masters and single events). */
  async views(): Promise<EventView[]> {
    const out: EventView[] = [];
    const top = 250;
    for (let skip = 0; ; skip += top) {
      const res = await this.emu.admin.act(this.mailbox, 'GET', `/events?$top=${top}&$skip=${skip}&$select=subject,location,body,start,end,type`);
      if (res.status !== 200) throw new Error(`Graph GET /events: HTTP ${res.status}`);
      const page = (res.body as { value: GraphEventJson[] }).value;
      for (const e of page) {
        const body = e.body?.content ?? '';
        out.push({
          side: 'outlook',
          ref: e.id,
          title: e.subject ?? '',
          location: e.location?.displayName ?? '',
          description: e.body?.contentType === 'html' ? htmlText(body) : body,
          startMs: graphMs(e.start),
          endMs: graphMs(e.end),
        });
      }
      if (page.length < top) return out;
    }
  }
}
