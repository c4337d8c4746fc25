/**
 * A small run of the fuzz campaign's inbound half (scripts/campaign/fuzz.ts) as a regression guard:
 * malformed requests to the REST API, the webhooks and the WebSocket get no 5xx, change nothing in the
 * store, and all get an answer. The full campaign (`npm run campaign -- fuzz`) sends ≥ 10,000.
 */
import { describe, expect, it } from 'vitest';
import { runFuzzCampaign } from '../../scripts/campaign/fuzz.js';

describe('fuzz campaign, inbound smoke run', () => {
  it('answers 400 malformed requests without a 5xx, a store change, a hang or a crash', async () => {
    const report = await runFuzzCampaign({ requests: 400, responses: 0, seed: 3, timeBudgetMs: 120_000, log: () => undefined });
    expect(report.requests).toBe(400);
    expect({ crashes: report.crashes, fiveXx: report.fiveXx, storeChanges: report.storeChanges, hangs: report.hangs }).toEqual({ crashes: 0, fiveXx: 0, storeChanges: 0, hangs: 0 });
    // The run reached the validators, not only the auth check.
    expect(report.inbound.byStatus.get(400) ?? 0).toBeGreaterThan(0);
    expect(report.inbound.byStatus.get(415) ?? 0).toBeGreaterThan(0);
  }, 180_000);
});
