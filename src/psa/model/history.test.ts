import { describe, expect, it } from 'vitest';
import { historyDetail, historyText, readHistoryDetail } from './history.js';

describe('History details', () => {
  it('reads the parameters written as JSON', () => {
    const detail = historyDetail({ description: 'Umbrella', publicKey: 'qMmcAbCdEfGh1234' });
    expect(readHistoryDetail('apiKey.created', detail)).toEqual({
      description: 'Umbrella',
      publicKey: 'qMmcAbCdEfGh1234',
    });
  });

  it('reads entries written as English sentences before', () => {
    expect(readHistoryDetail('member.created', 'role 4')).toEqual({ roleId: 4 });
    expect(readHistoryDetail('apiKey.revoked', 'Umbrella (x) (public key qMmcAbCdEfGh1234)')).toEqual({
      description: 'Umbrella (x)',
      publicKey: 'qMmcAbCdEfGh1234',
    });
    expect(readHistoryDetail('member.updated', 'identifier, email')).toEqual({ fields: 'identifier, email' });
    expect(readHistoryDetail('member.locked', '5 failed sign-ins; locked for 1 minute(s)')).toEqual({
      failures: 5,
      minutes: 1,
    });
    expect(readHistoryDetail('member.created', 'something else')).toBeNull();
    expect(readHistoryDetail('member.signed-in', '')).toEqual({});
  });

  it('says the parameters in English for readers without a catalogue', () => {
    expect(historyText({ roleId: 4, roleName: 'Umbrella' })).toBe('role Umbrella');
    expect(historyText({ description: 'Umbrella', publicKey: 'abc' })).toBe('Umbrella (public key abc)');
  });
});
