/**
 * docs/api.md's error code tables are the protocol's (CHAT_ERROR_TABLE with CHAT_ERROR_CODES, and
 * RTCS_ERROR_TABLE), not a copy that drifts: each table between its markers must read exactly as the
 * protocol renders it (error-tables.ts). On a change, the failure shows the table to paste.
 */
import { readFileSync } from 'node:fs';
import { CHAT_ERROR_CODES, CHAT_ERROR_TABLE, chatErrorCodeTable, rtcsErrorCodeTable } from '@parley/protocol';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');

function section(name: string): string {
  const match = new RegExp(`<!-- ${name}: begin[^>]*-->\\n([\\s\\S]*?)\\n<!-- ${name}: end -->`).exec(doc);
  if (!match) throw new Error(`docs/api.md has no ${name} section`);
  return match[1]!;
}

describe('docs/api.md', () => {
  it('lists every chat error code with its status and meaning, as the protocol defines them', () => {
    expect(Object.keys(CHAT_ERROR_TABLE).sort()).toEqual(Object.keys(CHAT_ERROR_CODES).sort());
    expect(section('chat-error-codes')).toBe(chatErrorCodeTable());
    for (const code of Object.values(CHAT_ERROR_CODES)) expect(section('chat-error-codes')).toContain(`| ${code} |`);
  });

  it('lists the RTCS statuses as the protocol defines them', () => {
    expect(section('rtcs-error-codes')).toBe(rtcsErrorCodeTable());
  });
});
