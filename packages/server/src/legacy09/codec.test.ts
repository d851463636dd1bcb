import { describe, expect, it } from 'vitest';
import { decodePacket, decodePayload, encodePacket, encodePayload, eventJson, eventPacketFromJson, type Packet } from './codec.ts';

function decoded(raw: string): Packet {
  const d = decodePacket(raw);
  if (!d.ok) throw new Error(`expected ${raw} to decode: ${d.reason}`);
  return d.value;
}

describe('decodePacket / encodePacket: every packet type', () => {
  const cases: Array<[string, Packet]> = [
    ['0::', { type: 'disconnect', endpoint: '' }],
    ['0::/socket.io/1/', { type: 'disconnect', endpoint: '/socket.io/1/' }],
    ['1::', { type: 'connect', endpoint: '', query: '' }],
    ['1::/socket.io/1/', { type: 'connect', endpoint: '/socket.io/1/', query: '' }],
    ['1::/nsp:?a=b&c=d', { type: 'connect', endpoint: '/nsp', query: '?a=b&c=d' }],
    ['2::', { type: 'heartbeat', endpoint: '' }],
    ['3:::hello: world', { type: 'message', endpoint: '', data: 'hello: world' }],
    ['3:7::acked', { type: 'message', endpoint: '', id: '7', ack: 'plain', data: 'acked' }],
    ['4:::{"a":[1,"두"]}', { type: 'json', endpoint: '', data: { a: [1, '두'] } }],
    ['5:::{"name":"news","args":[{"t":"안녕"}]}', { type: 'event', endpoint: '', name: 'news', args: [{ t: '안녕' }] }],
    ['5:::{"name":"bare"}', { type: 'event', endpoint: '', name: 'bare', args: [] }],
    [
      '5:12+:/socket.io/1/:{"name":"rtcs:channel","args":[{"command":"subscribe","name":"a"}]}',
      { type: 'event', endpoint: '/socket.io/1/', id: '12', ack: 'data', name: 'rtcs:channel', args: [{ command: 'subscribe', name: 'a' }] },
    ],
    ['5:3::{"name":"x","args":[1]}', { type: 'event', endpoint: '', id: '3', ack: 'plain', name: 'x', args: [1] }],
    ['6:::4', { type: 'ack', endpoint: '', ackId: '4' }],
    ['6:::9+["ack",{"a":"한글"}]', { type: 'ack', endpoint: '', ackId: '9', args: ['ack', { a: '한글' }] }],
    ['6::/socket.io/1/:2+[]', { type: 'ack', endpoint: '/socket.io/1/', ackId: '2', args: [] }],
    ['7:::', { type: 'error', endpoint: '' }],
    ['7:::1+0', { type: 'error', endpoint: '', reason: 1, advice: 0 }],
    ['7::/nsp:2', { type: 'error', endpoint: '/nsp', reason: 2 }],
    ['8::', { type: 'noop', endpoint: '' }],
  ];

  it.each(cases)('%s', (raw, packet) => {
    expect(decoded(raw)).toEqual(packet);
  });

  it.each(cases.filter(([raw]) => raw !== '7:::'))('round-trips %s', (raw) => {
    expect(encodePacket(decoded(raw))).toBe(raw);
  });

  it('encodes what the server sends', () => {
    expect(encodePacket({ type: 'connect', endpoint: '/socket.io/1/', query: '' })).toBe('1::/socket.io/1/');
    expect(encodePacket({ type: 'ack', endpoint: '', ackId: '5' })).toBe('6:::5');
    expect(encodePacket({ type: 'ack', endpoint: '/socket.io/1/', ackId: '5', args: [] })).toBe('6::/socket.io/1/:5+[]');
    expect(encodePacket({ type: 'error', endpoint: '', reason: 1, advice: 0 })).toBe('7:::1+0');
    expect(encodePacket({ type: 'error', endpoint: '' })).toBe('7::');
    expect(eventPacketFromJson('/socket.io/1/', eventJson('news', [{ t: '한글' }]))).toBe('5::/socket.io/1/:{"name":"news","args":[{"t":"한글"}]}');
  });
});

describe('decodePacket: malformed input is refused, never thrown', () => {
  const bad = [
    '',
    ':',
    '9::',
    'x::',
    '5',
    '5:',
    '55:::{"name":"a"}',
    ' 5:::{"name":"a"}',
    '5:abc::{"name":"a"}',
    '5:+::{"name":"a"}',
    `5:${'1'.repeat(17)}::{"name":"a"}`,
    '5:::',
    '5:::not json',
    '5:::{"name":"a"',
    '5:::[1,2]',
    '5:::null',
    '5:::"str"',
    '5:::{"args":[1]}',
    '5:::{"name":""}',
    '5:::{"name":7}',
    '5:::{"name":"a","args":{"0":1}}',
    '4:::{bad',
    '6:::',
    '6:::x',
    '6:::1+',
    '6:::1+{"a":1}',
    '6:::1+[unclosed',
    '7:::reason',
    '7:::1+0+0',
  ];
  it.each(bad)('%j', (raw) => {
    const d = decodePacket(raw);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.reason).toBeTypeOf('string');
  });

  it('survives hostile JSON without touching prototypes', () => {
    const d = decoded('5:::{"name":"x","args":[{"__proto__":{"polluted":true}}],"__proto__":{"polluted":true}}');
    expect(d.type).toBe('event');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses large random junk quickly', () => {
    const junk = '\u0000:'.repeat(100_000);
    const started = Date.now();
    expect(decodePacket(junk).ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe('framing', () => {
  it('sends one packet bare and several framed, lengths in UTF-16 code units', () => {
    expect(encodePayload(['2::'])).toBe('2::');
    const ack = '6:::9+["ack",{"a":"한글"}]';
    expect(ack.length).toBe(24);
    expect(Buffer.byteLength(ack)).toBe(28);
    expect(encodePayload(['1::', ack])).toBe(`\ufffd3\ufffd1::\ufffd24\ufffd${ack}`);
    // An astral character counts two code units, as JavaScript clients count it.
    const emoji = '3:::😀';
    expect(encodePayload([emoji, '8::'])).toBe(`\ufffd6\ufffd${emoji}\ufffd3\ufffd8::`);
  });

  it('decodes what it encodes, including non-ASCII and packets containing the marker', () => {
    const packets = ['5:::{"name":"a","args":["한글 \ufffd 😀"]}', '2::', '6:::9+["ack",{"a":"한글"}]', '3:::'];
    expect(decodePayload(encodePayload(packets))).toEqual({ ok: true, value: packets });
  });

  it('takes an unframed body as one packet and an empty body as none', () => {
    expect(decodePayload('5:::{"name":"a"}')).toEqual({ ok: true, value: ['5:::{"name":"a"}'] });
    expect(decodePayload('')).toEqual({ ok: true, value: [] });
  });

  const badFrames = [
    '\ufffd',
    '\ufffd\ufffd',
    '\ufffd3',
    '\ufffdx\ufffd2::',
    '\ufffd-1\ufffd2::',
    '\ufffd1.5\ufffd2::',
    '\ufffd4\ufffd2::',
    '\ufffd3\ufffd2::junk',
    '\ufffd3\ufffd2::\ufffd',
    `\ufffd${'9'.repeat(12)}\ufffd2::`,
    '\ufffd24\ufffd6:::9+["ack",{"a":"한글"}]'.slice(0, 20),
  ];
  it.each(badFrames)('refuses bad framing %j as a whole', (body) => {
    const d = decodePayload(body);
    expect(d.ok).toBe(false);
  });
});
