/**
 * Time-window views: `/calendarView`, `/events/{id}/instances` and `/calendarView/delta`
 * (api/user-list-calendarview.md, event-list-instances.md, event-delta.md).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type EmulatorContext, baseUrl, header, linkWith, mailboxOf, odataContext, queryOf, renderOptions } from '../context.js';
import { removedItem, renderInstance } from '../event-json.js';
import { GraphError } from '../graph-error.js';
import { instancesInWindow, publicId, sortByStart } from '../instances.js';
import { parseFilter, parseIntParam, parseOrderBy, preferredPageSize, type Query, queryParam } from '../odata.js';
import type { Instance } from '../model.js';
import { wallToInstant } from '../time-zones.js';
import { calendarIdOf } from './events.js';
import { calendarPaths, ownerPaths } from './owners.js';

const missingWindow = (): GraphError =>
  new GraphError(400, 'ErrorInvalidParameter', 'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.');

const DAY_MS = 86_400_000;

/**
 * startDateTime/endDateTime: ISO 8601; without an offset they are read as UTC. A window longer than
 * `maxDays` (Graph: 1825) is refused with Graph's message (microsoft-graph-docs#6284); 0 = no limit.
 */
function windowOf(q: Query, maxDays: number): { fromMs: number; toMs: number } {
  const from = queryParam(q, 'startDateTime');
  const to = queryParam(q, 'endDateTime');
  if (!from || !to) throw missingWindow();
  const fromMs = wallToInstant(from, 'UTC');
  const toMs = wallToInstant(to, 'UTC');
  if (toMs <= fromMs) throw new GraphError(400, 'ErrorInvalidParameter', 'The parameter EndDateTime must be later than StartDateTime.');
  if (maxDays > 0 && toMs - fromMs > maxDays * DAY_MS)
    throw new GraphError(
      400,
      'ErrorInvalidRequest',
      `Your request can't be completed. The range between the start and end dates is greater than the allowed range. Maximum number of days: ${maxDays}`,
    );
  return { fromMs, toMs };
}

export function registerViewRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  for (const { path } of calendarPaths('/calendarView')) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const { fromMs, toMs } = windowOf(queryOf(req), ctx.strict.maxWindowDays);
      const items = ctx.store.view(mb, calendarIdOf(ctx, mb, req), fromMs, toMs).filter(filterOf(req));
      const order = parseOrderBy(queryOf(req));
      if (order) items.sort(order);
      return pageOf(ctx, req, odataContext(ctx, req, mb, 'calendarView'), items.map((i) => renderInstance(i, mb, renderOptions(ctx, req))));
    });
  }

  for (const path of ownerPaths('/events/:eventId/instances')) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const { fromMs, toMs } = windowOf(queryOf(req), ctx.strict.maxWindowDays);
      const inst = ctx.store.instance(mb, (req.params as { eventId: string }).eventId);
      const items = inst.type === 'seriesMaster' ? sortByStart(instancesInWindow(inst.event, fromMs, toMs)).filter(filterOf(req)) : [];
      return pageOf(ctx, req, odataContext(ctx, req, mb, `events('${inst.id}')/instances`), items.map((i) => renderInstance(i, mb, renderOptions(ctx, req))));
    });
  }

  for (const { path } of calendarPaths('/calendarView/delta')) {
    app.get(path, async (req) => {
      const mb = mailboxOf(ctx, req);
      const calendarId = calendarIdOf(ctx, mb, req);
      const q = queryOf(req);
      // Delta refuses the shaping options (event-delta.md: no $select/$filter/$orderby/$search/$expand).
      for (const opt of ['$select', '$filter', '$orderby', '$search', '$expand'])
        if (q[opt] !== undefined) throw new GraphError(400, 'ErrorInvalidUrlQuery', `The query parameter '${opt}' is not supported with delta.`);
      const opts = renderOptions(ctx, req);
      const render = (i: Parameters<typeof renderInstance>[0]): Record<string, unknown> => ({ '@odata.type': '#microsoft.graph.event', ...renderInstance(i, mb, opts) });
      const removed = (id: string): Record<string, unknown> => removedItem(publicId(mb, id, opts.immutableIds === true));
      let skipToken = q.$skiptoken;
      if (skipToken === undefined) {
        const deltaToken = q.$deltatoken;
        if (deltaToken !== undefined) {
          const snap = ctx.delta.snapshotFor(deltaToken, mb, calendarId);
          skipToken = ctx.delta.resume(snap, ctx.store.view(mb, calendarId, snap.fromMs, snap.toMs), render, removed);
        } else {
          const { fromMs, toMs } = windowOf(q, ctx.strict.maxWindowDays);
          skipToken = ctx.delta.begin(mb, calendarId, fromMs, toMs, ctx.store.view(mb, calendarId, fromMs, toMs), render, removed);
        }
      }
      const pageSize = preferredPageSize(header(req, 'prefer')) ?? ctx.deltaPageSize;
      const page = ctx.delta.page(skipToken, pageSize);
      const link = `${baseUrl(ctx, req)}${req.url.split('?')[0]}`;
      return {
        '@odata.context': `${baseUrl(ctx, req)}/v1.0/$metadata#Collection(event)`,
        ...(page.skipToken ? { '@odata.nextLink': `${link}?$skiptoken=${page.skipToken}` } : {}),
        ...(page.deltaToken ? { '@odata.deltaLink': `${link}?$deltatoken=${page.deltaToken}` } : {}),
        value: page.value,
      };
    });
  }
}

function filterOf(req: FastifyRequest): (i: Instance) => boolean {
  return parseFilter(queryOf(req)) ?? (() => true);
}

/** $top/$skip paging of an in-memory collection, with Graph's nextLink. */
function pageOf(ctx: EmulatorContext, req: FastifyRequest, context: string, all: Record<string, unknown>[]): Record<string, unknown> {
  const q = queryOf(req);
  const top = parseIntParam(q, '$top', ctx.pageSize);
  const skip = parseIntParam(q, '$skip', 0);
  return {
    '@odata.context': context,
    value: all.slice(skip, skip + top),
    ...(skip + top < all.length ? { '@odata.nextLink': linkWith(ctx, req, { $skip: String(skip + top) }) } : {}),
  };
}
