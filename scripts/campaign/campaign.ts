/**
 * The shape every campaign shares: build the world, seed events on all three sides, start calsync,
 * wait for the first convergence, then edit on all sides while a disturbance runs (kill -9, faults),
 * stop, let calsync converge, compare item by item and print the closing line. Exit 0 only when nothing
 * was lost, duplicated, altered and no conflict was recorded.
 */
import { cleanupAll, installSignalHandlers } from './cleanup.js';
import { compare, counts, type Verdict } from './compare.js';
import { converge } from './converge.js';
import { SIDES, keyFromView, type Side } from './event-view.js';
import type { CampaignOptions } from './options.js';
import { Progress } from './progress.js';
import { Rng, sleep } from './rng.js';
import { takeSnapshot } from './snapshot.js';
import { Workload } from './workload.js';
import { buildWorld, startCalsync, type World } from './world.js';

export interface Disturbance {
  /** `crash` / `fault`: the closing line's first word. */
  name: string;
  /** Fault proxies wanted (share of requests), for the fault campaign. */
  faultRate?: number;
  /** Runs while the clients edit; the edit phase ends when this resolves and `--seconds` have passed. */
  run(world: World, ctx: { stop: AbortSignal; rng: Rng; say: (line: string) => void }): Promise<void>;
  /** `57 kills` / `412 faults`. */
  headline(world: World): string;
  status(world: World): string;
  summary(world: World): Record<string, unknown>;
}

/** Keys of events with a conflict recorded: their other discrepancies may be the conflict's blocking. */
const conflicted = (v: Verdict): Set<string> => new Set(v.spurious.map((s) => s.key).filter((k): k is string => k !== undefined));

function describe(v: Verdict, n: number, calendarNames: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  const blocked = conflicted(v);
  for (const l of v.lost.slice(0, n)) lines.push(`lost        ${l.key} (created in ${l.origin}): missing in ${l.sides.join(', ')}`);
  for (const d of v.duplicated.slice(0, n)) lines.push(d.key && d.refs.length > 1 ? `duplicated  ${d.key} on ${d.side}: ${d.refs.length} items` : `duplicated  ${d.side} holds an item that is no campaign event: "${d.title ?? ''}" (${d.refs.join(', ')})`);
  // Silent alterations (no conflict on the event) first: those are the worst.
  const altered = [...v.altered].sort((a, b) => Number(blocked.has(a.key)) - Number(blocked.has(b.key)));
  for (const a of altered.slice(0, n)) lines.push(`altered     ${a.key} on ${a.side}, ${a.field}: expected "${a.expected}", found "${a.actual}"${blocked.has(a.key) ? ' (event has a conflict)' : ' (SILENT: no conflict recorded)'}`);
  for (const s of v.spurious.slice(0, n)) {
    const fields = s.fields.map((f) => (f === 'title' || f === 'location' || f === 'description' ? `${f}: base "${s.base[f] ?? '∅'}", hub "${s.hub[f] ?? '∅'}", calendar "${s.remote[f] ?? '∅'}"` : f)).join('; ');
    lines.push(`conflict    ${s.key ?? '?'} with ${calendarNames.get(s.calendarId) ?? s.calendarId}, ${s.type} (${s.status}) ${fields}`);
  }
  return lines;
}

