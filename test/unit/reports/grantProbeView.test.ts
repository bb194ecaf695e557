import { describe, expect, it } from 'vitest';
import { grantProbeView, type GrantCheck } from '../../../src/ledger/probeGrants.js';

const check = (name: string, expected: boolean, observed = expected): GrantCheck => ({ check: name, expected, observed, ok: expected === observed });

// Issue 12: the grant probe report shows table privileges and guards as a grid, not a 90-row table.
describe('grantProbeView', () => {
  it('puts table privileges and guards in a grid, marks what is not as required, and counts them', () => {
    const view = grantProbeView({
      role: 'w', ok: false, sha256: '0'.repeat(64),
      checks: [
        check('role w exists', true),
        check('SELECT on cutter.iu', true), check('INSERT on cutter.iu', true), check('UPDATE on cutter.iu', false),
        check('DELETE on cutter.iu', false, true), check('TRUNCATE on cutter.iu', false),
        check('guard iu_no_delete on cutter.iu fires', true, false), check('guard iu_guard_insert on cutter.iu fires', true),
        check('EXECUTE on cutter.fn_iu_create', true),
      ],
    });
    expect(view.matrix).toEqual({
      header: ['table', 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'guards firing'],
      rows: [['cutter.iu', 'yes', 'yes', 'no', '**yes (expected no)**', 'no', '**1 of 2: iu_no_delete missing**']],
    });
    expect(view.rows.map((r) => r.check)).toEqual(['role w exists', 'EXECUTE on cutter.fn_iu_create', 'table privileges and guards as required (grid below)']);
    expect(view.rows.at(-1)).toMatchObject({ expected: 7, observed: 5, ok: false });
  });
});
