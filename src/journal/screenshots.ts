/**
 * What a screenshot may be: PNG, JPEG or WebP, recognised by its first bytes (a file's
 * name or declared type proves nothing), at most MAX_SCREENSHOT_BYTES.
 */
import { InputError } from '../core/errors.js';

export const MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024;
export const SCREENSHOT_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ScreenshotType = (typeof SCREENSHOT_TYPES)[number];

/** The image type from its magic bytes, or null. */
export function sniffImage(data: Uint8Array): ScreenshotType | null {
  const b = data;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

/** The image's type, or an InputError naming the field and the limit. */
export function checkScreenshot(data: Uint8Array, field = 'screenshot', limit = MAX_SCREENSHOT_BYTES): ScreenshotType {
  if (data.length > limit) throw new InputError(field, `is ${data.length} bytes; the limit is ${limit} bytes (${(limit / 1024 / 1024).toFixed(0)} MiB)`);
  if (data.length === 0) throw new InputError(field, 'is empty; send a PNG, JPEG or WebP image');
  const type = sniffImage(data);
  if (!type) throw new InputError(field, `is not a PNG, JPEG or WebP image (by its first bytes); images up to ${limit} bytes are accepted`);
  return type;
}
