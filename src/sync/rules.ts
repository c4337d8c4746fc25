/**
 * Which conflict rule applies to a conflict, with the wedding-critical guard.
 *
 * Conflict types (named from the hub's side first, then the calendar's):
 * - `field`: the same field edited on both sides to different values.
 * - `edit_delete`: edited in WedSync, deleted in the calendar.
 * - `delete_edit`: deleted in WedSync, edited in the calendar.
 * - `wedding_critical`: a calendar deleted a high-priority event WedSync did not touch. Not a conflict
 *   of edits, but the guard holds it like one: a phone must not silently cancel a ceremony.
 *
 * The guard: on a high-priority event, a conflict touching date, time or place (`CRITICAL_FIELDS`) or any
 * deletion is resolved automatically only by a rule in `weddingCritical` naming `<type>:<field>` (or
 * `<type>:*`); the ordinary `byType`/`default` rules never reach it.
 */
import type { ConflictRule, ConflictRules, ConflictType } from '../store/types.js';
import { CRITICAL_FIELDS, isMergeField } from './fields.js';

/** The field name deletion conflicts are recorded with. */
export const DELETED_FIELD = '*';

/** A resolved rule per conflicting field and the name it is recorded by (`rule:<rule>`). */
export type RuleDecision = { kind: 'manual'; reason: string } | { kind: 'auto'; byField: Map<string, ConflictRule> };

/** Whether the guard holds this (type, field) on a high-priority event. */
export function isGuarded(type: ConflictType, field: string): boolean {
  if (type !== 'field') return true;
  return isMergeField(field) && CRITICAL_FIELDS.has(field);
}

/** The calendar's rules when it has its own, the integration's otherwise. */
export function effectiveRules(integration: ConflictRules, calendar: ConflictRules | undefined): ConflictRules {
  return calendar ?? integration;
}

export function decideRule(rules: ConflictRules, type: ConflictType, fields: readonly string[], critical: boolean): RuleDecision {
  const byField = new Map<string, ConflictRule>();
  for (const field of fields) {
    let rule: ConflictRule | undefined;
    if (critical && isGuarded(type, field)) {
      rule = rules.weddingCritical?.[`${type}:${field}`] ?? rules.weddingCritical?.[`${type}:*`];
      if (type === 'wedding_critical') rule ??= rules.byType?.wedding_critical;
      if (rule === undefined) return { kind: 'manual', reason: `wedding-critical ${type}:${field} needs a rule naming it` };
    } else {
      rule = rules.byType?.[type] ?? rules.default ?? 'manual';
    }
    if (rule === 'manual') return { kind: 'manual', reason: `rule for ${type}:${field} is manual` };
    byField.set(field, rule);
  }
  return { kind: 'auto', byField };
}
