// A slice's args are fetched once and kept in the page.
import { describe, expect, it } from 'vitest';
import { cachedArgs, type ThreadData } from '../../src/viewer/page/data';

const thread = (key: number): ThreadData => ({ info: { key } }) as unknown as ThreadData;

describe('cachedArgs', () => {
  it('fetches a slice’s args once, and again only after a failed fetch', async () => {
    const calls: string[] = [];
    let fail = true;
    const args = cachedArgs(async (key, index) => {
      calls.push(`${key}:${index}`);
      if (key === 2 && fail) {
        fail = false;
        throw new Error('server gone');
      }
      return { key, index };
    });
    expect(await args(thread(1), 5)).toEqual({ key: 1, index: 5 });
    expect(await args(thread(1), 5)).toEqual({ key: 1, index: 5 });
    await expect(args(thread(2), 0)).rejects.toThrow('server gone');
    expect(await args(thread(2), 0)).toEqual({ key: 2, index: 0 });
    expect(calls).toEqual(['1:5', '2:0', '2:0']);
  });
});
