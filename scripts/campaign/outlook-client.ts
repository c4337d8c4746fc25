/**
 * The other Outlook client: edits the emulator's mailbox through its Graph API in-process
 * (`emu.admin.act`, which change-notifies like any Outlook client's write), never through the proxy.
 * A 5xx is not taken as "not written": the emulator can answer 500 after storing a change (see the
 * campaign notes), so every write's outcome is read back.
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

/** A write whose effect could not be established (the server kept answering 5xx). */
export class UnknownOutcome extends Error {}

export class OutlookClient {
  constructor(
    private readonly emu: GraphEmulator,
    private readonly mailbox: string,
  ) {}

  /**
   * POST an event. A 5xx may come after the emulator stored it (e.g. its notifier failing), so the
   * outcome is settled by looking the subject up before trying again; throws `UnknownOutcome` when it
   * stays unsettled.
   */
  async create(input: { subject: string; location: string; body: string; startMs: number; endMs: number }): Promise<string> {
    const at = (ms: number): { dateTime: string; timeZone: string } => ({ dateTime: new Date(ms).toISOString().replace(/\.\d{3}Z$/, ''), timeZone: 'UTC' });
    let last = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (attempt > 0) {
        const found = await this.findBySubject(input.subject);
        if (found) return found;
      }
      const res = await this.emu.admin.act(this.mailbox, 'POST', '/events', {
        subject: input.subject,
        location: { displayName: input.location },
        body: { contentType: 'text', content: input.body },
        start: at(input.startMs),
        end: at(input.endMs),
      });
      if (res.status === 201) return (res.body as { id: string }).id;
      last = `Graph POST /events: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
      if (res.status < 500) throw new Error(last);
    }
    const found = await this.findBySubject(input.subject);
    if (found) return found;
    throw new UnknownOutcome(last);
  }

  private async findBySubject(subject: string): Promise<string | undefined> {
    const res = await this.emu.admin.act(this.mailbox, 'GET', `/events?$filter=${encodeURIComponent(`subject eq '${subject}'`)}&$select=subject`);
    if (res.status !== 200) return undefined;
    return (res.body as { value: { id: string }[] }).value[0]?.id;
  }

  /**
   * PATCH one event's subject; false when the event is gone (404). A 5xx is settled by reading the
   * subject back (the write may have landed); `UnknownOutcome` when it cannot be settled.
   */
  async setSubject(id: string, subject: string): Promise<boolean> {
    let last = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const res = await this.emu.admin.act(this.mailbox, 'PATCH', `/events/${encodeURIComponent(id)}`, { subject });
      if (res.status === 404) return false;
      if (res.status === 200) return true;
      last = `Graph PATCH /events/${id}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
      if (res.status < 500) throw new Error(last);
      const now = await this.emu.admin.act(this.mailbox, 'GET', `/events/${encodeURIComponent(id)}?$select=subject`);
      if (now.status === 200 && (now.body as { subject?: string }).subject === subject) return true;
    }
    throw new UnknownOutcome(last);
  }

  /** Every event of the mailbox's default calendar (series masters and single events). */
  async views(): Promise<EventView[]> {
    const out: EventView[] = [];
    const top = 250;
    for (let skip = 0; ; skip += top) {
      // Outlook hands bodies out as HTML unless asked for text (the emulator does so by default, as Graph does).
      const res = await this.emu.admin.act(this.mailbox, 'GET', `/events?$top=${top}&$skip=${skip}&$select=subject,location,body,start,end,type`, undefined, { prefer: 'outlook.body-content-type="text"' });
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
