import { describe, expect, it } from 'vitest';
import { forwardOnlyLink, navigableLink } from './paging.js';

const url = 'https://psa.example/v4_6_release/apis/3.0/company/companies';

describe('navigableLink', () => {
  it.each([
    // page, pageSize, total, expected rels in order
    [1, 25, 10, undefined],
    [1, 25, 25, undefined],
    [1, 2, 5, ['next', 'last']],
    [2, 2, 5, ['first', 'prev', 'next', 'last']],
    [3, 2, 5, ['first', 'prev']],
    [9, 2, 5, ['first', 'prev']],
  ] as const)('page %i of size %i with %i rows', (page, size, total, rels) => {
    const link = navigableLink(url, 'conditions=name+like+%22A*%22&page=7&pageSize=3', page, size, total);
    if (rels === undefined) return expect(link).toBeUndefined();
    expect([...link!.matchAll(/rel="(\w+)"/g)].map((m) => m[1])).toEqual(rels);
    // pyconnectwise reads `page=(\d+)>; rel=`: page must be the last parameter of every URL.
    for (const m of link!.matchAll(/<([^>]+)>/g)) expect(m[1]).toMatch(/&page=\d+$/);
    expect(link).toContain('conditions=name+like+%22A*%22&pageSize=');
    expect(link).not.toContain('page=7');
    expect(link!.trim().endsWith('rel="last"')).toBe(rels.at(-1) === 'last');
  });

  it('points prev at the last page when the caller asked beyond it', () => {
    expect(navigableLink(url, '', 9, 2, 5)).toContain(`page=3>; rel="prev"`);
  });
});

describe('forwardOnlyLink', () => {
  it('carries the last id as pageId, or is empty at the end', () => {
    expect(forwardOnlyLink(url, 'pageSize=2&pageId=4', 2, 9)).toBe(
      `<${url}?pageSize=2&pageId=9>; rel="next"`,
    );
    expect(forwardOnlyLink(url, 'pageSize=2', 2, undefined)).toBe('');
  });
});
