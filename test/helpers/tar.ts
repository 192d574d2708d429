// A one-file ustar stream, as the Engine API's GET /containers/{id}/archive answers for a
// regular file: a 512-byte header, the content padded to 512 bytes, two zero blocks.
// Recorded answers are in test/fixtures/imageos/; this builds ones of other content.

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value.slice(0, length), offset, length, 'latin1');
}

const octal = (n: number, width: number): string => `${n.toString(8).padStart(width - 1, '0')}\0`;

export function singleFileTar(name: string, content: Buffer | string, mode = 0o644): Buffer {
  const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const header = Buffer.alloc(512);
  field(header, 0, 100, name);
  field(header, 100, 8, octal(mode, 8));
  field(header, 108, 8, octal(0, 8));
  field(header, 116, 8, octal(0, 8));
  field(header, 124, 12, octal(body.length, 12));
  field(header, 136, 12, octal(0, 12));
  field(header, 148, 8, '        ');
  field(header, 156, 1, '0');
  field(header, 257, 6, 'ustar\0');
  field(header, 263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  body.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}
