// The "Connected calendars" cards: one per integration, with its health, its calendars and a
// "Sync now" button per calendar (POST /calendars/:id/sync; progress then arrives over /ws).
import { api } from './api.js';
import { h, notify, replace, $ } from './dom.js';
import { ago, duration } from './format.js';

const PROVIDERS = {
  outlook: { label: 'Outlook', icon: 'O' },
  caldav: { label: 'CalDAV', icon: 'C' },
  icloud: { label: 'Apple iCloud', icon: '' },
  memory: { label: 'Test calendar', icon: 'M' },
};

/**
 * healthy / warning / failing from the integration's status and health numbers:
 * failing = needs re-auth, flagged, a failing sync or an open circuit; warning = something waits for a
 * person (conflicts, failed jobs), the last success is old, or an Outlook mailbox is close to its
 * Graph request budget (requests will soon wait for the next 10-minute window).
 */
export function healthLevel(integration, health) {
  if (integration.status === 'needs_reauth' || integration.status === 'flagged') return 'failing';
  if (integration.status === 'disabled') return 'warning';
  if (!health) return 'unknown';
  if (health.lastError || health.circuit === 'open') return 'failing';
  if (health.openConflicts > 0 || health.deadLetters > 0 || health.circuit === 'half-open' || (health.lagS ?? 0) > 3600 || health.requestBudget?.near) return 'warning';
  return health.healthy === false ? 'warning' : 'healthy';
}

const LEVEL_TEXT = { healthy: 'Healthy', warning: 'Needs attention', failing: 'Failing', unknown: 'Not synced yet' };
const STATUS_TEXT = { needs_reauth: 'Sign in again', flagged: 'Paused by a safety check', disabled: 'Disabled' };

function stat(label, value, testid) {
  return h('div', { class: 'stat' }, h('dt', {}, label), h('dd', testid ? { 'data-testid': testid } : {}, value));
}

/** The calendar's colour dot; set through CSSOM (allowed by the CSP), only for plain colour values. */
function swatch(color) {
  const dot = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  if (typeof color === 'string' && /^#[0-9a-f]{3,8}$|^[a-z]{3,20}$/i.test(color)) dot.style.background = color;
  return dot;
}

/** How changes reach us: pushed (Graph subscription, WebDAV-Push) or found by polling. */
function pushBadge(calendar) {
  const push = calendar.push;
  if (!calendar.enabled || !push) return null;
  if (push.active) {
    const via = push.via === 'graph' ? 'Outlook notifications' : 'WebDAV-Push';
    const until = push.expiresAt ? `, renewed before ${new Date(push.expiresAt).toLocaleString()}` : '';
    return h('span', { class: 'push live', 'data-testid': 'push-state', title: `Changes arrive at once through ${via}${until}` }, 'live');
  }
  return h('span', { class: 'push polled', 'data-testid': 'push-state', title: push.note ? `Checked on a schedule: ${push.note}` : 'Checked on a schedule (no push channel)' }, 'polled');
}

function calendarRow(calendar) {
  const button = h('button', {
    type: 'button',
    class: 'primary small',
    'data-testid': 'sync-now',
    dataset: { calendarId: calendar.id },
    disabled: !calendar.enabled,
    onclick: async () => {
      button.disabled = true;
      try {
        await api.syncCalendar(calendar.id);
        notify(`Sync of “${calendar.name}” queued`);
      } catch (err) {
        notify(`Could not start the sync: ${err.message}`, 'error');
      } finally {
        setTimeout(() => (button.disabled = false), 1500);
      }
    },
  }, 'Sync now');
  return h('li', { class: 'calendar-row' },
    swatch(calendar.color),
    h('span', { class: 'calendar-name' }, calendar.name, calendar.enabled ? null : h('em', {}, ' (off)')),
    h('span', { class: 'direction' }, calendar.direction === 'import_only' ? 'import only' : calendar.direction === 'export_only' ? 'export only' : 'two-way'),
    pushBadge(calendar),
    button,
  );
}

function card(integration, health, calendars) {
  const level = healthLevel(integration, health);
  const provider = PROVIDERS[integration.provider] ?? { label: integration.provider, icon: '?' };
  // Why it is not healthy, in the service's words (GET /health `reasons`), else the last error.
  const reason = integration.statusReason ?? (health?.reasons?.length ? health.reasons.join(' · ') : health?.lastError);
  return h('article', { class: `card level-${level}`, 'data-testid': 'integration-card', dataset: { integrationId: integration.id, level } },
    h('header', { class: 'card-head' },
      h('span', { class: `provider-icon provider-${integration.provider}`, 'aria-hidden': 'true' }, provider.icon),
      h('div', { class: 'card-title' }, h('h3', {}, integration.name), h('span', { class: 'provider-label' }, provider.label)),
      h('span', { class: `badge badge-${level}`, 'data-testid': 'health' }, STATUS_TEXT[integration.status] ?? LEVEL_TEXT[level]),
    ),
    reason ? h('p', { class: 'reason' }, reason) : null,
    h('dl', { class: 'stats' },
      stat('Last success', ago(health?.lastSuccessAt ?? undefined)),
      stat('Lag', health?.lagS === null || health?.lagS === undefined ? '—' : duration(health.lagS * 1000)),
      stat('Conflicts', String(health?.openConflicts ?? '—'), 'conflict-count'),
      stat('Failed jobs', String(health?.deadLetters ?? '—')),
      stat('Connection', health?.circuit ? circuitText(health.circuit) : 'ok'),
      health?.subscriptionExpiresAt ? stat('Push until', ago(health.subscriptionExpiresAt)) : null,
      health?.canRefreshToken === false ? stat('Sign-in', 'expired') : null,
      health?.requestBudget?.near ? stat('Requests', `${health.requestBudget.used} of ${health.requestBudget.limit}, resets ${ago(health.requestBudget.resetsAt)}`) : null,
    ),
    h('ul', { class: 'calendar-rows' }, calendars.map(calendarRow)),
  );
}

function circuitText(circuit) {
  return { closed: 'ok', open: 'paused (server failing)', 'half-open': 'testing' }[circuit] ?? circuit;
}

/** Health per integration id, from the integration itself or from GET /health. */
function healthIndex(healthBody) {
  const index = new Map();
  const rows = Array.isArray(healthBody) ? healthBody : healthBody?.integrations ?? [];
  for (const row of rows) index.set(row.integrationId ?? row.id, row.health ?? row);
  return index;
}

export async function renderIntegrations() {
  const [integrations, calendars, healthBody] = await Promise.all([api.integrations(), api.calendars(), api.health().catch(() => undefined)]);
  const health = healthIndex(healthBody);
  const el = $('integration-cards');
  if (integrations.length === 0) {
    replace(el, h('p', { class: 'empty' }, 'No calendars connected yet. Connect one with “calsync connect caldav”, “calsync connect icloud” or “calsync connect outlook”.'));
    return { integrations, calendars, health: healthBody };
  }
  replace(el, integrations.map((i) => card(i, i.health || health.has(i.id) ? { ...i.health, ...health.get(i.id) } : undefined, calendars.filter((c) => c.integrationId === i.id))));
  return { integrations, calendars, health: healthBody };
}