export async function runCampaign(disturbance: Disturbance, opts: CampaignOptions): Promise<number> {
  installSignalHandlers();
  const progress = new Progress(process.stderr);
  const say = (line: string): void => progress.say(line);
  const rng = new Rng(opts.seed);
  const started = performance.now();
  let world: World | undefined;
  try {
    say(`${disturbance.name} campaign, seed ${opts.seed}: ${opts.events} events, ${opts.seconds} s of edits at ${opts.rate}/s per side${opts.embedded ? ', embedded (SQLite + in-process workers)' : `, serve --no-workers + ${opts.workers} workers`}`);
    world = await buildWorld({ embedded: opts.embedded, workers: opts.workers, rng: rng.fork(), keep: opts.keep, say, ...(disturbance.faultRate === undefined ? {} : { faultRate: disturbance.faultRate }) });
    const w = world;
    say(`store: ${w.store}; Radicale ${w.radicale.url}; Graph emulator ${w.emulator.url}${w.proxies.length ? `; fault proxies ${w.proxies.map((p) => p.url).join(', ')}` : ''}`);
    const workload = new Workload({ hub: w.hub, outlook: w.outlook, dav: w.dav, rng: rng.fork(), say });

    // Seed: a third each in Outlook and Radicale before calsync starts, the rest through the API after.
    const perSide = Math.floor(opts.events / 3);
    for (let i = 0; i < perSide; i += 1) await workload.createOutlook();
    for (let i = 0; i < perSide; i += 1) await workload.createCalDav();
    await startCalsync(w);
    say(`calsync up: ${w.all.map((p) => p.spec.name).join(', ')}`);
    for (let i = 0; i < opts.events - 2 * perSide; i += 1) await workload.createHub(Date.now() + 60_000);
    say(`seeded ${workload.expected.size} events (Outlook ${perSide}, CalDAV ${perSide}, hub ${opts.events - 2 * perSide}); first sync…`);
    progress.live(() => `first sync: known ${JSON.stringify(workload.known())}`);
    const first = await converge(w, workload.expected, { timeoutMs: 300_000, roundMs: 3000, stableRounds: 20, onRound: () => void Promise.all(SIDES.map((s) => workload.discover(s))).catch(() => undefined) });
    for (const side of SIDES) await workload.discover(side);
    progress.live(undefined);
    const c0 = counts(first.verdict);
    say(`first sync ${first.reason} in ${Math.round(first.seconds)} s: ${c0.lost} lost, ${c0.duplicated} duplicated, ${c0.altered} altered, ${c0.spurious} conflicts; clients know ${JSON.stringify(workload.known())}`);

    // The disturbance, with edits on every side.
    workload.resetStats();
    const stop = new AbortController();
    const errors: string[] = [];
    for (const p of w.proxies) p.enabled = true;
    const phaseStart = performance.now();
    const loops = SIDES.map((side: Side) => workload.loop(side, { rate: opts.rate, createShare: opts.createShare, stop: stop.signal, errors }));
    progress.live(() => {
      const e = workload.stats;
      return `edits hub ${e.hub.edits}+${e.hub.creates}c, outlook ${e.outlook.edits}+${e.outlook.creates}c, caldav ${e.caldav.edits}+${e.caldav.creates}c · ${disturbance.status(w)} · up ${w.all.filter((p) => p.alive).map((p) => p.spec.name).join(',')}`;
    });
    await Promise.all([disturbance.run(w, { stop: stop.signal, rng: rng.fork(), say }), sleep(opts.seconds * 1000)]);
    stop.abort();
    await Promise.all(loops);
    for (const p of w.proxies) p.enabled = false;
    progress.live(undefined);
    const phaseSeconds = (performance.now() - phaseStart) / 1000;
    say(`disturbance over after ${Math.round(phaseSeconds)} s: ${disturbance.headline(w)} (${disturbance.status(w)})`);
    say(`third-party writes: ${SIDES.map((s) => `${s} ${workload.stats[s].edits} edits + ${workload.stats[s].creates} creates (${workload.stats[s].retries} retried, ${workload.stats[s].abandoned} unknown)`).join('; ')}`);
    if (errors.length > 0) say(`client errors (${errors.length}): ${errors.slice(0, 5).join(' | ')}`);

    // Everything back up, then convergence.
    for (const p of w.all) if (!p.alive) p.start();
    for (const p of w.all) if (!(await p.ready())) say(`warning: ${p.spec.name} is not ready (log ${p.logFile})`);
    progress.live(() => 'converging…');
    const result = await converge(w, workload.expected, {
      timeoutMs: opts.convergeSeconds * 1000,
      onRound: (v, round) => {
        const c = counts(v);
        progress.live(() => `converging, round ${round}: ${c.lost} lost, ${c.duplicated} duplicated, ${c.altered} altered, ${c.spurious} conflicts`);
      },
    });
    progress.live(undefined);
    const verdict = result.verdict.events === workload.expected.size ? result.verdict : compare(workload.expected, await takeSnapshot(w));
    const c = counts(verdict);
    say(`convergence: ${result.reason} after ${Math.round(result.seconds)} s (${result.rounds} rounds)`);
    const calendarNames = new Map((await w.hub.calendars().catch(() => [])).map((cal) => [cal.id, w.integrationIds[0] === cal.integrationId ? 'Outlook' : 'CalDAV']));
    for (const line of describe(verdict, opts.examples, calendarNames)) say(line);
    // The hub's audit trail of the first events in trouble: who wrote what, in which order.
    const troubled = [...new Set([...verdict.spurious.map((s) => s.key), ...verdict.altered.map((a) => a.key), ...verdict.lost.map((l) => l.key)])].filter((k): k is string => k !== undefined && k !== '?').slice(0, opts.examples);
    const hubIds = new Map((await w.hub.views().catch(() => [])).map((v) => [keyFromView(v), v.ref]));
    const histories: Record<string, unknown> = {};
    for (const key of troubled) {
      const id = hubIds.get(key);
      if (id) histories[key] = await w.hub.history(id).catch((err: unknown) => String(err));
    }
    const silent = new Set(verdict.altered.filter((a) => !conflicted(verdict).has(a.key)).map((a) => a.key));
    if (c.altered > 0) say(`altered events: ${c.altered}, of which ${silent.size} silently (no conflict recorded on them)`);
    const unexpected = w.all.flatMap((p) => p.unexpectedExits);
    if (unexpected.length > 0) say(`calsync processes that died on their own: ${unexpected.slice(0, 5).join('; ')}${unexpected.length > 5 ? ` (+${unexpected.length - 5})` : ''}`);
    const closing = `${disturbance.name} campaign: ${disturbance.headline(w)}, ${verdict.events} events, ${c.lost} lost, ${c.duplicated} duplicated, ${c.altered} altered, ${c.spurious} spurious conflicts${verdict.recreated > 0 ? ` (${verdict.recreated} create(s) repeated after a lost answer, on record)` : ''}`;
    const ok = c.lost + c.duplicated + c.altered + c.spurious === 0;
    if (opts.json) {
      const summary = {
        campaign: disturbance.name,
        ok,
        seed: opts.seed,
        options: opts,
        store: w.store,
        seconds: { total: Math.round((performance.now() - started) / 1000), firstSync: Math.round(first.seconds), disturbance: Math.round(phaseSeconds), convergence: Math.round(result.seconds) },
        convergence: result.reason,
        counts: { events: verdict.events, ...c, silentlyAltered: silent.size },
        disturbance: disturbance.summary(w),
        edits: workload.stats,
        clientErrors: errors,
        notes: workload.notes,
        unexpectedExits: unexpected,
        lost: verdict.lost,
        duplicated: verdict.duplicated,
        altered: verdict.altered,
        spuriousConflicts: verdict.spurious.map((s) => ({ ...s, calendar: calendarNames.get(s.calendarId) })),
        hubHistories: histories,
        closing,
      };
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      process.stderr.write(`${closing}\n`);
    } else {
      say(`total ${Math.round((performance.now() - started) / 1000)} s`);
      process.stdout.write(`${closing}\n`);
    }
    return ok ? 0 : 1;
  } catch (err) {
    progress.live(undefined);
    process.stderr.write(`${disturbance.name} campaign could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (world) for (const p of world.all) process.stderr.write(`  log of ${p.spec.name}: ${p.logFile}${opts.keep ? '' : ' (rerun with --keep to keep it)'}\n`);
    return 2;
  } finally {
    await cleanupAll();
  }
}
