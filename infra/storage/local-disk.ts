import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, validationError } from '../../domain/shared/errors.js';
import type { DocumentStorage } from '../../domain/identity/ports.js';

/** Allowed document types, each recognised by its leading bytes as well as its declared type. */
export const DOCUMENT_TYPES: Record<string, { ext: string; magic: number[] }> = {
  'application/pdf': { ext: 'pdf', magic: [0x25, 0x50, 0x44, 0x46, 0x2d] }, // %PDF-
  'image/png': { ext: 'png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  'image/jpeg': { ext: 'jpg', magic: [0xff, 0xd8, 0xff] },
};

const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Verification documents on local disk under one root. Names are made here
 * (`<accountId>/<uuid>.<ext>`), never taken from the client, and every path is
 * checked to stay inside the root.
 */
export class LocalDiskDocumentStorage implements DocumentStorage {
  private readonly root: string;
  constructor(root: string, private readonly maxBytes: number) {
    this.root = path.resolve(root);
  }

  async put(accountId: string, bytes: Buffer, contentType: string): Promise<{ key: string; sizeBytes: number; sha256: string }> {
    const type = DOCUMENT_TYPES[contentType];
    if (!type) throw new AppError('VALIDATION_ERROR', 'Unsupported document type', { details: [{ field: 'headers.content-type', message: `must be one of ${Object.keys(DOCUMENT_TYPES).join(', ')}` }] });
    if (bytes.length === 0) throw validationError('Empty document', [{ field: 'body', message: 'must not be empty' }]);
    if (bytes.length > this.maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `Documents are limited to ${this.maxBytes} bytes`);
    if (!type.magic.every((b, i) => bytes[i] === b)) throw validationError('Document content does not match its type', [{ field: 'body', message: `is not a valid ${contentType}` }]);
    if (!SAFE_SEGMENT.test(accountId)) throw validationError('Invalid account id');
    const key = `${accountId}/${randomUUID()}.${type.ext}`;
    const file = this.resolve(key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes, { flag: 'wx', mode: 0o600 });
    return { key, sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  async get(key: string): Promise<Buffer> {
    return readFile(this.resolve(key));
  }

  /** Maps a key to a file inside the root, or refuses. */
  resolve(key: string): string {
    const parts = key.split('/');
    const name = /^[A-Za-z0-9-]{36}\.(pdf|png|jpg)$/;
    if (parts.length !== 2 || !SAFE_SEGMENT.test(parts[0] ?? '') || !name.test(parts[1] ?? '')) throw new AppError('NOT_FOUND', 'Document not found');
    const file = path.resolve(this.root, ...parts);
    if (!file.startsWith(this.root + path.sep)) throw new AppError('NOT_FOUND', 'Document not found');
    return file;
  }
}
