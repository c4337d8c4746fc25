/** Command-line options shared by the campaigns (`npm run campaign -- NAME [options]`). */
import { parseArgs } from 'node:util';

export interface CampaignOptions {
  events: number;
  seconds: number;
  kills: number;
  /** Operations per second of each side's client. */
  rate: number;
  /** Share of operations that create an event (the rest edit one). */
  createShare: number;
  workers: number;
  embedded: boolean;
  faultRate: number;
  convergeSeconds: number;
  seed: number;
  json: boolean;
  keep: boolean;
  examples: number;
}

export const USAGE = `options:
  --events N            events seeded before the disturbance, split over hub, Outlook and CalDAV (default 300)
  --seconds S           how long the clients edit while the disturbance runs, at least (default 120)
  --kills K             crash: kill -9 this many times at least (default 50)
  --rate R              operations per second of each side's client (default 1.5)
  --creates P           share of operations that create an event (default 0.05)
  --workers N           calsync worker processes besides serve --no-workers (default 2)
  --embedded            the default set-up: SQLite + in-process workers in one calsync serve
  --fault-rate P        faults: share of proxied requests that get a fault (default 0.3)
  --converge-seconds S  bound on the convergence wait (default 240)
  --seed N              reproducible choices (default: random, printed)
  --examples N          discrepancies of each kind to print (default 8)
  --keep                keep the temp dir with every process's log
  --json                print a JSON summary on stdout (progress and the closing line go to stderr)`;

export function parseCampaignOptions(argv: string[], defaults: Partial<CampaignOptions> = {}): CampaignOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string' },
      seconds: { type: 'string' },
      kills: { type: 'string' },
      rate: { type: 'string' },
      creates: { type: 'string' },
      workers: { type: 'string' },
      embedded: { type: 'boolean' },
      'fault-rate': { type: 'string' },
      'converge-seconds': { type: 'string' },
      seed: { type: 'string' },
      examples: { type: 'string' },
      keep: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const num = (name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || !check(n)) throw new Error(`--${name}: "${raw}" is out of range`);
    return n;
  };
  const int = (n: number): boolean => Number.isInteger(n) && n >= 0;
  return {
    events: num('events', values.events, defaults.events ?? 300, (n) => int(n) && n >= 3 && n <= 5000),
    seconds: num('seconds', values.seconds, defaults.seconds ?? 120, (n) => n > 0 && n <= 24 * 3600),
    kills: num('kills', values.kills, defaults.kills ?? 50, int),
    rate: num('rate', values.rate, defaults.rate ?? 1.5, (n) => n > 0 && n <= 100),
    createShare: num('creates', values.creates, defaults.createShare ?? 0.05, (n) => n >= 0 && n <= 1),
    workers: num('workers', values.workers, defaults.workers ?? 2, (n) => int(n) && n >= 1 && n <= 8),
    embedded: values.embedded ?? false,
    faultRate: num('fault-rate', values['fault-rate'], defaults.faultRate ?? 0.3, (n) => n >= 0 && n <= 1),
    convergeSeconds: num('converge-seconds', values['converge-seconds'], defaults.convergeSeconds ?? 240, (n) => n > 0),
    seed: num('seed', values.seed, defaults.seed ?? Math.floor(Math.random() * 2 ** 31), int),
    examples: num('examples', values.examples, defaults.examples ?? 8, int),
    keep: values.keep ?? false,
    json: values.json ?? false,
  };
}
