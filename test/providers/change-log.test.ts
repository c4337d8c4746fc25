/** The change log behind memory-server cursors. */
import { describe, expect, it } from 'vitest';
import { ChangeLog } from '../../src/providers/memory/change-log.js';
import { decodeCursor, encodeCursor } from '../../src/providers/memory/cursor.js';

describe('ChangeLog', () => {
  it('names each id changed after a sequence number once, in order of its latest change', () => {
    const log = new ChangeLog(100);
    log.record('a');
    log.record('b');
    const mark = log.seq;
    log.record('c');
    log.record('a');
    log.record('c');
    expect(log.changedSince(mark)).toEqual(['a', 'c']);
    expect(log.changedSince(0)).toEqual(['b', 'a', 'c']);
    expect(log.changedSince(log.seq)).toEqual([]);
  });

  it('cannot answer sequence numbers it never issued or no longer holds', () => {
    const log = new ChangeLog(4);
    expect(log.canAnswer(0)).toBe(true);
    expect(log.canAnswer(1)).toBe(false);
    expect(log.canAnswer(0.5)).toBe(false);
    for (const id of ['a', 'b', 'c', 'd', 'e']) log.record(id);
    expect(log.changedSince(0)).toBeUndefined();
    expect(log.canAnswer(2)).toBe(false);
    expect(log.changedSince(3)).toEqual(['d', 'e']);
  });
});

describe('memory cursors', () => {
  it('round-trip and reject anything malformed', () => {
    const cursor = { epoch: '0a1b', seq: 12, issuedAtMs: 1_780_000_000_000 };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of ['', 'm1.xyz.1.2', 'm2.0a.1.2', 'm1.0a.-1.2', 'm1.0a.1']) expect(decodeCursor(bad)).toBeUndefined();
  });
});
