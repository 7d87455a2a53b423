// The pusher's pure parts (agent/push.ts): the ingest URL Pyroscope takes, the multipart body,
// and the queue's bound (the oldest dropped first).
import { describe, expect, it } from 'vitest';
import { ingestUrl, multipartBody, PushQueue, type PushItem } from '../../src/agent/push';

const item = (from: number, until: number): PushItem => ({
  pprof: Uint8Array.from([1, 2, 3]),
  fromSeconds: from,
  untilSeconds: until,
});
const target = {
  url: 'http://127.0.0.1:4040',
  appName: 'shop',
  tags: ['env=prod'],
  sampleRate: 1000,
};

describe('ingestUrl', () => {
  it('names the app with its labels, the period in whole seconds, the rate and the format', () => {
    const u = new URL(ingestUrl(target, item(100.4, 160.6)));
    expect(u.pathname).toBe('/ingest');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      name: 'shop{env=prod}',
      from: '100',
      until: '161',
      spyName: 'viztracer',
      sampleRate: '1000',
      format: 'pprof',
    });
  });

  it('keeps periods back to back, and a period under a second a second long', () => {
    const a = new URL(ingestUrl({ ...target, tags: [] }, item(10.5, 11.5))).searchParams;
    expect([a.get('name'), a.get('from'), a.get('until')]).toEqual(['shop', '11', '12']);
    const b = new URL(ingestUrl(target, item(11.5, 12.5))).searchParams;
    expect(b.get('from')).toBe(a.get('until'));
    expect(new URL(ingestUrl(target, item(20.1, 20.3))).searchParams.get('until')).toBe('21');
  });
});

describe('multipartBody', () => {
  it('holds the profile in the field "profile", bytes as they are', () => {
    const { body, contentType } = multipartBody(Uint8Array.from([0, 255, 13, 10]));
    const boundary = /boundary=(.+)$/.exec(contentType)![1];
    const text = body.toString('latin1');
    expect(text.startsWith(`--${boundary}\r\n`)).toBe(true);
    expect(text).toContain(
      'Content-Disposition: form-data; name="profile"; filename="profile.pprof"',
    );
    const start = body.indexOf('\r\n\r\n') + 4;
    expect([...body.subarray(start, start + 4)]).toEqual([0, 255, 13, 10]);
    expect(text.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
  });
});

describe('PushQueue', () => {
  it('drops the oldest profiles beyond its bound while the ingest does not answer', () => {
    // Port 1 refuses; the first attempt fails and the retry waits a minute, unreferenced.
    const q = new PushQueue(
      { ...target, url: 'http://127.0.0.1:1' },
      { maxQueued: 2, retryMillis: 60_000 },
    );
    const items = [item(1, 2), item(2, 3), item(3, 4), item(4, 5)];
    for (const i of items) q.add(i);
    expect(q.dropped).toEqual([items[0], items[1]]);
  });
});
