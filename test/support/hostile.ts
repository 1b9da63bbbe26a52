import fc from 'fast-check';

/** Strings that have broken parsers, routers and proxies before. */
const TRICKS = [
  '..',
  '../..',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f',
  '%00',
  '%u0000',
  '\u0000',
  '%ff%fe',
  '\u202e',
  '\ufeff',
  'ＡＢＣ１２３',
  '😀'.repeat(50),
  'a'.repeat(70_000),
  '$' + '{secret}',
  '`id`',
  ';rm -rf /',
  '|cat /etc/passwd',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '{"$ne":null}',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '0x10',
  '\r\nX-Injected: 1',
  '%0d%0aX-Injected:%201',
  'null',
  'true',
  '[]',
  '{}',
  ' ',
  '',
  'A'.repeat(33),
  '0'.repeat(32),
  'F'.repeat(32),
];

/** A hostile string: a known trick, random unicode, or a random printable one. */
export const hostileString = fc.oneof(
  fc.constantFrom(...TRICKS),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 200 }),
);

/** A value of any JSON type, hostile strings included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.jsonValue({ maxDepth: 3 }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, false, [], {}, 1e308, -1, 0, Number.MAX_SAFE_INTEGER),
  fc.array(fc.constantFrom(1, 'a', null), { maxLength: 2000 }),
);

/** A header value the platform can send: printable ASCII (others never leave fetch). */
export const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'Basic Zm9vOmJhcg==',
    'x'.repeat(5000),
    '*/*',
    'application/json; charset=utf-16',
  ),
);

/** A path segment, encoded as a client would (or not, for the tricks that are already encoded). */
export const pathSegment = fc.oneof(
  hostileString.map((s) => encodeURIComponent(s.slice(0, 300))),
  fc.constantFrom(
    '..%2f..%2fetc',
    '%2e%2e',
    '.',
    '..',
    '%00',
    '%ff',
    'sessions',
    '0'.repeat(32),
    `${'f'.repeat(31)}g`,
    'A'.repeat(32),
  ),
);
